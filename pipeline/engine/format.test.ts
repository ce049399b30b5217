// Goal: formatting is idempotent, canonicalizes the MODEL header, keeps comments and macros, and
// never changes a query's meaning. Method: format realistic model files, format again, and compare
// DuckDB's parse trees (json_serialize_sql, positions dropped) before and after in real DuckDB.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import { formatHeader, formatModelFile, sameQuery } from './format.ts'
import { splitModelFile } from './model-file-text.ts'

const connection = await (await DuckDBInstance.create(':memory:')).connect()

const files = {
  staging: `-- Typed PSD rows, one per attribute.
MODEL (name staging.stg_psd, kind incremental_by_time_range(time_column ingest_date,batch_size 1 ), grain ( country_code , market_year, attribute_id ),
  description 'PSD rows, typed (one row, per attribute)', audits (not_null(columns := (country_code,value)), accepted_range(column := value, min_v := 0)), cron '@daily');

@DEF(min_value, 0);
select commodity_code::varchar as commodity_code, country_code, market_year::integer as market_year, value::double as value -- unit in unit_description
from raw.psd_alldata where ingest_date between @start_ds and @end_ds and value >= @min_value
`,
  raw: `MODEL (name raw.psd_alldata, kind FULL, description 'Landing CSVs as read');
SELECT * FROM read_csv(@VAR('landing_dir') || '/psd/*/*/*/*.csv.gz', header = true, all_varchar = true, filename = true)`,
  serving: `MODEL (
  name serving.agg_world_balance, kind full, grain (commodity_code, market_year)
);
with per_country as (select commodity_code, market_year, sum(production) as production, sum(ending_stocks) as ending_stocks,
sum(domestic_consumption + exports) as use_total from serving.obt_commodity_metrics group by all)
select commodity_code, market_year, production, case when use_total = 0 then null else ending_stocks / use_total end as stocks_to_use
from per_country qualify row_number() over (partition by commodity_code, market_year order by production desc) = 1 order by 1, 2`,
  commented: `MODEL (
  name staging.x, -- the name
  kind VIEW
);
SELECT 'a;b' AS "odd;name", 1 AS /* inline */ one`,
}

