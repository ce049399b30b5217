MODEL (
  name cleaned.psd_coffee_snapshots,
  kind INCREMENTAL_BY_TIME_RANGE (time_column ingest_date, batch_size 12),
  cron '@monthly',
  start '2021-06-01',
  grain (country_code, market_year, attribute_id, ingest_date),
  description 'PSD rows by the month USDA published them'
);
SELECT
  country_code AS country_code,
  market_year AS market_year,
  attribute_id AS attribute_id,
  ingest_date AS ingest_date,
  value AS value
FROM staging.stg_psd_coffee
WHERE ingest_date BETWEEN @start_ds AND @end_ds
