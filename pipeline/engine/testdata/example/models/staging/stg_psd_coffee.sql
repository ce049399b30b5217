MODEL (
  name staging.stg_psd_coffee,
  kind FULL,
  grain (commodity_code, country_code, market_year, attribute_id),
  audits (not_null(columns := (commodity_code, country_code, market_year, attribute_id))),
  description 'PSD rows with typed columns and the snapshot month as a date'
);
SELECT
  commodity_code::VARCHAR AS commodity_code, -- zero-padded 7 digits: never cast to a number
  commodity_description::VARCHAR AS commodity_name,
  country_code::VARCHAR AS country_code,
  country_name::VARCHAR AS country_name,
  market_year::INTEGER AS market_year,
  make_date(calendar_year::INTEGER, month::INTEGER, 1) AS ingest_date, -- month the snapshot was published
  attribute_id::VARCHAR AS attribute_id,
  attribute_description::VARCHAR AS attribute_name,
  unit_description::VARCHAR AS unit_description,
  value::DOUBLE AS value -- in unit_description, e.g. (1000 60 KG BAGS)
FROM raw.psd_coffee
WHERE market_year >= @VAR('min_market_year', 2000)
  AND commodity_description = @VAR('commodity_name')
