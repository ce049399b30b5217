// Goal: SQLMesh's macro operators render as its documentation shows. Every expected text below is
// taken from docs/concepts/macros/sqlmesh_macros.md and macro_variables.md (examples and their
// "renders to" blocks); where SQLMesh rewrites a parse tree and we splice text, the difference is
// parentheses only, noted at the test. Bad macros fail with file:line. Method: pure rendering of
// parsed model files against a small in-memory project.
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { evaluateConstant } from './macro-expression.ts'
import type { Model } from './model.ts'
import { parseModelFile } from './model-parser.ts'
import type { Project } from './project.ts'
import { placeholderContext, type RenderContext, renderMacros } from './render.ts'

const daily: RenderContext = {
  start: new Date('2024-01-01T00:00:00Z'),
  end: new Date('2024-01-02T00:00:00Z'),
  executionTime: new Date('2024-01-02T03:04:05.678Z'),
}

function declared(name: string, columns: string): Model {
  return parseModelFile(
    `MODEL (name ${name}, kind FULL, columns (${columns}));\nSELECT 1`,
    `models/${name}.sql`,
  )
}

const foo = declared('raw.foo', 'a TEXT, b TEXT, c TEXT, d INT')
const unionFoo = declared('raw.ufoo', 'a INT, b TEXT, c TEXT')
const unionBar = declared('raw.ubar', 'a INT, b INT, c TEXT')

const project: Project = {
  root: '/p',
  config: {
    name: 'test',
    defaultGateway: 'local',
    gateways: {},
    modelDefaults: { start: '2020-01-01', cron: '@daily' },
    variables: { int_var: 1, str_var: 'cat' },
    lint: {},
    landingDir: '/landing',
    defaultEnvironment: null,
  },
  models: new Map([foo, unionFoo, unionBar].map((model) => [model.name, model])),
  parents: new Map(),
  children: new Map(),
  order: [],
  audits: new Map(),
}

function render(query: string, context: RenderContext = daily): string {
  const model = parseModelFile(`MODEL (name staging.x);\n${query}`, 'models/staging/x.sql')
  return renderMacros(project, model, context).trim()
}

describe('@EACH, @IF, @EVAL, @FILTER, @REDUCE', () => {
  it('@EACH prints each item, comma separated, quoted as written, and @x / @{x} as names', () => {
    expect(render('SELECT\n  @EACH([4, 5, 6], number -> number)\nFROM table')).toBe(
      'SELECT\n  4, 5, 6\nFROM table',
    )
    expect(
      render('SELECT @EACH([4,5,6], x -> CASE WHEN favorite_number = x THEN 1 ELSE 0 END as column) FROM t'),
    ).toBe(
      'SELECT CASE WHEN favorite_number = 4 THEN 1 ELSE 0 END as column, CASE WHEN favorite_number = 5 THEN 1 ELSE 0 END as column, CASE WHEN favorite_number = 6 THEN 1 ELSE 0 END as column FROM t',
    )
    expect(
      render(
        "SELECT @EACH(['4','5','6'], x -> CASE WHEN favorite_number = x THEN 1 ELSE 0 END as column_@x) FROM t",
      ),
    ).toBe(
      "SELECT CASE WHEN favorite_number = '4' THEN 1 ELSE 0 END as column_4, CASE WHEN favorite_number = '5' THEN 1 ELSE 0 END as column_5, CASE WHEN favorite_number = '6' THEN 1 ELSE 0 END as column_6 FROM t",
    )
    expect(render("SELECT @EACH(['a', 'b'], x -> 1 AS my_@{x}_column) FROM t")).toBe(
      'SELECT 1 AS my_a_column, 1 AS my_b_column FROM t',
    )
  })

  it('@IF returns the value for its condition, or nothing; the documented conditions are true', () => {
    expect(render('SELECT\n  col1,\n  @IF(1 > 0, sensitive_col)\nFROM table')).toBe(
      'SELECT\n  col1,\n  sensitive_col\nFROM table',
    )
    expect(render('SELECT col1, @IF(1 > 2, sensitive_col, nonsensitive_col) FROM t')).toBe(
      'SELECT col1, nonsensitive_col FROM t',
    )
    expect(render('SELECT col1, @IF(1 > 2, sensitive_col) FROM t')).toBe('SELECT col1,  FROM t')
    for (const condition of [
      "'a' = 'a'",
      "'a' != 'b'",
      '0 < 1',
      '1 >= 1',
      '2 BETWEEN 1 AND 3',
      "'a' IN ('a', 'b')",
    ]) {
      expect(render(`SELECT @IF(${condition}, 'yes', 'no')`)).toBe("SELECT 'yes'")
    }
    // @runtime_stage is 'loading' while the project loads, 'evaluating' when a model is built.
    expect(render("SELECT @IF(@runtime_stage = 'evaluating', 1, 2)")).toBe('SELECT 1')
    expect(render("SELECT @IF(@runtime_stage = 'evaluating', 1, 2)", placeholderContext)).toBe('SELECT 2')
  })

  it('@EVAL computes after substitution; @FILTER keeps matching items', () => {
    expect(render('@DEF(x, 1);\nSELECT\n  @EVAL(5 + @x) as my_six\nFROM table')).toBe(
      'SELECT\n  6 as my_six\nFROM table',
    )
    expect(render('SELECT @EACH(@FILTER([1,2,3], x -> x > 1), y -> y)')).toBe('SELECT 2, 3')
  })

  it('@REDUCE folds a list (parenthesized where SQLMesh folds a tree)', () => {
    const sum = render('SELECT @REDUCE([1,2,3,4], (x, y) -> x + y)').replace('SELECT ', '')
    expect(sum).toBe('((1 + 2) + 3) + 4')
    expect(evaluateConstant(sum, 'x', 1)).toBe(10)
    expect(
      render(
        'SELECT my_column FROM table WHERE\n  @REDUCE(\n    @EACH([col1, col2, col3], x -> x = 1), -- Builds each individual predicate `col1 = 1`\n    (x, y) -> x AND y -- Combines individual predicates with `AND`\n  )',
      ),
    ).toBe('SELECT my_column FROM table WHERE\n  ((col1 = 1) AND (col2 = 1)) AND (col3 = 1)')
  })
})

