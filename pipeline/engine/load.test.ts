// Goal: loadProject returns the example project's graph, and every bad project input that loading
// owns fails with one message naming file:line (or both files) and what to do. Method: copy the
// example project into a temp folder, break one thing, load it for real (DuckDB parses queries).
import { cpSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { loadProject } from './load.ts'

const example = join(import.meta.dirname, 'testdata', 'example')
const roots: string[] = []

function exampleCopy(files: Record<string, string | null> = {}): string {
  const root = mkdtempSync(join(tmpdir(), 'materia-load-'))
  roots.push(root)
  cpSync(example, root, { recursive: true })
  for (const [path, text] of Object.entries(files)) {
    if (text === null) unlinkSync(join(root, path))
    else writeFileSync(join(root, path), text)
  }
  return root
}

async function loadError(files: Record<string, string | null>): Promise<string> {
  try {
    await loadProject(exampleCopy(files), { env: {} })
  } catch (error) {
    if (!isMateriaError(error)) throw error
    return error.message
  }
  throw new Error('expected a load error')
}

afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true })
})

describe('loadProject', () => {
  it('loads the example project: models, graph, order, audits', async () => {
    const project = await loadProject(example, { env: {} })
    expect(project.root).toBe(example)
    expect([...project.models.keys()]).toEqual([
      'cleaned.coffee_balance',
      'cleaned.psd_coffee_snapshots',
      'raw.psd_coffee',
      'serving.coffee_stocks_to_use',
      'serving.dim_country',
      'staging.stg_psd_coffee',
    ])
    expect(project.order).toEqual([
      'raw.psd_coffee',
      'staging.stg_psd_coffee',
      'cleaned.coffee_balance',
      'cleaned.psd_coffee_snapshots',
      'serving.dim_country',
      'serving.coffee_stocks_to_use',
    ])
    expect(project.parents.get('serving.coffee_stocks_to_use')).toEqual([
      'cleaned.coffee_balance',
      'serving.dim_country',
    ])
    expect(project.children.get('staging.stg_psd_coffee')).toEqual([
      'cleaned.coffee_balance',
      'cleaned.psd_coffee_snapshots',
      'serving.dim_country',
    ])
    expect(project.parents.get('raw.psd_coffee')).toEqual([])
    expect(project.models.get('raw.psd_coffee')?.kind).toEqual({
      name: 'SEED',
      path: '../../seeds/psd_coffee.csv',
    })
    expect([...project.audits.keys()]).toEqual(['assert_non_negative'])
    expect(project.config.variables.min_market_year).toBe(2021)
  })

  it('adds depends_on, keeps read_csv and non-model schemas external, and ignores CTEs named like models', async () => {
    const model = `MODEL (name serving.extra, kind FULL, depends_on (raw.psd_coffee));
WITH stg_psd_coffee AS (SELECT 1 AS k)
SELECT k FROM stg_psd_coffee
UNION ALL SELECT 1 FROM read_csv(@VAR('landing_dir') || '/psd/*/*/*/*.csv.gz')
UNION ALL SELECT 1 FROM information_schema.tables
UNION ALL SELECT 1 FROM (SELECT 1 FROM serving.dim_country)`
    const project = await loadProject(exampleCopy({ 'models/serving/extra.sql': model }), { env: {} })
    expect(project.parents.get('serving.extra')).toEqual(['raw.psd_coffee', 'serving.dim_country'])
    expect(project.order.at(-1)).toBe('serving.extra')
  })
})

