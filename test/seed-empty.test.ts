// Goal: a seed file without rows is an error unless its model says it may be empty
// (kind SEED (..., allow_empty true), Materia's opt-in: SQLMesh's seed_models page documents only
// path, batch_size and csv_settings). Allowed, the table is built empty with the declared columns (or
// the header's) and its readers build; refused, validate names the file and the opt-in. Method: temp
// projects, the real `main` (validate, plan --auto-apply, query) and the built DuckDB file read back.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { materiaWith } from '../pipeline/cli/testing/cli-run.ts'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'

function project(files: Record<string, string>): string {
  const root = temporaryDirectory('seed-empty')
  const all = { 'materia.yaml': "name: seeds\nmodel_defaults:\n  start: '2024-01-01'\n", ...files }
  for (const [path, text] of Object.entries(all)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  mkdirSync(join(root, '.materia'))
  return root
}

function materia(root: string, ...argv: string[]) {
  return materiaWith({ MATERIA_NOW: '2024-01-03T00:00:00Z' }, root, ...argv)
}

describe('empty seed files', () => {
  it('build an empty typed table when the model allows it, and its readers build', async () => {
    const root = project({
      'seeds/holidays.csv': 'day,name\n',
      'seeds/blank.csv': '',
      'models/holidays.sql':
        "MODEL (\n  name shop.holidays,\n  kind SEED (path '../seeds/holidays.csv', allow_empty true),\n  columns (day DATE, name TEXT)\n);",
      'models/header_only.sql':
        "MODEL (name shop.header_only, kind SEED (path '../seeds/holidays.csv', allow_empty true));",
      'models/blank.sql':
        "MODEL (\n  name shop.blank,\n  kind SEED (path '../seeds/blank.csv', allow_empty true),\n  columns (id INT)\n);",
      'models/holiday_count.sql':
        'MODEL (name shop.holiday_count, kind FULL);\nSELECT COUNT(*)::INT AS n FROM shop.holidays JOIN shop.blank ON TRUE',
    })
    const validate = await materia(root, 'validate')
    expect(validate.code, validate.stderr).toBe(0)
    const plan = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(plan.code, plan.stderr).toBe(0)
    const query = await materia(root, 'query', 'SELECT n FROM shop.holiday_count', '--json')
    expect(query.code, query.stderr).toBe(0)
    expect(JSON.parse(query.stdout)).toEqual([{ n: 0 }])
    const instance = await DuckDBInstance.create(join(root, '.materia', 'local.duckdb'))
    const connection = await instance.connect()
    try {
      const shape = async (table: string) => {
        const reader = await connection.runAndReadAll(`SELECT * FROM ${table}`)
        return {
          columns: reader.columnNames(),
          types: reader.columnTypes().map(String),
          rows: reader.currentRowCount,
        }
      }
      expect(await shape('shop.holidays')).toEqual({
        columns: ['day', 'name'],
        types: ['DATE', 'VARCHAR'],
        rows: 0,
      })
      expect(await shape('shop.header_only')).toEqual({
        columns: ['day', 'name'],
        types: ['VARCHAR', 'VARCHAR'],
        rows: 0,
      })
      expect(await shape('shop.blank')).toEqual({ columns: ['id'], types: ['INTEGER'], rows: 0 })
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
  })

  it('are an error without allow_empty, and a blank file needs declared columns even with it', async () => {
    const root = project({
      'seeds/holidays.csv': 'day,name\n',
      'seeds/blank.csv': '\n',
      'models/holidays.sql': "MODEL (name shop.holidays, kind SEED (path '../seeds/holidays.csv'));",
      'models/blank.sql': "MODEL (name shop.blank, kind SEED (path '../seeds/blank.csv', allow_empty true));",
      'models/flag.sql':
        "MODEL (name shop.flag, kind SEED (path '../seeds/holidays.csv', allow_empty 'maybe'));",
    })
    const validate = await materia(root, 'validate')
    expect(validate.code).toBe(1)
    const lines = validate.stderr.trimEnd().split('\n')
    expect(lines).toContain(
      'models/holidays.sql:1 seed file seeds/holidays.csv has a header line but no rows; add its rows (a header line, then one line per row), or write allow_empty true in kind SEED (...) if it may be empty',
    )
    expect(lines).toContain(
      'models/blank.sql:1 seed file seeds/blank.csv is empty and the model declares no columns; add a header line or columns (name TYPE, ...) so the empty table has a shape',
    )
    expect(lines.find((line) => line.startsWith('models/flag.sql:1'))).toMatch(
      /allow_empty must be true or false/,
    )
    const plan = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(plan.code).toBe(1)
  })
})
