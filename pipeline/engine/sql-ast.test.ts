// Goal: dependencies are inferred exactly as DuckDB parses the query (CTE scoping, subqueries,
// joins, set operations, table functions), and rewritten queries run and read the rewritten tables.
// Method: real DuckDB parser for inference; a real in-memory DuckDB executing the rewritten SQL.
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import {
  canonicalQuery,
  normalizeQuery,
  rewriteTableReferences,
  syntaxError,
  tableReferences,
} from './sql-ast.ts'

describe('tableReferences', () => {
  const cases: [string, string, string[]][] = [
    [
      'joins, lower case',
      'SELECT * FROM Raw.A JOIN staging.b USING (k) LEFT JOIN c ON true',
      ['raw.a', 'staging.b', 'c'],
    ],
    ['quoted names', 'SELECT * FROM "Raw"."My Table" AS t', ['raw.my table']],
    [
      'nested subqueries',
      'SELECT * FROM (SELECT * FROM (SELECT x FROM raw.a) q) p WHERE x IN (SELECT x FROM raw.b WHERE EXISTS (SELECT 1 FROM raw.c))',
      ['raw.a', 'raw.b', 'raw.c'],
    ],
    ['scalar subquery in the select list', 'SELECT (SELECT max(v) FROM raw.a) AS m', ['raw.a']],
    [
      'set operations',
      'SELECT 1 FROM raw.a UNION ALL SELECT 1 FROM raw.b EXCEPT SELECT 1 FROM raw.c INTERSECT SELECT 1 FROM raw.d',
      ['raw.a', 'raw.b', 'raw.c', 'raw.d'],
    ],
    [
      'CTE names excluded',
      'WITH a AS (SELECT * FROM raw.x), b AS (SELECT * FROM a) SELECT * FROM b JOIN raw.y USING (k)',
      ['raw.x', 'raw.y'],
    ],
    [
      'a CTE shadows a model only inside its WITH',
      'SELECT * FROM (WITH stg AS (SELECT 1 AS k) SELECT * FROM stg) q JOIN stg USING (k)',
      ['stg'],
    ],
    ['a qualified name is never a CTE', 'WITH a AS (SELECT 1) SELECT * FROM a, raw.a', ['raw.a']],
    [
      'a CTE sees only the CTEs before it',
      'WITH b AS (SELECT * FROM a), a AS (SELECT 1) SELECT * FROM b',
      ['a'],
    ],
    [
      'a recursive CTE sees itself',
      'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r WHERE n < 3) SELECT * FROM r',
      [],
    ],
    [
      'table functions are external',
      "SELECT * FROM read_csv('/landing/psd/*/*/*/*.csv.gz', header := true, columns := {'a': 'VARCHAR'})",
      [],
    ],
    ['a file scan is not a table', "SELECT * FROM 'data/x.csv'", []],
    [
      'PIVOT, QUALIFY and window functions',
      "SELECT * FROM raw.p PIVOT (sum(v) FOR k IN ('a', 'b')) QUALIFY row_number() OVER (PARTITION BY a ORDER BY b) = 1",
      ['raw.p'],
    ],
    [
      'FROM-first syntax and repeated references',
      'FROM raw.a SELECT a.x, (SELECT count(*) FROM raw.a)',
      ['raw.a'],
    ],
  ]
  for (const [what, sql, expected] of cases) {
    it(what, async () => expect(await tableReferences(sql)).toEqual(expected))
  }

  it('rejects invalid SQL with DuckDB message', async () => {
    await expect(tableReferences('SELECT FROM WHERE')).rejects.toThrow(
      'SQL syntax error at character 12: syntax error at or near "WHERE"',
    )
  })
})

describe('batching', () => {
  it('answers each of many calls in one tick with its own result', async () => {
    const queries = Array.from({ length: 1200 }, (_, index) =>
      index % 7 === 0 ? `SELEC ${index}` : `SELECT * FROM s.t_${index}`,
    )
    const results = await Promise.all(
      queries.map(async (query): Promise<unknown> => (await syntaxError(query)) ?? tableReferences(query)),
    )
    for (const [index, result] of results.entries()) {
      if (index % 7 === 0) expect(result).toEqual({ message: 'syntax error at or near "SELEC"', position: 0 })
      else expect(result).toEqual([`s.t_${index}`])
    }
  })
})