describe('@DEF values and functions, variables and @{name}', () => {
  it('defines values and inline functions, nested', () => {
    expect(render('@DEF(size, 1);\nSELECT item_id FROM t WHERE item_size > @size')).toBe(
      'SELECT item_id FROM t WHERE item_size > 1',
    )
    expect(
      render(
        '@DEF(pythag, (x,y) -> sqrt(pow(x, 2) + pow(y, 2)));\nSELECT sideA, sideB, @pythag(sideA, sideB) AS sideC FROM some.triangle',
      ),
    ).toBe('SELECT sideA, sideB, sqrt(pow(sideA, 2) + pow(sideB, 2)) AS sideC FROM some.triangle')
    expect(
      render(
        '@DEF(area, r -> pi() * r * r);\n@DEF(container_volume, (r, h) -> @area(@r) * h);\nSELECT container_id, @container_volume((cont_di / 2), cont_hi) AS volume',
      ),
    ).toBe('SELECT container_id, pi() * (cont_di / 2) * (cont_di / 2) * cont_hi AS volume')
    expect(
      render(
        "@DEF(\n  rank_to_int,\n  x -> case when left(x, 1) = 'A' then 1 when left(x, 1) = 'B' then 2 end\n);\nSELECT @rank_to_int(cust_rank_1) as cust_rank_1_int FROM some.model",
      ),
    ).toBe(
      "SELECT case when left(cust_rank_1, 1) = 'A' then 1 when left(cust_rank_1, 1) = 'B' then 2 end as cust_rank_1_int FROM some.model",
    )
  })

  it('reads global variables as @NAME and @VAR; @{name} renders a string as an identifier', () => {
    expect(render('SELECT * FROM table WHERE int_variable = @INT_VAR')).toBe(
      'SELECT * FROM table WHERE int_variable = 1',
    )
    expect(render("SELECT @VAR('missing_var', 0), @str_var")).toBe("SELECT 0, 'cat'")
    expect(
      render("@DEF(my_variable, 'col');\nSELECT @my_variable AS the_column, @{my_variable} AS other"),
    ).toBe("SELECT 'col' AS the_column, col AS other")
    expect(render("@DEF(variable, 'foo.bar');\nSELECT @{variable}")).toBe('SELECT "foo.bar"')
  })

  it('@SQL renders a string as SQL', () => {
    expect(render("@DEF(x, 1);\nSELECT @SQL('@x + 1') AS two")).toBe('SELECT 1 + 1 AS two')
  })
})

