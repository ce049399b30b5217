// Goal: the grid's row requests return exactly the slice the result's order defines, for the
// result as run and for its sorted and filtered views, at the start, in the middle, across the end
// and past it; the header's distinct counts are exact up to querySummaryExactRowsMax rows and
// marked approximate past it. Method: a QueryRunner over an in-memory DuckDB instance; each slice
// is compared with the same rows DuckDB returns for ORDER BY … LIMIT … OFFSET on the source query.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { querySummaryExactRowsMax } from '../pipeline/limits.ts'
import { QueryRunner, type ResultView } from './query-runner.ts'

let instance: DuckDBInstance
let runner: QueryRunner
let exportRoot: string
let runs = 0

async function run(sql: string) {
  runs += 1
  return runner.run({ sql, environment: 'test', runId: `run-${runs}`, rewrite: async (text) => text })
}

async function expected(sql: string): Promise<unknown[][]> {
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowsJson() as unknown[][]
  } finally {
    connection.disconnectSync()
  }
}

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:', { threads: '2' })
  exportRoot = mkdtempSync(join(tmpdir(), 'materia-query-runner-'))
  runner = await QueryRunner.create(instance, { scratch: 'scratch_test', exportRoot })
})

afterAll(() => {
  instance?.closeSync()
  rmSync(exportRoot, { recursive: true, force: true })
})

// 300,000 rows: more than two of DuckDB's row groups (122,880 rows each), made in parallel.
const source =
  "SELECT range AS n, (range * 7919) % 1000 AS k, CASE WHEN range % 11 = 0 THEN NULL ELSE 'v' || (range % 13)::VARCHAR END AS s FROM range(300000)"

describe('result rows', () => {
  it('slices the result, its sorted view and its filtered view in their order', async () => {
    const result = await run(source)
    expect(result.rowCount).toBe(300_000)
    const views: readonly [ResultView, string][] = [
      [{ sortColumn: null, descending: false, filters: [] }, 'ORDER BY n'],
      [{ sortColumn: 'k', descending: true, filters: [] }, 'ORDER BY k DESC NULLS LAST, n'],
      [
        { sortColumn: 'n', descending: false, filters: [{ column: 's', operator: 'is null', value: '' }] },
        'WHERE s IS NULL ORDER BY n',
      ],
    ]
    for (const [view, order] of views) {
      const all = await runner.rows(result.id, view, 0, 1)
      for (const offset of [0, 122_879, 150_001, all.rowCount - 120, all.rowCount + 5]) {
        const slice = await runner.rows(result.id, view, offset, 200)
        const rows = await expected(`SELECT * FROM (${source}) ${order} LIMIT 200 OFFSET ${offset}`)
        // Sorting by k alone leaves ties in any order: compare the sort key, and the set of rows.
        if (view.sortColumn === 'k') {
          expect(slice.rows.map((row) => row[1])).toEqual(rows.map((row) => row[1]))
        } else expect(slice.rows).toEqual(rows)
        expect(slice.rows.length).toBe(Math.max(0, Math.min(200, all.rowCount - offset)))
      }
    }
    const page = await runner.page(result.id, views[0]![0], 1_000, 100)
    expect(page.rows[0]?.[0]).toBe('100000')
    expect(page.rows).toHaveLength(100)
  })

  it('pages two views of one result asked for at once, each with its own rows and count', async () => {
    const result = await run(source)
    const byS: ResultView = {
      sortColumn: 'n',
      descending: false,
      filters: [{ column: 's', operator: 'is null', value: '' }],
    }
    const byK: ResultView = {
      sortColumn: 'n',
      descending: true,
      filters: [{ column: 'k', operator: '<', value: '3' }],
    }
    // An analyst changing a filter while the grid still pages the previous one: both views' builds
    // and slices overlap, several times over.
    for (let round = 0; round < 4; round += 1) {
      const [first, second] = await Promise.all([
        runner.rows(result.id, round % 2 === 0 ? byS : byK, 0, 50),
        runner.rows(result.id, round % 2 === 0 ? byK : byS, 0, 50),
      ])
      const [nullS, smallK] = round % 2 === 0 ? [first, second] : [second, first]
      expect(nullS.rowCount).toBe(27_273) // n % 11 = 0 in 0 … 299,999
      expect(nullS.rows.map((row) => row[0])).toEqual(
        Array.from({ length: 50 }, (_, index) => String(index * 11)),
      )
      expect(smallK.rowCount).toBe(900) // (n * 7919) % 1000 < 3: 3 of every 1,000
      expect(smallK.rows.every((row) => Number(row[1]) < 3)).toBe(true)
      expect(Number(smallK.rows[0]?.[0])).toBeGreaterThan(Number(smallK.rows[1]?.[0]))
    }
  })

  it('counts distinct values exactly up to querySummaryExactRowsMax rows and estimates past it', async () => {
    const exact = await run(`SELECT range AS n FROM range(${querySummaryExactRowsMax})`)
    const [exactSummary] = await runner.summary(exact.id)
    expect(exactSummary).toMatchObject({ name: 'n', distinct: querySummaryExactRowsMax, approximate: false })
    const estimated = await run(`SELECT range AS n FROM range(${querySummaryExactRowsMax + 1})`)
    const [estimatedSummary] = await runner.summary(estimated.id)
    expect(estimatedSummary?.approximate).toBe(true)
    // HyperLogLog's estimate lies within a few per cent of the truth.
    expect(Math.abs((estimatedSummary?.distinct ?? 0) / (querySummaryExactRowsMax + 1) - 1)).toBeLessThan(0.1)
  })
})

describe('a failed run', () => {
  it("keeps DuckDB's caret lines, with its suggestion in the model's name, not the environment's schema", async () => {
    const setup = await instance.connect()
    try {
      await setup.run('CREATE SCHEMA IF NOT EXISTS serving; CREATE SCHEMA IF NOT EXISTS serving__dev_x')
      await setup.run('CREATE OR REPLACE TABLE serving.dim_country AS SELECT 1 AS id')
      await setup.run('CREATE OR REPLACE VIEW serving__dev_x.dim_country AS SELECT 1 AS id')
    } finally {
      setup.disconnectSync()
    }
    runs += 1
    const failed = runner.run({
      sql: 'SELECT * FROM dim_country',
      environment: 'dev_x',
      runId: `run-${runs}`,
      rewrite: async (text) => text,
    })
    const message = await failed.then(
      () => 'no error',
      (error: Error) => error.message,
    )
    const lines = message.split('\n')
    expect(lines[0]).toBe('Catalog Error: Table with name dim_country does not exist!')
    expect(lines[1]).toBe('Did you mean "serving.dim_country"?')
    // The echo is the query as run, without the result table's CREATE TABLE … AS; the caret stands
    // under the unknown name.
    const echo = lines.findIndex((line) => line.startsWith('LINE 1: '))
    expect(lines[echo]).toBe('LINE 1: SELECT * FROM dim_country')
    expect(lines[echo + 1]).toBe(`${' '.repeat('LINE 1: SELECT * FROM '.length)}^`)
  })
})
