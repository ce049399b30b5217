-- What USDA revised: for each snapshot month after a commodity's first landed one, every value that
-- is new or differs from the previous snapshot carrying the same commodity, country, market year and
-- attribute, with that previous value and the change. Unchanged values are left out: most of a
-- monthly file repeats the last one, and the analyst asks what moved.
--
-- Incremental by snapshot month: a new snapshot compares only itself against the latest earlier
-- value of each key (found with one aggregate over the earlier months, not a window over all).
-- The comparison runs on the key, date and value alone; the names are joined back only to the
-- values that changed (a few per cent of a snapshot), so the window sorts narrow rows.
MODEL (
  name serving.fct_psd_revisions,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column ingest_date,
    lookback 31
  ),
  cron '@daily',
  grain (commodity_code, country_code, market_year, attribute_id, ingest_date),
  audits (
    not_null(columns := (commodity_code, country_code, market_year, attribute_id, attribute_name, ingest_date)),
    accepted_values_non_blocking(column := unit_description, is_in := ('(1000 60 KG BAGS)', '(1000 HA)', '(1000 MT)', '(PERCENT)', '(MT/HA)')),
    forall(criteria := (attribute_name <> 'production' OR "value" >= 0))
  ),
  description 'USDA PSD revisions release over release: each new or changed value with the previous snapshot value and the change'
);

WITH in_range AS (
  SELECT
    commodity_code,
    country_code,
    market_year,
    attribute_id,
    unit_id,
    ingest_date,
    "value"
  FROM staging.stg_psdalldata__commodity
  WHERE ingest_date BETWEEN CAST(@start_ds AS DATE) AND CAST(@end_ds AS DATE)
),
before_range AS (
  SELECT
    commodity_code,
    country_code,
    market_year,
    attribute_id,
    MAX(ingest_date) AS ingest_date,
    ARG_MAX("value", ingest_date) AS "value"
  FROM staging.stg_psdalldata__commodity
  WHERE ingest_date < CAST(@start_ds AS DATE)
  GROUP BY
    commodity_code,
    country_code,
    market_year,
    attribute_id
),
releases AS (
  SELECT
    commodity_code,
    country_code,
    market_year,
    attribute_id,
    unit_id,
    ingest_date,
    "value",
    TRUE AS is_in_range
  FROM in_range
  UNION ALL
  SELECT
    commodity_code,
    country_code,
    market_year,
    attribute_id,
    NULL AS unit_id,
    ingest_date,
    "value",
    FALSE AS is_in_range
  FROM before_range
),
compared AS (
  SELECT
    commodity_code,
    country_code,
    market_year,
    attribute_id,
    unit_id,
    ingest_date,
    "value",
    is_in_range,
    LAG(ingest_date) OVER key_releases AS previous_ingest_date,
    LAG("value") OVER key_releases AS previous_value
  FROM releases
  WINDOW key_releases AS (
    PARTITION BY commodity_code, country_code, market_year, attribute_id
    ORDER BY ingest_date
  )
),
first_release AS (
  SELECT
    commodity_code,
    MIN(ingest_date) AS first_ingest_date
  FROM staging.stg_psdalldata__commodity
  GROUP BY commodity_code
),
revised AS (
  SELECT
    compared.commodity_code AS commodity_code,
    compared.country_code AS country_code,
    compared.market_year AS market_year,
    compared.attribute_id AS attribute_id,
    compared.unit_id AS unit_id,
    compared.ingest_date AS ingest_date,
    compared."value" AS "value",
    compared.previous_ingest_date AS previous_ingest_date,
    compared.previous_value AS previous_value
  FROM compared
  INNER JOIN first_release
    ON compared.commodity_code = first_release.commodity_code
  WHERE compared.is_in_range
    AND compared.ingest_date > first_release.first_ingest_date
    AND compared."value" IS DISTINCT FROM compared.previous_value
),
-- The names of each revised value, from its own staging row (staging's grain includes the unit).
named AS (
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_name,
    unit_id,
    unit_description,
    ingest_date
  FROM staging.stg_psdalldata__commodity
  WHERE ingest_date BETWEEN CAST(@start_ds AS DATE) AND CAST(@end_ds AS DATE)
)
SELECT
  revised.commodity_code AS commodity_code, -- 7 digits, zero-padded
  named.commodity_name AS commodity_name,
  revised.country_code AS country_code, -- USDA FAS code, not ISO
  named.country_name AS country_name,
  revised.market_year AS market_year,
  revised.attribute_id AS attribute_id, -- 3 digits, zero-padded
  named.attribute_name AS attribute_name,
  named.unit_description AS unit_description,
  revised.ingest_date AS ingest_date, -- the snapshot month that published the value
  revised.previous_ingest_date AS previous_ingest_date, -- NULL: first published this month
  revised."value" AS "value",
  revised.previous_value AS previous_value,
  revised."value" - revised.previous_value AS change,
  (revised."value" - revised.previous_value) / NULLIF(revised.previous_value, 0) AS change_pct -- fraction
FROM revised
INNER JOIN named
  ON revised.commodity_code IS NOT DISTINCT FROM named.commodity_code
  AND revised.country_code IS NOT DISTINCT FROM named.country_code
  AND revised.market_year IS NOT DISTINCT FROM named.market_year
  AND revised.attribute_id IS NOT DISTINCT FROM named.attribute_id
  AND revised.unit_id IS NOT DISTINCT FROM named.unit_id
  AND revised.ingest_date IS NOT DISTINCT FROM named.ingest_date
