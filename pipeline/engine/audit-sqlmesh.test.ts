// Goal: audits written as SQLMesh documents them (docs/concepts/audits.md) load and run unchanged:
// several audits in one file, inline AUDIT blocks after a model's query, `defaults (...)`,
// `blocking false` in the header and `blocking := false` at the use site, `skip true`, standalone
// audits with depends_on; `dialect spark` and an unknown macro in an audit argument fail with
// file:line. Method: a project written to a temp folder and loaded; the audits run on DuckDB tables.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, describe, expect, it } from 'vitest'
import { runModelAudits } from './audit.ts'
import { parseAudits, splitInlineAudits } from './audit-parser.ts'
import { loadProject } from './load.ts'
import { runStandaloneAudits } from './standalone-audit.ts'

const root = join(tmpdir(), `materia-audit-sqlmesh-${process.pid}`)
afterAll(() => rmSync(root, { recursive: true, force: true }))

// The inline-audit example of audits.md, word for word.
const itemsModel = `MODEL (
    name sushi.items,
    audits(does_not_exceed_threshold(column := id, threshold := 1000), price_is_not_null)
);
SELECT id, price
FROM sushi.seed;

AUDIT (name does_not_exceed_threshold);
SELECT * FROM @this_model
WHERE @column >= @threshold;

AUDIT (name price_is_not_null);
SELECT * FROM @this_model
WHERE price IS NULL;
`

const auditsFile = `AUDIT (
  name does_not_exceed_default,
  defaults (
    threshold = 10,
    column = id
  )
);
SELECT * FROM @this_model
WHERE @column >= @threshold;

AUDIT (name assert_skipped, skip true);
SELECT * FROM @this_model;

AUDIT (name warn_only, description 'prices above 5', blocking false);
SELECT * FROM @this_model WHERE price > 5;

AUDIT (
  name assert_item_price_is_not_null,
  standalone TRUE,
  depends_on (
    sushi.items
  )
);
SELECT *
FROM sushi.items
WHERE price IS NULL;
`

function writeProject(dir: string, models: Record<string, string>, audits: string): void {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(join(dir, 'models'), { recursive: true })
  mkdirSync(join(dir, 'audits'), { recursive: true })
  writeFileSync(join(dir, 'materia.yaml'), 'name: audits\n')
  for (const [name, text] of Object.entries(models)) writeFileSync(join(dir, 'models', name), text)
  writeFileSync(join(dir, 'audits', 'audits.sql'), audits)
}

describe('audit files', () => {
  it('reads several audits per file with their header properties', () => {
    const audits = parseAudits(auditsFile, 'audits/audits.sql')
    expect(audits.map((audit) => audit.name)).toEqual([
      'does_not_exceed_default',
      'assert_skipped',
      'warn_only',
      'assert_item_price_is_not_null',
    ])
    expect(audits[0]!.defaults).toEqual({ threshold: '10', column: 'id' })
    expect(audits[0]!.queryLine).toBe(8)
    expect(audits[1]!.skip).toBe(true)
    expect(audits[2]).toMatchObject({ blocking: false, description: 'prices above 5' })
    expect(audits[3]).toMatchObject({ standalone: true, blocking: false, dependsOn: ['sushi.items'] })
  })

  it('keeps a model file line for line without its inline audits', () => {
    const { modelText, audits } = splitInlineAudits(itemsModel, 'models/items.sql')
    expect(modelText.split('\n')).toHaveLength(itemsModel.split('\n').length)
    expect(modelText).not.toContain('AUDIT')
    expect(audits.map((audit) => [audit.name, audit.queryLine])).toEqual([
      ['does_not_exceed_threshold', 9],
      ['price_is_not_null', 13],
    ])
  })

  it('names the line of a foreign dialect, an unknown property, a missing query', () => {
    expect(() => parseAudits('AUDIT (\n  name a,\n  dialect spark\n);\nSELECT 1', 'audits/a.sql')).toThrow(
      'audits/a.sql:3 dialect spark is not supported: audits run on DuckDB',
    )
    expect(() => parseAudits('AUDIT (name a,\n colour red);\nSELECT 1', 'audits/a.sql')).toThrow(
      'audits/a.sql:2 unknown property "colour"; use name | description | blocking',
    )
    expect(() => parseAudits('AUDIT (name a);\nSELECT 1;\nAUDIT (name b);\n', 'audits/a.sql')).toThrow(
      'audits/a.sql:3 the audit has no query; add a SELECT returning the bad rows',
    )
  })
})

describe('running SQLMesh audits', () => {
  it('runs inline audits, defaults, skip, header and use-site blocking, and standalone audits', async () => {
    const dir = join(root, 'run')
    writeProject(
      dir,
      {
        'items.sql': itemsModel,
        'seed.sql': 'MODEL (name sushi.seed, kind FULL);\nSELECT 1 AS id, 1.0 AS price',
        'other.sql': `MODEL (
  name sushi.other,
  audits (
    does_not_exceed_default,
    assert_skipped,
    warn_only,
    does_not_exceed_default(column := price, threshold := 100, blocking := false)
  )
);
SELECT id, price FROM sushi.items
`,
      },
      auditsFile,
    )
    const project = await loadProject(dir, { env: {} })
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    try {
      await connection.run(
        'CREATE TABLE items AS SELECT * FROM (VALUES (1, 10.0), (2000, NULL)) AS t(id, price)',
      )
      const items = await runModelAudits(connection, project, project.models.get('sushi.items')!, 'items')
      expect(items.map((o) => [o.audit, o.blocking, o.badRows])).toEqual([
        ['does_not_exceed_threshold', true, 1],
        ['price_is_not_null', true, 1],
      ])
      const other = await runModelAudits(connection, project, project.models.get('sushi.other')!, 'items')
      expect(other.map((o) => [o.audit, o.blocking, o.badRows])).toEqual([
        ['does_not_exceed_default', true, 1], // id >= 10 by default
        ['warn_only', false, 1],
        ['does_not_exceed_default', false, 0], // price >= 100, non-blocking at the use site
      ])
      const standalone = await runStandaloneAudits(connection, project, (name) =>
        name === 'sushi.items' ? 'items' : null,
      )
      expect(standalone.map((o) => [o.audit, o.blocking, o.badRows])).toEqual([
        ['assert_item_price_is_not_null', false, 1],
      ])
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })

  it('names an unknown macro in an audit argument as in a query', async () => {
    const dir = join(root, 'macro')
    writeProject(
      dir,
      {
        'items.sql':
          'MODEL (\n  name sushi.items,\n  audits (\n    does_not_exceed_default(column := @nope)\n  )\n);\nSELECT 1 AS id',
      },
      auditsFile,
    )
    await expect(loadProject(dir, { env: {} })).rejects.toThrow(
      'models/items.sql:4 unknown macro @nope; use ',
    )
  })
})