describe('generating operators', () => {
  it('@GENERATE_SURROGATE_KEY, @SAFE_ADD, @SAFE_SUB, @SAFE_DIV, @AND, @OR', () => {
    const key = (hash: string) =>
      `${hash}(CONCAT(COALESCE(CAST(a AS TEXT), '_sqlmesh_surrogate_key_null_'), '|', COALESCE(CAST(b AS TEXT), '_sqlmesh_surrogate_key_null_'), '|', COALESCE(CAST(c AS TEXT), '_sqlmesh_surrogate_key_null_')))`
    expect(render('SELECT @GENERATE_SURROGATE_KEY(a, b, c) AS col FROM foo')).toBe(
      `SELECT ${key('MD5')} AS col FROM foo`,
    )
    expect(render("SELECT @GENERATE_SURROGATE_KEY(a, b, c, hash_function := 'SHA256') AS col")).toBe(
      `SELECT ${key('SHA256')} AS col`,
    )
    expect(render('SELECT @SAFE_ADD(a, b, c) FROM foo')).toBe(
      'SELECT CASE WHEN a IS NULL AND b IS NULL AND c IS NULL THEN NULL ELSE (COALESCE(a, 0) + COALESCE(b, 0) + COALESCE(c, 0)) END FROM foo',
    )
    expect(render('SELECT @SAFE_SUB(a, b, c) FROM foo')).toBe(
      'SELECT CASE WHEN a IS NULL AND b IS NULL AND c IS NULL THEN NULL ELSE (COALESCE(a, 0) - COALESCE(b, 0) - COALESCE(c, 0)) END FROM foo',
    )
    expect(render('SELECT @SAFE_DIV(a, b) FROM foo')).toBe('SELECT (a / NULLIF(b, 0)) FROM foo')
    expect(render('SELECT @AND(TRUE, NULL), @OR(TRUE, NULL), @AND(a > 1, NULL, b < 2)')).toBe(
      'SELECT TRUE, TRUE, (a > 1) AND (b < 2)',
    )
  })

  it('@STAR casts the declared columns, with alias, exclude, prefix and suffix', () => {
    expect(render("SELECT\n  @STAR(raw.foo, bar, [c], 'baz_', '_qux')\nFROM raw.foo AS bar")).toBe(
      'SELECT\n  CAST("bar"."a" AS TEXT) AS "baz_a_qux", CAST("bar"."b" AS TEXT) AS "baz_b_qux", CAST("bar"."d" AS INT) AS "baz_d_qux"\nFROM raw.foo AS bar',
    )
    expect(
      render(
        "SELECT @STAR(raw.foo, bar, exclude := [c, d], 'ab_pre_'), @STAR(raw.foo, bar, exclude := [a, b, c], 'd_pre_'), my_column FROM raw.foo AS bar",
      ),
    ).toBe(
      'SELECT CAST("bar"."a" AS TEXT) AS "ab_pre_a", CAST("bar"."b" AS TEXT) AS "ab_pre_b", CAST("bar"."d" AS INT) AS "d_pre_d", my_column FROM raw.foo AS bar',
    )
    // Columns unknown at render time: DuckDB's star, which cannot rename.
    expect(render('SELECT @STAR(raw.other, o, exclude := [c]) FROM raw.other AS o')).toBe(
      'SELECT o.* EXCLUDE ("c") FROM raw.other AS o',
    )
    expect(() => render("SELECT @STAR(raw.other, o, [c], 'p_') FROM raw.other AS o")).toThrow(
      'models/staging/x.sql:2 @STAR cannot add a prefix or suffix: the columns of raw.other are unknown here',
    )
  })

  it('@UNION selects the columns with the same name and type', () => {
    const select = (table: string) => `SELECT CAST(a AS INT) AS a, CAST(c AS TEXT) AS c FROM ${table}`
    expect(render("@UNION('distinct', raw.ufoo, raw.ubar)")).toBe(
      `${select('raw.ufoo')} UNION ${select('raw.ubar')}`,
    )
    expect(render('@UNION(raw.ufoo, raw.ubar)')).toBe(`${select('raw.ufoo')} UNION ALL ${select('raw.ubar')}`)
    expect(render("@UNION(1 > 0, 'all', raw.ufoo, raw.ubar)")).toBe(
      `${select('raw.ufoo')} UNION ALL ${select('raw.ubar')}`,
    )
    expect(render("@UNION(1 > 2, 'all', raw.ufoo, raw.ubar)")).toBe(select('raw.ufoo'))
  })
})

