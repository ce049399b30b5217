// Goal: fingerprints change exactly when data would: formatting and comments never count, a
// description changes only the metadata hash, a query change flows to every descendant, and a seed
// file's bytes count. Method: load the example project, edit a copy, fingerprint both.
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { generateProject } from '../../bench/generate-project.ts'
import { type Fingerprint, fingerprintProject } from './fingerprint.ts'
import { loadProject } from './load.ts'

const example = join(import.meta.dirname, 'testdata', 'example')
const roots: string[] = []

async function fingerprintsAfter(
  edit: (root: string) => void,
  env: NodeJS.ProcessEnv = {},
): Promise<ReadonlyMap<string, Fingerprint>> {
  const root = mkdtempSync(join(tmpdir(), 'materia-fingerprint-'))
  roots.push(root)
  cpSync(example, root, { recursive: true })
  edit(root)
  return fingerprintProject(await loadProject(root, { env }))
}

function replaceIn(root: string, path: string, from: string, to: string): void {
  const text = readFileSync(join(root, path), 'utf8')
  if (!text.includes(from)) throw new Error(`${path} does not contain ${from}`)
  writeFileSync(join(root, path), text.replace(from, to))
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

const balance = 'models/cleaned/coffee_balance.sql'

describe('fingerprintProject', async () => {
  const before = await fingerprintProject(await loadProject(example, { env: {} }))

  it('gives every model a version: the first 12 hex digits of its data hash', () => {
    expect(before.size).toBe(6)
    for (const fingerprint of before.values()) {
      expect(fingerprint.dataHash).toMatch(/^[0-9a-f]{64}$/)
      expect(fingerprint.version).toBe(fingerprint.dataHash.slice(0, 12))
    }
  })

  it('ignores formatting, comments and the landing folder', async () => {
    const after = await fingerprintsAfter(
      (root) => {
        replaceIn(
          root,
          balance,
          '  FROM staging.stg_psd_coffee\n',
          '  -- the typed rows\n  from   staging.stg_psd_coffee\n\n',
        )
        replaceIn(
          root,
          balance,
          'GROUP BY country_code, market_year',
          'GROUP BY\n  country_code,\n  market_year /* the grain */',
        )
      },
      { MATERIA_LANDING: '/elsewhere' },
    )
    expect(after).toEqual(before)
  })

  it('changes only the metadata hash for a description', async () => {
    const after = await fingerprintsAfter((root) =>
      replaceIn(root, balance, 'One row per country', 'Exactly one row per country'),
    )
    for (const [name, fingerprint] of after) {
      expect(fingerprint.dataHash).toBe(before.get(name)!.dataHash)
      if (name === 'cleaned.coffee_balance')
        expect(fingerprint.metadataHash).not.toBe(before.get(name)!.metadataHash)
      else expect(fingerprint.metadataHash).toBe(before.get(name)!.metadataHash)
    }
  })

  it('changes the model and its descendants for a query change, nothing else', async () => {
    const after = await fingerprintsAfter((root) =>
      replaceIn(root, balance, "attribute_name = 'Exports'", "attribute_name = 'Bean Exports'"),
    )
    const changed = [...after]
      .filter(([name, fingerprint]) => fingerprint.dataHash !== before.get(name)!.dataHash)
      .map(([name]) => name)
    expect(changed.sort()).toEqual(['cleaned.coffee_balance', 'serving.coffee_stocks_to_use'])
  })

  it('counts the seed bytes, the kind and a variable', async () => {
    const seed = await fingerprintsAfter((root) => appendFileSync(join(root, 'seeds/psd_coffee.csv'), ''))
    expect(seed).toEqual(before)
    const seedEdited = await fingerprintsAfter((root) =>
      replaceIn(root, 'seeds/psd_coffee.csv', '69900.0000', '69901.0000'),
    )
    expect(seedEdited.get('raw.psd_coffee')!.dataHash).not.toBe(before.get('raw.psd_coffee')!.dataHash)
    expect(seedEdited.get('serving.dim_country')!.dataHash).not.toBe(
      before.get('serving.dim_country')!.dataHash,
    )
    const kind = await fingerprintsAfter((root) =>
      replaceIn(root, 'models/serving/dim_country.sql', 'kind FULL', 'kind VIEW'),
    )
    expect(kind.get('serving.dim_country')!.dataHash).not.toBe(before.get('serving.dim_country')!.dataHash)
    const variable = await fingerprintsAfter((root) =>
      replaceIn(root, 'materia.yaml', 'min_market_year: 2021', 'min_market_year: 2022'),
    )
    expect(variable.get('staging.stg_psd_coffee')!.dataHash).not.toBe(
      before.get('staging.stg_psd_coffee')!.dataHash,
    )
  })

  it('lets other work run while it fingerprints a large project', async () => {
    const root = mkdtempSync(join(tmpdir(), 'materia-fingerprint-large-'))
    roots.push(root)
    generateProject(root, { models: 300 })
    const project = await loadProject(root, { env: {} })
    // The first pass parses every query; the second finds the trees cached and so never waits
    // for DuckDB: only its own turns of the event loop let the callback below run before it ends.
    const first = await fingerprintProject(project)
    let ranBeforeEnd = false
    const second = fingerprintProject(project).then((fingerprints) => ({ fingerprints, ranBeforeEnd }))
    setImmediate(() => {
      ranBeforeEnd = true
    })
    const result = await second
    expect(result.ranBeforeEnd).toBe(true)
    expect(result.fingerprints).toEqual(first)
    expect(result.fingerprints.size).toBe(300)
  })
})
