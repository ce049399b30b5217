// Goal: the editor's CTE preview finds the CTE under the cursor and builds a query returning just
// it, for the WITH forms DuckDB documents (column lists, MATERIALIZED, RECURSIVE, quoted names),
// and finds none rather than a wrong one when the text and DuckDB's parse tree disagree.
// Method: real DuckDB parses (json_serialize_sql); the built queries run on an in-memory DuckDB.
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { cteAt, cteQuery, cteSpans } from './cte-preview.ts'

async function rows(sql: string): Promise<unknown[][]> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    return (await connection.runAndReadAll(sql)).getRowsJson()
  } finally {
    connection.disconnectSync()
  }
}

const query = `-- two steps
WITH base AS (
  SELECT 1 AS x, ')' AS paren -- a ) in a comment
), "Doubled"(y) AS MATERIALIZED (
  SELECT x * 2 FROM base
)
SELECT y FROM "Doubled"`

describe('CTE preview', () => {
  it('finds each CTE with its text span, quoted names as written', async () => {
    const spans = await cteSpans(query)
    expect(spans.map((span) => span.name)).toEqual(['base', 'Doubled'])
    expect(query.slice(spans[0]?.start, spans[0]?.end)).toMatch(/^base AS \([\s\S]*\)$/)
    expect(query.slice(spans[1]?.start, spans[1]?.end)).toMatch(/^"Doubled"\(y\) AS MATERIALIZED \(/)
  })

  it('names the CTE under the cursor, and none in the final SELECT', async () => {
    expect(await cteAt(query, query.indexOf('SELECT 1'))).toBe('base')
    expect(await cteAt(query, query.indexOf('x * 2'))).toBe('Doubled')
    expect(await cteAt(query, query.lastIndexOf('SELECT y'))).toBeNull()
  })

  it('builds a query that returns the CTE alone', async () => {
    expect(await rows(await cteQuery(query, 'base'))).toEqual([[1, ')']])
    expect(await rows(await cteQuery(query, 'Doubled'))).toEqual([[2]])
  })

  it('handles RECURSIVE and refuses a name the query does not define', async () => {
    const recursive =
      'WITH RECURSIVE t(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM t WHERE n < 3) SELECT * FROM t'
    expect(await rows(await cteQuery(recursive, 't'))).toEqual([[1], [2], [3]])
    await expect(cteQuery(query, 'missing')).rejects.toThrow(/no CTE named missing/)
  })

  it('finds none in a query without WITH or one that does not parse', async () => {
    expect(await cteSpans('SELECT 1')).toEqual([])
    expect(await cteSpans('WITH a AS (SELECT FROM')).toEqual([])
  })
})