describe('SQL clause operators', () => {
  // Each example and its "renders to" block from the page's "SQL clause operator examples".
  it('writes the clause when the condition holds', () => {
    expect(render("SELECT *\nFROM all_cities\n@WHERE(True) city_name = 'Toronto'")).toBe(
      "SELECT *\nFROM all_cities\nWHERE city_name = 'Toronto'",
    )
    expect(render('@WITH(True) all_cities as (select * from city)\nselect *\nFROM all_cities')).toBe(
      'WITH all_cities as (select * from city)\nselect *\nFROM all_cities',
    )
    expect(
      render('select *\nFROM all_cities\nLEFT OUTER @JOIN(True) country\n  ON city.country = country.name'),
    ).toBe('select *\nFROM all_cities\nLEFT OUTER JOIN country\n  ON city.country = country.name')
    expect(render('SELECT *\nFROM all_cities\n@GROUP_BY(True) city_id')).toBe(
      'SELECT *\nFROM all_cities\nGROUP BY city_id',
    )
    expect(
      render(
        'SELECT\ncount(city_pop) as population\nFROM all_cities\nGROUP BY city_id\n@HAVING(True) population > 1000',
      ),
    ).toBe(
      'SELECT\ncount(city_pop) as population\nFROM all_cities\nGROUP BY city_id\nHAVING population > 1000',
    )
    expect(render('SELECT *\nFROM all_cities\n@ORDER_BY(True) city_pop')).toBe(
      'SELECT *\nFROM all_cities\nORDER BY city_pop',
    )
    expect(render('SELECT *\nFROM all_cities\n@LIMIT(True) 10')).toBe('SELECT *\nFROM all_cities\nLIMIT 10')
  })

  it('evaluates the condition with macro variables, and drops the clause when it is false', () => {
    // The page's full_model example: @WHERE(@left_number < @right_number) item_id > @size.
    const model = (condition: string) =>
      render(
        `@DEF(left_number, 1);\n@DEF(right_number, 2);\n@DEF(size, 1);\n\nSELECT\n  item_id,\n  count(distinct id) AS num_orders,\nFROM\n  sqlmesh_example.incremental_model\n@WHERE(${condition}) item_id > @size\nGROUP BY item_id`,
      )
    expect(model('@left_number < @right_number')).toBe(
      'SELECT\n  item_id,\n  count(distinct id) AS num_orders,\nFROM\n  sqlmesh_example.incremental_model\nWHERE item_id > 1\nGROUP BY item_id',
    )
    expect(model('1 < 2')).toContain('\nWHERE item_id > 1\nGROUP BY item_id')
    expect(model('@left_number > @right_number')).toBe(
      'SELECT\n  item_id,\n  count(distinct id) AS num_orders,\nFROM\n  sqlmesh_example.incremental_model\n\nGROUP BY item_id',
    )
    // "@JOIN recognizes that LEFT OUTER is a component of the JOIN specification and will omit it".
    expect(
      render(
        'select *\nFROM all_cities\nLEFT OUTER @JOIN(False) country\n  ON city.country = country.name\nWHERE x IN (SELECT 1)',
      ),
    ).toBe('select *\nFROM all_cities\n\nWHERE x IN (SELECT 1)')
    expect(render('@WITH(False) all_cities as (select * from city)\nselect *\nFROM city')).toBe(
      'select *\nFROM city',
    )
    expect(
      render(
        'SELECT * FROM (SELECT * FROM t @WHERE(FALSE) a IN (1, 2) AND b = 3) AS s @ORDER_BY(1 > 2) a @LIMIT(FALSE) 10',
      ),
    ).toBe('SELECT * FROM (SELECT * FROM t ) AS s')
  })

  it('names the line of a clause operator without exactly one condition', () => {
    expect(() => render('SELECT *\nFROM t\n@WHERE(TRUE, FALSE) a = 1')).toThrow(
      'models/staging/x.sql:4 @WHERE takes one condition, then the clause: @WHERE(TRUE) ...',
    )
  })
})

