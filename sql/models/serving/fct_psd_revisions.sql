-- What USDA revised: for each snapshot month after a commodity's first landed one, every value that
-- is new or differs from the previous snapshot carrying the same commodity, country, market year and
-- attribute, with that previous value and the change. Unchanged values are left out: most of a
-- monthly file repeats the last one, and the analyst asks what moved.
--
-- Incremental by snapshot month: a new snapshot compares only itself against the latest earlier
-- value of each key (found with one aggregate over the earlier months, not a window over all).
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
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_name,
    unit_description,
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
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_name,
    unit_description,
    ingest_date,
    "value",
    TRUE AS is_in_range
  FROM in_range
  UNION ALL
  SELECT
    commodity_code,
    NULL AS commodity_name,
    country_code,
    NULL AS country_name,
    market_year,
    attribute_id,
    NULL AS attribute_name,
    NULL AS unit_description,
    ingest_date,
    "value",
    FALSE AS is_in_range
  FROM before_range
),
compared AS (
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_name,
    unit_description,
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
)
SELECT
  compared.commodity_code AS commodity_code, -- 7 digits, zero-padded
  compared.commodity_name AS commodity_name,
  compared.country_code AS country_code, -- USDA FAS code, not ISO
  compared.country_name AS country_name,
  compared.market_year AS market_year,
  compared.attribute_id AS attribute_id, -- 3 digits, zero-padded
  compared.attribute_name AS attribute_name,
  compared.unit_description AS unit_description,
  compared.ingest_date AS ingest_date, -- the snapshot month that published the value
  compared.previous_ingest_date AS previous_ingest_date, -- NULL: first published this month
  compared."value" AS "value",
  compared.previous_value AS previous_value,
  compared."value" - compared.previous_value AS change,
  (compared."value" - compared.previous_value) / NULLIF(compared.previous_value, 0) AS change_pct -- fraction
FROM compared
INNER JOIN first_release
  ON compared.commodity_code = first_release.commodity_code
WHERE compared.is_in_range
  AND compared.ingest_date > first_release.first_ingest_date
  AND compared."value" IS DISTINCT FROM compared.previous_value