describe('syntaxError', () => {
  it('gives DuckDB message and character offset', async () => {
    expect(await syntaxError('SELECT 1')).toBeNull()
    expect(await syntaxError("SELECT 'ééé' AS x y FROM t")).toEqual({
      message: 'syntax error at or near "y"',
      position: 18,
    })
    expect(await syntaxError('SELECT 1 FROM t WHERE')).toEqual({
      message: 'syntax error at end of input',
      position: 21,
    })
  })
})

describe('rewriteTableReferences', () => {
  const physical = (reference: string) => {
    const [schema, table] = reference.split('.')
    return table === undefined ? null : `"materia__${schema}"."${schema}__${table}__v1"`
  }

  it('replaces only references, keeping comments, casts, named arguments and non-ASCII text', async () => {
    const sql = `-- café
WITH a AS (SELECT k, v::DECIMAL(10, 2) AS v FROM raw . "items" WHERE k <> 'FROM raw.items')
SELECT 'é' AS e, a.k, sum(a.v) OVER (PARTITION BY a.k) AS total
FROM a JOIN staging.keys USING (k) /* staging.keys */
QUALIFY row_number() OVER (PARTITION BY a.k ORDER BY a.v DESC) = 1`
    const expected = sql
      .replace('raw . "items"', '"materia__raw"."raw__items__v1"')
      .replace('JOIN staging.keys', 'JOIN "materia__staging"."staging__keys__v1"')
    expect(await rewriteTableReferences(sql, physical)).toBe(expected)
  })

  it('takes a Map as well, and refuses what is not one SELECT', async () => {
    const map = new Map([['raw.a', '"raw__dev"."a"']])
    expect(await rewriteTableReferences('SELECT * FROM raw.a JOIN raw.b USING (k);', map)).toBe(
      'SELECT * FROM "raw__dev"."a" JOIN raw.b USING (k);',
    )
    await expect(rewriteTableReferences('DELETE FROM raw.a', map)).rejects.toThrow(
      'the query must be one SELECT statement, not a DELETE statement',
    )
    await expect(rewriteTableReferences('SELECT 1; SELECT 2', map)).rejects.toThrow(
      'the query must be one SELECT statement, not 2 statements',
    )
  })

  it('produces SQL that DuckDB runs against the rewritten tables', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    await connection.run(`CREATE SCHEMA materia__raw; CREATE SCHEMA materia__staging;
      CREATE TABLE materia__raw.raw__items__v1 AS SELECT * FROM (VALUES ('BR', 69900.0::DOUBLE), ('BR', 58100.0::DOUBLE), ('CO', 13400.0::DOUBLE)) t(k, v);
      CREATE TABLE materia__staging.staging__keys__v1 AS SELECT * FROM (VALUES ('BR', 'Brazil'), ('CO', 'Colombia')) t(k, name);`)
    const sql = `WITH totals AS (SELECT k, sum(v) AS v FROM raw.items GROUP BY k)
SELECT keys.name, totals.v FROM totals JOIN staging.keys AS keys USING (k)
UNION ALL SELECT 'all', (SELECT sum(v) FROM raw.items)
ORDER BY 1`
    const rewritten = await rewriteTableReferences(sql, physical)
    const rows = (await connection.runAndReadAll(rewritten)).getRows()
    expect(rows).toEqual([
      ['Brazil', 128000],
      ['Colombia', 13400],
      ['all', 141400],
    ])
    connection.closeSync()
    instance.closeSync()
  })
})

describe('normalizeQuery', () => {
  it('ignores formatting and comments but not meaning', async () => {
    const a = await normalizeQuery('SELECT a, b -- note\nFROM raw.x WHERE a > 1')
    const b = await normalizeQuery('select  a ,\n  b /* other note */ from raw.x where a>1')
    const c = await normalizeQuery('SELECT a, b FROM raw.x WHERE a > 2')
    expect(a).toBe(b)
    expect(a).not.toBe(c)
  })

  it('canonicalQuery: the parse tree without positions', async () => {
    const a = await canonicalQuery('SELECT a, b -- note\nFROM raw.x WHERE a > 1')
    const b = await canonicalQuery('select  a ,\n  b /* other note */ from raw.x where a>1')
    const c = await canonicalQuery('SELECT a, b FROM raw.x WHERE a > 2')
    expect(a).toBe(b)
    expect(a).not.toBe(c)
    expect(a).not.toContain('query_location')
    await expect(canonicalQuery('SELECT FROM WHERE')).rejects.toThrow('SQL syntax error at character 12')
  })
})