describe('loadProject rejects bad input', () => {
  it('a duplicate model name, naming both files', async () => {
    const copy = 'MODEL (name serving.dim_country, kind FULL);\nSELECT 1 AS country_code'
    expect(await loadError({ 'models/serving/dim_country_copy.sql': copy })).toBe(
      'duplicate model name serving.dim_country in models/serving/dim_country.sql and models/serving/dim_country_copy.sql; rename one of them',
    )
  })

  it('a model reading a workbench scratch table', async () => {
    const model = 'MODEL (name serving.extra, kind FULL);\nSELECT 1 AS k\nFROM scratch_alice.balance'
    expect(await loadError({ 'models/serving/extra.sql': model })).toBe(
      'models/serving/extra.sql:3 reads scratch_alice.balance, a workbench scratch table; models read models or landed files only',
    )
  })

  it('a cycle, printed', async () => {
    const raw = 'MODEL (name raw.psd_coffee, kind FULL);\nSELECT * FROM serving.coffee_stocks_to_use'
    expect(await loadError({ 'models/raw/psd_coffee.sql': raw })).toBe(
      'models/cleaned/coffee_balance.sql: dependency cycle cleaned.coffee_balance -> serving.coffee_stocks_to_use -> raw.psd_coffee -> staging.stg_psd_coffee -> cleaned.coffee_balance; remove one of these references',
    )
  })

  it('a self-contained two-model cycle', async () => {
    const a = 'MODEL (name serving.a, kind FULL);\nSELECT * FROM serving.b'
    const b = 'MODEL (name serving.b, kind FULL);\nSELECT * FROM serving.a'
    expect(await loadError({ 'models/serving/a.sql': a, 'models/serving/b.sql': b })).toBe(
      'models/serving/a.sql: dependency cycle serving.a -> serving.b -> serving.a; remove one of these references',
    )
  })

  it('an unknown reference that looks like a model, with a suggestion', async () => {
    const model = 'MODEL (name serving.extra, kind FULL);\nSELECT *\nFROM cleaned.coffee_balanse'
    expect(await loadError({ 'models/serving/extra.sql': model })).toBe(
      'models/serving/extra.sql:3 references unknown model cleaned.coffee_balanse; did you mean cleaned.coffee_balance?',
    )
  })

  it('an unknown depends_on', async () => {
    const model = 'MODEL (name serving.extra,\n  depends_on (other.thing));\nSELECT 1'
    expect(await loadError({ 'models/serving/extra.sql': model })).toBe(
      'models/serving/extra.sql:2 depends_on names unknown model other.thing; no model has a similar name: add the model or fix the name',
    )
  })

  it('a SQL syntax error, at its file:line:column after macros', async () => {
    const model =
      "MODEL (name serving.extra, kind FULL);\n@DEF(x, 'a long macro value');\nSELECT @x AS a,\n  @start_ds AS b c\nFROM serving.dim_country"
    expect(await loadError({ 'models/serving/extra.sql': model })).toBe(
      'models/serving/extra.sql:4:18 SQL syntax error: syntax error at or near "c"; fix the query',
    )
  })

  it('a statement that is not a SELECT', async () => {
    const model = 'MODEL (name serving.extra, kind FULL);\nDELETE FROM serving.dim_country'
    expect(await loadError({ 'models/serving/extra.sql': model })).toBe(
      'models/serving/extra.sql:2 the query must be one SELECT statement, not a DELETE statement; fix the query',
    )
  })

  it('a missing seed file', async () => {
    expect(await loadError({ 'seeds/psd_coffee.csv': null })).toBe(
      "models/raw/psd_coffee.sql:3 seed file not found: seeds/psd_coffee.csv; the SEED path '../../seeds/psd_coffee.csv' is relative to the model file",
    )
  })

  it('an empty model file', async () => {
    expect(await loadError({ 'models/serving/empty.sql': '' })).toBe(
      'models/serving/empty.sql:1 empty model file; start it with MODEL (name schema.table, kind FULL); and a query',
    )
  })

  it('an unknown property and an unknown kind', async () => {
    const property = 'MODEL (name serving.extra,\n  kind FULL,\n  materialized true);\nSELECT 1'
    expect(await loadError({ 'models/serving/extra.sql': property })).toMatch(
      /^models\/serving\/extra\.sql:3:3 unknown property "materialized"; use name \| kind/,
    )
    const kind = 'MODEL (name serving.extra,\n  kind TABLE);\nSELECT 1'
    expect(await loadError({ 'models/serving/extra.sql': kind })).toMatch(
      /^models\/serving\/extra\.sql:2:3 unknown kind "TABLE"; use FULL \| VIEW/,
    )
  })

  it('an unknown macro and a config error', async () => {
    const model = 'MODEL (name serving.extra);\nSELECT\n  @start_day'
    expect(await loadError({ 'models/serving/extra.sql': model })).toMatch(
      /^models\/serving\/extra\.sql:3 unknown macro @start_day; use @start_ds/,
    )
    expect(await loadError({ 'materia.yaml': 'name: example\nvariabels: {}\n' })).toMatch(
      /^materia\.yaml:2 unknown key "variabels" in materia\.yaml/,
    )
  })

  it('a duplicate custom audit', async () => {
    const audit = 'AUDIT (name assert_non_negative);\nSELECT 1 FROM @this_model'
    expect(await loadError({ 'audits/again.sql': audit })).toBe(
      'duplicate audit name assert_non_negative in audits/again.sql and audits/assert_non_negative.sql; rename one of them',
    )
  })
})