describe('formatModelFile', () => {
  it('is idempotent and keeps every query meaning the same', async () => {
    for (const text of Object.values(files)) {
      const once = formatModelFile(text)
      expect(formatModelFile(once)).toBe(once)
      const before = splitModelFile(text).query
      const after = splitModelFile(once).query
      expect(await sameQuery(connection, before, after)).toBe(true)
    }
  })

  it('writes the header one property per line in the order written, a multi-line value kept so', () => {
    const formatted = formatModelFile(files.staging)
    expect(formatted.startsWith('-- Typed PSD rows, one per attribute.\nMODEL (\n')).toBe(true)
    expect(formatted).toContain(`MODEL (
  name staging.stg_psd,
  kind INCREMENTAL_BY_TIME_RANGE (time_column ingest_date, batch_size 1),
  grain (country_code, market_year, attribute_id),
  description 'PSD rows, typed (one row, per attribute)',
  audits (not_null(columns := (country_code, value)), accepted_range(column := value, min_v := 0)),
  cron '@daily'
);

@DEF(min_value, 0);

SELECT
  commodity_code::VARCHAR AS commodity_code,`)
    expect(formatted).toContain('value::DOUBLE AS value -- unit in unit_description\nFROM raw.psd_alldata\n')
    expect(formatted).toContain('WHERE ingest_date BETWEEN @start_ds AND @end_ds\n  AND value >= @min_value')
    expect(formatHeader('name a.b, kind view')).toBe('MODEL (\n  name a.b,\n  kind VIEW\n);')
    const nested = `name raw.menu,
  kind seed (
      path 'menu.csv',
    csv_settings (delimiter = ';',
      quotechar = '"')
  ),
  audits (
    not_null(columns := (id)), unique_values(columns := (id))
  ),
  signals [
    fresh(max_age := '1 day')
  ],
  columns (id INT, name TEXT)`
    expect(formatHeader(nested)).toBe(`MODEL (
  name raw.menu,
  kind SEED (
    path 'menu.csv',
    csv_settings (
      delimiter = ';',
      quotechar = '"'
    )
  ),
  audits (
    not_null(columns := (id)),
    unique_values(columns := (id))
  ),
  signals [
    fresh(max_age := '1 day')
  ],
  columns (id INT, name TEXT)
);`)
  })

  it('keeps macro calls whole and a commented header as written', () => {
    expect(formatModelFile(files.raw)).toContain(
      "FROM read_csv(@VAR('landing_dir') || '/psd/*/*/*/*.csv.gz', header = TRUE,",
    )
    const commented = formatModelFile(files.commented)
    expect(commented).toContain('name staging.x, -- the name')
    expect(commented).toContain(`'a;b' AS "odd;name"`)
    expect(commented).toContain('/* inline */')
  })

  it("lays queries out as the project's models are written", () => {
    const formatted = formatModelFile(files.serving)
    expect(formatted).toContain(`WITH per_country AS (
  SELECT
    commodity_code,`)
    expect(formatted).toContain(`  FROM serving.obt_commodity_metrics
  GROUP BY ALL
)
SELECT`)
    expect(formatted).toContain(`FROM per_country
QUALIFY row_number() OVER (PARTITION BY commodity_code, market_year ORDER BY production DESC) = 1
ORDER BY
  1,
  2
`)
    const joined = formatModelFile(`MODEL (name a.b);
select LAG(o.v) over w as previous, ANY_VALUE(IF(o.k = 'y', o.v, null)) as y, filter(o.list, x -> x > 1) as kept, SUM(o.v) filter (where o.k = 'x') as x_total -- in bags
from o left join c on o.id = c.id and o.day = c.day cross join d where o.v > 0 window w as (partition by o.id order by o.day)`)
    expect(joined).toContain(`SELECT
  LAG(o.v) OVER w AS previous,
  ANY_VALUE(IF(o.k = 'y', o.v, NULL)) AS y,
  filter(o.list, x -> x > 1) AS kept,
  SUM(o.v) FILTER (WHERE o.k = 'x') AS x_total -- in bags
FROM o
LEFT JOIN c
  ON o.id = c.id
  AND o.day = c.day
CROSS JOIN d
WHERE o.v > 0
WINDOW w AS (
  PARTITION BY o.id
  ORDER BY o.day
)
`)
  })

  it('formats pre- and post-statements and an ON_VIRTUAL_UPDATE block, trailing comments on their column', async () => {
    // Statements around the query, as concepts/models/sql_models documents them.
    const text = `MODEL (name sushi.revenue, kind full);
set variable floor = 0;
select customer_id::int as customer_id, -- who ordered
  SUM(revenue)::double as revenue -- in euro
from sushi.orders group by customer_id;
create or replace temp table revenue_rows as select COUNT(*) as n from @this_model;
ON_VIRTUAL_UPDATE_BEGIN;
comment on view @this_model is 'Revenue; per customer';
ON_VIRTUAL_UPDATE_END;
`
    const once = formatModelFile(text)
    expect(once).toBe(`MODEL (
  name sushi.revenue,
  kind FULL
);

SET VARIABLE floor = 0;

SELECT
  customer_id::INT AS customer_id, -- who ordered
  SUM(revenue)::DOUBLE AS revenue -- in euro
FROM sushi.orders
GROUP BY customer_id;

CREATE OR REPLACE TEMP TABLE revenue_rows AS
SELECT
  COUNT(*) AS n
FROM @this_model;

ON_VIRTUAL_UPDATE_BEGIN;
COMMENT ON VIEW @this_model IS 'Revenue; per customer';
ON_VIRTUAL_UPDATE_END;
`)
    expect(formatModelFile(once)).toBe(once)
    const query = (file: string) => splitModelFile(file).query
    expect(await sameQuery(connection, query(text), query(once))).toBe(true)
    const changed = once.replace("IS 'Revenue; per customer'", "IS 'Revenue per customer'")
    expect(await sameQuery(connection, query(once), query(changed))).toBe(false)
    const moved = once.replace('SET VARIABLE floor = 0', 'SET VARIABLE floor = 1')
    expect(await sameQuery(connection, query(once), query(moved))).toBe(false)
  })

  it('lays out an AUDIT block like the header, its query right below; a comment before ; stays a comment', async () => {
    // An audit inside a model file (concepts/audits "Inline audits").
    const text = `MODEL (name sushi.menu, kind full);
select id, price from raw.menu -- the menu
;
-- the audit
AUDIT (name price_in_range,
  defaults (min_price = 0));
select * from @this_model where price < @min_price or price > @max_price;
`
    const once = formatModelFile(text)
    expect(once).toBe(`MODEL (
  name sushi.menu,
  kind FULL
);

SELECT
  id,
  price
FROM raw.menu -- the menu
;

-- the audit
AUDIT (
  name price_in_range,
  defaults (min_price = 0)
);
SELECT
  *
FROM @this_model
WHERE price < @min_price
  OR price > @max_price;
`)
    expect(formatModelFile(once)).toBe(once)
    const query = (file: string) => splitModelFile(file).query
    expect(await sameQuery(connection, query(text), query(once))).toBe(true)
    const changed = once.replace('defaults (min_price = 0)', 'defaults (min_price = 1)')
    expect(await sameQuery(connection, query(once), query(changed))).toBe(false)
  })

  it("leaves the project's own sql/models unchanged (materia format --check passes on it)", () => {
    const folder = join(import.meta.dirname, '..', '..', 'sql', 'models')
    const paths = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((p) => p.endsWith('.sql'))
    expect(paths.length).toBeGreaterThan(5)
    for (const path of paths) {
      const text = readFileSync(join(folder, path), 'utf8')
      expect({ path, text: formatModelFile(text) }).toEqual({ path, text })
    }
  })

  it('detects a change of meaning, so the check can fail', async () => {
    expect(await sameQuery(connection, 'SELECT a FROM t WHERE x > 1', 'SELECT a FROM t WHERE x >= 1')).toBe(
      false,
    )
    expect(await sameQuery(connection, '@DEF(n, 1); SELECT @n', '@DEF(n, 2); SELECT @n')).toBe(false)
    expect(await sameQuery(connection, 'select  a\nfrom t -- c', 'SELECT a FROM t')).toBe(true)
  })

  it('reports SQL the formatter cannot read as an operating error', () => {
    expect(() => formatModelFile("MODEL (name a.b);\nSELECT 'unterminated FROM t")).toThrow(MateriaError)
  })
})