describe('@PIVOT, @DEDUPLICATE, @DATE_SPINE', () => {
  it('@PIVOT makes one aggregate per value, aliased by the value', () => {
    expect(
      render("SELECT\n  date_day,\n  @PIVOT(status, ['cancelled', 'completed'])\nFROM rides\nGROUP BY 1"),
    ).toBe(
      `SELECT\n  date_day,\n  SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS "'cancelled'", SUM(CASE WHEN status = 'completed' THEN 1 ELSE 0 END) AS "'completed'"\nFROM rides\nGROUP BY 1`,
    )
    expect(render("SELECT @PIVOT(status, ['cancelled', 'completed'], cmp := '<')")).toBe(
      `SELECT SUM(CASE WHEN status < 'cancelled' THEN 1 ELSE 0 END) AS "'cancelled'", SUM(CASE WHEN status < 'completed' THEN 1 ELSE 0 END) AS "'completed'"`,
    )
    expect(
      render(
        "SELECT @PIVOT(size, [1, 2], agg := 'MAX', prefix := 'size_', then_value := price, else_value := NULL, distinct := TRUE)",
      ),
    ).toBe(
      'SELECT MAX(DISTINCT CASE WHEN size = 1 THEN price ELSE NULL END) AS "size_1", MAX(DISTINCT CASE WHEN size = 2 THEN price ELSE NULL END) AS "size_2"',
    )
    expect(render('SELECT @PIVOT(size, [1], alias := FALSE)')).toBe(
      'SELECT SUM(CASE WHEN size = 1 THEN 1 ELSE 0 END)',
    )
    expect(render("SELECT @PIVOT(size, [1, 'x'], prefix := 'size_', quote := FALSE)")).toBe(
      `SELECT SUM(CASE WHEN size = 1 THEN 1 ELSE 0 END) AS size_1, SUM(CASE WHEN size = 'x' THEN 1 ELSE 0 END) AS "size_'x'"`,
    )
  })

  it('@DEDUPLICATE keeps the first row of each partition with QUALIFY', () => {
    expect(
      render(
        "with raw_data as (\n@deduplicate(my_table, [id, cast(event_date as date)], ['event_date DESC', 'status ASC'])\n)\n\nselect * from raw_data",
      ),
    ).toBe(
      'with raw_data as (\nSELECT * FROM my_table QUALIFY ROW_NUMBER() OVER (PARTITION BY id, cast(event_date as date) ORDER BY event_date DESC, status ASC) = 1\n)\n\nselect * from raw_data',
    )
  })

  it('run in DuckDB: the spine holds start and end, the pivot counts, the deduplication keeps the latest', async () => {
    const connection = await (await DuckDBInstance.create(':memory:')).connect()
    const rows = async (sql: string) => (await connection.runAndReadAll(sql)).getRowsJson()
    const spine = await rows(render("SELECT * FROM (@date_spine('day', '2024-01-01', '2024-01-16'))"))
    expect([spine.length, spine[0], spine.at(-1)]).toEqual([16, ['2024-01-01'], ['2024-01-16']])
    const months = await rows(render("SELECT * FROM (@date_spine('month', '2024-01-01', '2024-04-01'))"))
    expect(months).toEqual([['2024-01-01'], ['2024-02-01'], ['2024-03-01'], ['2024-04-01']])
    await connection.run(
      "CREATE TABLE rides AS SELECT * FROM (VALUES (1, 'cancelled'), (1, 'completed'), (1, 'completed'), (2, 'completed')) AS t(date_day, status)",
    )
    const pivoted = await rows(
      render("SELECT date_day, @PIVOT(status, ['cancelled', 'completed']) FROM rides GROUP BY 1 ORDER BY 1"),
    )
    expect(pivoted).toEqual([
      [1, '1', '2'],
      [2, '0', '1'],
    ])
    await connection.run(
      "CREATE TABLE my_table AS SELECT * FROM (VALUES (1, DATE '2024-01-01', 'a'), (1, DATE '2024-01-02', 'b'), (2, DATE '2024-01-01', 'c')) AS t(id, event_date, status)",
    )
    const latest = await rows(
      render(
        "WITH raw_data AS (@deduplicate(my_table, [id, cast(event_date as date)], ['event_date DESC'])) SELECT id, status FROM raw_data ORDER BY ALL",
      ),
    )
    expect(latest).toEqual([
      [1, 'a'],
      [1, 'b'],
      [2, 'c'],
    ])
    const perId = await rows(
      render(
        "WITH raw_data AS (@deduplicate(my_table, [id], ['event_date DESC NULLS LAST'])) SELECT id, status FROM raw_data ORDER BY ALL",
      ),
    )
    expect(perId).toEqual([
      [1, 'b'],
      [2, 'c'],
    ])
    connection.closeSync()
  })

  it('@DATE_SPINE generates the dates from start to end, both included', () => {
    expect(
      render(
        "WITH discount_promotion_dates AS (\n  @date_spine('day', '2024-01-01', '2024-01-16')\n)\n\nSELECT * FROM discount_promotion_dates",
      ),
    ).toBe(
      `WITH discount_promotion_dates AS (\n  SELECT "_exploded"."date_day" AS "date_day" FROM UNNEST(CAST(GENERATE_SERIES(CAST('2024-01-01' AS DATE), CAST('2024-01-16' AS DATE), INTERVAL '1' DAY) AS DATE[])) AS "_exploded"("date_day")\n)\n\nSELECT * FROM discount_promotion_dates`,
    )
    expect(() => render("SELECT * FROM (@DATE_SPINE('fortnight', '2024-01-01', '2024-01-16'))")).toThrow(
      "models/staging/x.sql:2 @DATE_SPINE datepart 'fortnight' is not one of day, week, month, quarter, year",
    )
    expect(() => render("SELECT * FROM (@DATE_SPINE('day', '2024-01-16', '2024-01-01'))")).toThrow(
      'models/staging/x.sql:2 @DATE_SPINE start 2024-01-16 is after end 2024-01-01',
    )
    expect(() => render("SELECT * FROM (@DATE_SPINE('day', '2024-13-01', '2024-01-01'))")).toThrow(
      "models/staging/x.sql:2 @DATE_SPINE date '2024-13-01' is not a date YYYY-MM-DD",
    )
  })
})

