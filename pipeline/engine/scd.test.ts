// Goal: SCD type 2 models keep history exactly as SQLMesh documents it (concepts/models/model_kinds,
// "Example of SCD Type 2 By Time in Action" and "By Column in Action"), and INCREMENTAL_BY_PARTITION
// replaces only the partitions a run produced. Method: the documentation's menu, its three source
// states and run times, in a real project and DuckDB file: plan prod, then `materia run prod` after
// each change of the source table (an external table, so the models' versions stay the same).
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { Writable } from 'node:stream'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { main } from '../cli.ts'
import { temporaryDirectory } from './testing/test-project.ts'

const files: Record<string, string> = {
  'materia.yaml': "name: menu\nmodel_defaults:\n  start: '2020-01-01'\n",
  'external_models.yaml':
    '- name: src.menu\n  columns:\n    id: int\n    name: text\n    price: double\n    updated_at: timestamp\n',
  'models/by_time.sql':
    'MODEL (name menu.by_time, kind SCD_TYPE_2_BY_TIME (unique_key id));\nSELECT id, name, price, updated_at FROM src.menu',
  'models/by_column.sql':
    'MODEL (name menu.by_column, kind SCD_TYPE_2_BY_COLUMN (unique_key id, columns [name, price]));\nSELECT id, name, price FROM src.menu',
  'models/by_partition.sql':
    "MODEL (name menu.by_partition, kind INCREMENTAL_BY_PARTITION, partitioned_by band);\nSELECT CASE WHEN price > 5 THEN 'high' ELSE 'low' END AS band, id, name FROM src.menu WHERE updated_at >= @start_ts",
}

async function materia(root: string, now: string, ...argv: string[]) {
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(chunk.toString())
        done()
      },
    })
  const code = await main([...argv, '--project', root], {
    cwd: root,
    env: { ...process.env, MATERIA_NOW: now, MATERIA_ENV: '' },
    stdout: sink(() => {}),
    stderr: sink((text) => {
      stderr += text
    }),
    isTTY: false,
  })
  expect(code, stderr).toBe(0)
}

async function sql(root: string, text: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(join(root, '.materia', 'local.duckdb'))
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(text)).getRowsJS()
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

const history = (table: string, from: string, to: string) =>
  `SELECT id, name, price, strftime(${from}, '%Y-%m-%d %H:%M'), strftime(${to}, '%Y-%m-%d %H:%M') FROM ${table} ORDER BY id, ${from}`

describe('SCD type 2 and partition models, as documented', () => {
  it('track the documented menu through three source states', async () => {
    const root = temporaryDirectory('scd')
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(root, path)), { recursive: true })
      writeFileSync(join(root, path), text)
    }
    mkdirSync(join(root, '.materia'))
    const source = (rows: string) =>
      sql(
        root,
        `CREATE OR REPLACE TABLE src.menu AS SELECT * FROM (VALUES ${rows}) AS t(id, name, price, updated_at)`,
      )
    await sql(root, 'CREATE SCHEMA src')
    await source(
      "(1, 'Chicken Sandwich', 10.99, TIMESTAMP '2020-01-01'), (2, 'Cheeseburger', 8.99, TIMESTAMP '2020-01-01'), (3, 'French Fries', 4.99, TIMESTAMP '2020-01-01')",
    )
    await materia(root, '2020-01-01T11:00:00Z', 'plan', 'prod', '--auto-apply')
    await source(
      "(1, 'Chicken Sandwich', 12.99, TIMESTAMP '2020-01-02'), (3, 'French Fries', 4.99, TIMESTAMP '2020-01-01'), (4, 'Milkshake', 3.99, TIMESTAMP '2020-01-02')",
    )
    await materia(root, '2020-01-02T11:00:00Z', 'run', 'prod')
    expect(await sql(root, history('menu.by_time', 'valid_from', 'valid_to'))).toEqual([
      [1, 'Chicken Sandwich', 10.99, '1970-01-01 00:00', '2020-01-02 00:00'],
      [1, 'Chicken Sandwich', 12.99, '2020-01-02 00:00', null],
      [2, 'Cheeseburger', 8.99, '1970-01-01 00:00', '2020-01-02 11:00'],
      [3, 'French Fries', 4.99, '1970-01-01 00:00', null],
      [4, 'Milkshake', 3.99, '2020-01-02 00:00', null],
    ])
    await source(
      "(1, 'Chicken Sandwich', 14.99, TIMESTAMP '2020-01-03'), (2, 'Cheeseburger', 8.99, TIMESTAMP '2020-01-03'), (3, 'French Fries', 4.99, TIMESTAMP '2020-01-01'), (4, 'Chocolate Milkshake', 3.99, TIMESTAMP '2020-01-03')",
    )
    await materia(root, '2020-01-03T11:00:00Z', 'run', 'prod')
    expect(await sql(root, history('menu.by_time', 'valid_from', 'valid_to'))).toEqual([
      [1, 'Chicken Sandwich', 10.99, '1970-01-01 00:00', '2020-01-02 00:00'],
      [1, 'Chicken Sandwich', 12.99, '2020-01-02 00:00', '2020-01-03 00:00'],
      [1, 'Chicken Sandwich', 14.99, '2020-01-03 00:00', null],
      [2, 'Cheeseburger', 8.99, '1970-01-01 00:00', '2020-01-02 11:00'],
      [2, 'Cheeseburger', 8.99, '2020-01-03 00:00', null],
      [3, 'French Fries', 4.99, '1970-01-01 00:00', null],
      [4, 'Milkshake', 3.99, '2020-01-02 00:00', '2020-01-03 00:00'],
      [4, 'Chocolate Milkshake', 3.99, '2020-01-03 00:00', null],
    ])
    expect(await sql(root, history('menu.by_column', 'valid_from', 'valid_to'))).toEqual([
      [1, 'Chicken Sandwich', 10.99, '1970-01-01 00:00', '2020-01-02 11:00'],
      [1, 'Chicken Sandwich', 12.99, '2020-01-02 11:00', '2020-01-03 11:00'],
      [1, 'Chicken Sandwich', 14.99, '2020-01-03 11:00', null],
      [2, 'Cheeseburger', 8.99, '1970-01-01 00:00', '2020-01-02 11:00'],
      [2, 'Cheeseburger', 8.99, '2020-01-03 11:00', null],
      [3, 'French Fries', 4.99, '1970-01-01 00:00', null],
      [4, 'Milkshake', 3.99, '2020-01-02 11:00', '2020-01-03 11:00'],
      [4, 'Chocolate Milkshake', 3.99, '2020-01-03 11:00', null],
    ])
    // Each run replaced the bands it produced (only rows updated since its start) and kept the rest:
    // the last run saw ids 1, 2 and 4 (high: 1, 2; low: 4) and replaced both bands with them.
    expect(await sql(root, 'SELECT band, id, name FROM menu.by_partition ORDER BY band, id')).toEqual([
      ['high', 1, 'Chicken Sandwich'],
      ['high', 2, 'Cheeseburger'],
      ['low', 4, 'Chocolate Milkshake'],
    ])
  })
})
