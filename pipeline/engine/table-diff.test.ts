// Goal: table diff counts rows only in source, only in target and changed on the key, per-column
// match percentages, schema changes and a sample. Method: real DuckDB in memory, the genuine PSD
// sample as source, and a target derived from it by deleting, editing and adding known rows.
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import { tableDiff } from './table-diff.ts'
import { createPsdSampleTable } from './testing/psd-sample.ts'

async function connect() {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await createPsdSampleTable(connection, 'source_psd')
  await connection.run('CREATE TABLE target_psd AS SELECT * FROM source_psd')
  return connection
}

const on = ['country_code', 'market_year', 'attribute_id']

describe('tableDiff', () => {
  it('reports identical tables as fully matching', async () => {
    const connection = await connect()
    const diff = await tableDiff(connection, { source: 'source_psd', target: 'target_psd', on })
    expect(diff.sourceRows).toBe(171)
    expect(diff.targetRows).toBe(171)
    expect(diff.matched).toBe(171)
    expect([diff.onlyInSource, diff.onlyInTarget, diff.changed]).toEqual([0, 0, 0])
    expect(diff.columns.every((c) => c.matchPct === 100)).toBe(true)
    expect(diff.sample).toEqual([])
    expect(diff.schema).toEqual({ added: [], removed: [], changed: [] })
  })

  it('counts removed, added and changed rows and per-column match', async () => {
    const connection = await connect()
    // Vietnam 2022 (19 rows) only in source; Brazil 2020 production revised in target (1 row);
    // one Brazil 2021 row moved to a new market year: one only-in-source and one only-in-target.
    await connection.run(`DELETE FROM target_psd WHERE country_code = 'VM' AND market_year = 2022`)
    await connection.run(
      `UPDATE target_psd SET value = value + 100 WHERE country_code = 'BR' AND market_year = 2020 AND attribute_id = '028'`,
    )
    await connection.run(
      `UPDATE target_psd SET market_year = 2023 WHERE country_code = 'BR' AND market_year = 2021 AND attribute_id = '028'`,
    )
    const diff = await tableDiff(connection, { source: 'source_psd', target: 'target_psd', on })
    expect(diff.onlyInSource).toBe(20)
    expect(diff.onlyInTarget).toBe(1)
    expect(diff.matched).toBe(151)
    expect(diff.changed).toBe(1)
    const value = diff.columns.find((c) => c.column === 'value')
    expect(value?.matchPct).toBeCloseTo((100 * 150) / 151, 6)
    expect(diff.columns.find((c) => c.column === 'country_name')?.matchPct).toBe(100)
    const changed = diff.sample.filter((d) => d.kind === 'changed')
    expect(changed).toHaveLength(1)
    expect(changed[0]).toMatchObject({ key: { country_code: 'BR', market_year: 2020, attribute_id: '028' } })
    const [change] = changed[0]!.kind === 'changed' ? changed[0]!.columns : []
    expect(change?.column).toBe('value')
    expect(Number(change?.target) - Number(change?.source)).toBe(100)
    expect(diff.sample.some((d) => d.kind === 'only_in_target' && d.row.market_year === 2023)).toBe(true)
  })

  it('reports added, removed and retyped columns and compares retyped ones as text', async () => {
    const connection = await connect()
    await connection.run(
      `CREATE TABLE retyped AS SELECT * EXCLUDE (unit_description, market_year), market_year::VARCHAR AS market_year, value::DECIMAL(18,4) AS value2, length(country_name) AS name_length FROM source_psd`,
    )
    await connection.run('ALTER TABLE retyped DROP COLUMN value')
    await connection.run('ALTER TABLE retyped RENAME COLUMN value2 TO value')
    const diff = await tableDiff(connection, {
      source: 'source_psd',
      target: 'retyped',
      on: ['country_code', 'attribute_id', 'commodity_code', 'attribute_name'],
    })
    expect(diff.schema.added).toEqual([{ column: 'name_length', type: 'BIGINT' }])
    expect(diff.schema.removed).toEqual([{ column: 'unit_description', type: 'VARCHAR' }])
    expect(diff.schema.changed).toEqual([
      { column: 'market_year', sourceType: 'INTEGER', targetType: 'VARCHAR' },
      { column: 'value', sourceType: 'DOUBLE', targetType: 'DECIMAL(18,4)' },
    ])
    expect(diff.columns.map((c) => c.column)).not.toContain('unit_description')
  })

  it('rejects a key column missing from one side and an empty key', async () => {
    const connection = await connect()
    await connection.run('CREATE TABLE narrow AS SELECT country_code, value FROM source_psd')
    await expect(tableDiff(connection, { source: 'source_psd', target: 'narrow', on })).rejects.toThrow(
      /key column "market_year" is not in narrow/,
    )
    await expect(
      tableDiff(connection, { source: 'source_psd', target: 'narrow', on: [] }),
    ).rejects.toBeInstanceOf(MateriaError)
    await expect(
      tableDiff(connection, { source: 'source_psd', target: 'missing_table', on }),
    ).rejects.toThrow(/cannot read missing_table/)
  })
})
