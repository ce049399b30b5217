// Goal: formatting is idempotent, canonicalizes the MODEL header, keeps comments and macros, and
// never changes a query's meaning. Method: format realistic model files, format again, and compare
// DuckDB's parse trees (json_serialize_sql, positions dropped) before and after in real DuckDB.
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

  it('writes a canonical header: one aligned property per line, in a fixed order', () => {
    const formatted = formatModelFile(files.staging)
    expect(formatted.startsWith('-- Typed PSD rows, one per attribute.\nMODEL (\n')).toBe(true)
    expect(formatted).toContain(`MODEL (
  name        staging.stg_psd,
  kind        INCREMENTAL_BY_TIME_RANGE (time_column ingest_date, batch_size 1),
  cron        '@daily',
  grain       (country_code, market_year, attribute_id),
  audits      (not_null(columns := (country_code, value)), accepted_range(column := value, min_v := 0)),
  description 'PSD rows, typed (one row, per attribute)'
);

@DEF(min_value, 0);

SELECT
  commodity_code::VARCHAR AS commodity_code,`)
    expect(formatted).toContain('value::DOUBLE AS value -- unit in unit_description')
    expect(formatted).toContain('ingest_date BETWEEN @start_ds AND @end_ds')
    expect(formatHeader('name a.b, kind view')).toBe('MODEL (\n  name a.b,\n  kind VIEW\n);')
  })

  it('keeps macro calls whole and a commented header as written', () => {
    expect(formatModelFile(files.raw)).toContain(
      "read_csv(\n    @VAR('landing_dir') || '/psd/*/*/*/*.csv.gz',",
    )
    const commented = formatModelFile(files.commented)
    expect(commented).toContain('name staging.x, -- the name')
    expect(commented).toContain(`'a;b' AS "odd;name"`)
    expect(commented).toContain('/* inline */')
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
