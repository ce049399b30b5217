// Goal: a model using SQLMesh's documented macros still parses in the editor once its macros are
// masked, and every masked text keeps its length (error offsets point into the file). Method: the
// sqlmesh_macros page's examples masked and given to DuckDB's parser.
import { describe, expect, it } from 'vitest'
import { maskMacros } from './macro-mask.ts'
import { syntaxError } from './sql-ast.ts'

const examples = [
  "SELECT *\nFROM all_cities\n@WHERE(True) city_name = 'Toronto'",
  '@WITH(True) all_cities as (select * from city)\nselect *\nFROM all_cities',
  'select *\nFROM all_cities\nLEFT OUTER @JOIN(True) country\n  ON city.country = country.name',
  'SELECT *\nFROM all_cities\n@GROUP_BY(True) city_id\n@HAVING(@a < @b) count(*) > 1\n@ORDER_BY(1 < 2) city_id\n@LIMIT(True) 10',
  "WITH discount_promotion_dates AS (\n  @date_spine('day', '2024-01-01', '2024-01-16')\n)\nSELECT * FROM discount_promotion_dates",
  "with raw_data as (\n@deduplicate(my_table, [id, cast(event_date as date)], ['event_date DESC', 'status ASC'])\n)\nselect * from raw_data",
  'WITH u AS (@UNION(a, b)) SELECT * FROM u',
  "SELECT date_day, @PIVOT(status, ['cancelled', 'completed']) FROM rides WHERE day BETWEEN @start_ds AND @end_ds",
]

describe('maskMacros', () => {
  it('keeps the documented macro forms parseable and every offset in place', async () => {
    for (const example of examples) {
      const masked = maskMacros(example)
      expect(masked).toHaveLength(example.length)
      expect({ example, error: await syntaxError(masked) }).toEqual({ example, error: null })
    }
    expect(maskMacros('FROM t @WHERE(TRUE) a = 1')).toBe('FROM t WHERE        a = 1')
  })
})