describe('predefined variables', () => {
  it('renders every documented temporal form for start, end and execution', () => {
    expect(
      render(
        'SELECT @start_dt, @end_dtntz, @start_tstz, @end_hour, @start_millis, @execution_epoch, @execution_date',
      ),
    ).toBe(
      "SELECT CAST('2024-01-01 00:00:00.000000' AS TIMESTAMP), CAST('2024-01-01 23:59:59.999999' AS TIMESTAMP), '2024-01-01 00:00:00.000000+00:00', 23, 1704067200000, 1704164645, CAST('2024-01-02' AS DATE)",
    )
    expect(render('SELECT @model_kind_name, @gateway')).toBe("SELECT 'VIEW', 'local'")
  })
})

describe('bad macros', () => {
  it('names the line of an unsupported operator, a Jinja block, a column in a condition, a bad lambda', () => {
    expect(() =>
      render(
        "SELECT * FROM @resolve_template('@{catalog_name}.@{schema_name}.@{table_name}', mode := 'table')",
      ),
    ).toThrow(
      'models/staging/x.sql:2 @RESOLVE_TEMPLATE is not supported; its placeholders name physical tables, which the environments here hide; name the table directly',
    )
    // The page's Python macro function example: defined in macros/*.py, which cannot run here.
    expect(() => render('SELECT\n  @print_text() as my_text\nFROM table')).toThrow(
      /^models\/staging\/x\.sql:3 unknown macro @print_text; use .* \| @PIVOT \| @DEDUPLICATE \| @DATE_SPINE \| @WITH .* or a name defined with @DEF \(Python macro functions in macros\/\*\.py are not supported\)$/,
    )
    expect(() => render("SELECT 1\nFROM {{ ref('orders') }}")).toThrow(
      'models/staging/x.sql:3 Jinja templates are not supported;',
    )
    expect(() => render('SELECT\n@IF(col > 1, a)')).toThrow(
      'models/staging/x.sql:3 cannot evaluate col at render time; a macro condition holds literals and macro variables only',
    )
    expect(() => render('SELECT @EACH([1, 2], 3)')).toThrow(
      'models/staging/x.sql:2 @EACH needs an anonymous function x -> ... as its second argument',
    )
    expect(() => render('SELECT @SAFE_DIV(a)')).toThrow(
      'models/staging/x.sql:2 @SAFE_DIV takes two arguments',
    )
    expect(() => render('SELECT @STAR(raw.foo, nope := 1)')).toThrow(
      'models/staging/x.sql:2 @STAR has no argument nope; its arguments: relation, alias, exclude, prefix, suffix, quote_identifiers',
    )
  })
})
