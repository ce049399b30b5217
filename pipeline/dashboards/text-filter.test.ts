// biome-ignore-all lint/suspicious/noTemplateCurlyInString: fixtures use Evidence's ${inputs.x.value} syntax
// Goal: a TextInput's WHERE conditions leave the SQL exactly (the rest byte for byte, non-ASCII text
// included) and are matched in the browser with SQL's meaning. Method: DuckDB itself decides what
// LIKE, ILIKE, = and <> return for each pattern and value; matchesFilter must agree with it.
import { DuckDBInstance, listValue } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { matchesFilter, relaxTextFilters, type TextFilterOperator } from './text-filter.ts'

describe('relaxTextFilters', () => {
  it('replaces each top-level condition that reads a TextInput with TRUE and keeps the rest as written', async () => {
    const sql =
      "SELECT country_name, 'Café' AS label FROM t WHERE market_year = 2022 AND t.country_name ILIKE '%${inputs.q.value}%' AND note <> 'it''s ${inputs.q.value}'"
    const relaxed = await relaxTextFilters(sql, new Set(['q']))
    expect(relaxed).toEqual({
      sql: "SELECT country_name, 'Café' AS label FROM t WHERE market_year = 2022 AND TRUE AND TRUE",
      filters: [
        { column: 'country_name', operator: 'ilike', template: '%${inputs.q.value}%' },
        { column: 'note', operator: '<>', template: "it's ${inputs.q.value}" },
      ],
    })
  })

  it('refuses what it cannot move to the browser, saying why', async () => {
    const cases: Array<[string, RegExp]> = [
      ["SELECT a FROM t WHERE a ILIKE '${inputs.q.value}' OR b = 1", /top-level WHERE condition/],
      ["SELECT a FROM t WHERE upper(a) LIKE '${inputs.q.value}'", /top-level WHERE condition/],
      ["SELECT a FROM t WHERE a LIKE '${inputs.q.value}' LIMIT 5", /but it has LIMIT/],
      ["SELECT DISTINCT a FROM t WHERE a LIKE '${inputs.q.value}'", /but it has DISTINCT/],
      ["SELECT a FROM t WHERE a LIKE '${inputs.q.value}' UNION SELECT 'x'", /combines queries/],
      ["SELECT a, row_number() OVER () AS n FROM t WHERE a LIKE '${inputs.q.value}'", /uses a window/],
      ["SELECT a FROM t WHERE a LIKE '%${inputs.q.value}", /DuckDB cannot parse the query/],
    ]
    for (const [sql, message] of cases) {
      const relaxed = await relaxTextFilters(sql, new Set(['q']))
      expect(typeof relaxed === 'string' ? relaxed : 'relaxed', sql).toMatch(message)
    }
  })
})

describe('matchesFilter', () => {
  it('agrees with DuckDB on LIKE, ILIKE, NOT LIKE, NOT ILIKE, = and <>', async () => {
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    const values = ['Brazil', 'brazil', 'Côte d’Ivoire', '50%', 'a_b', 'a.b', 'line\nbreak', '']
    const typed = ['bra', 'BRA', '%', '_', 'a_b', 'a.b', 'ô', '', 'e\nb', "d'I"]
    const templates = ['%${inputs.q.value}%', '${inputs.q.value}%', '${inputs.q.value}']
    const operators: Array<[TextFilterOperator, string]> = [
      ['like', 'LIKE'],
      ['ilike', 'ILIKE'],
      ['not like', 'NOT LIKE'],
      ['not ilike', 'NOT ILIKE'],
      ['=', '='],
      ['<>', '<>'],
    ]
    let checked = 0
    for (const [operator, sql] of operators) {
      for (const template of templates) {
        for (const text of typed) {
          const pattern = template.replace('${inputs.q.value}', text)
          const reader = await connection.runAndReadAll(
            `SELECT list_transform($1::VARCHAR[], v -> v ${sql} $2::VARCHAR)`,
            [listValue(values), pattern],
          )
          const expected = (reader.getRows()[0]![0] as { items: boolean[] }).items
          const actual = values.map((value) =>
            matchesFilter(value, { column: 'c', operator, template }, new Map([['q', text]])),
          )
          expect(actual, `${sql} '${pattern}'`).toEqual(expected)
          checked++
        }
      }
    }
    expect(matchesFilter(null, { column: 'c', operator: 'not like', template: 'x' }, new Map())).toBe(false)
    expect(checked).toBe(180)
    connection.closeSync()
    instance.closeSync()
  })
})
