-- One published PSD value per commodity x country x market year x attribute x snapshot month,
-- typed and named. ingest_date is the snapshot month (the first day of it), parsed from the landing
-- path <landing>/psd/{dataset}/{YYYY}/{MM}/{etag}.csv.gz.
--
-- Incremental by ingest_date: a new monthly snapshot processes only its month, and the filter on the
-- month parsed from the file name lets DuckDB skip every other month's file. The cron is daily and
-- ingest_date is the first of the month, so the first of the month is normally processed before
-- that month's snapshot lands; the 31-day lookback re-evaluates it on the runs that follow.
--
-- The same row can arrive in several files of one month: the coffee file and the all-data file both
-- carry coffee, and USDA sometimes republishes a month under a new etag. Rows are deduplicated on
-- the business key (hkey is its MD5); when two files of one month disagree on a value, the file whose
-- name sorts last wins (deterministic; etags carry no order) and value_version_count says so.
MODEL (
  name staging.stg_psdalldata__commodity,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column ingest_date,
    lookback 31
  ),
  cron '@daily',
  grain (hkey), -- hkey hashes commodity, country, market year, attribute, unit and ingest_date
  audits (
    not_null(columns := (hkey, commodity_code, country_code, market_year, attribute_id, attribute_name, unit_id, ingest_date)),
    accepted_values_non_blocking(column := unit_id, is_in := ('02', '04', '08', '23', '26')),
    forall(criteria := (attribute_name <> 'production' OR value >= 0))
  ),
  description 'USDA PSD values typed and named, one row per commodity, country, market year, attribute and snapshot month (ingest_date), deduplicated across landed files'
);

-- The snapshot month from .../psd/{dataset}/{YYYY}/{MM}/{file} as text, 'YYYY-MM-01', from file-name
-- terms alone; '--01' where the path does not match.
@DEF(
  landed_month_text,
  (
    REGEXP_EXTRACT(filename, '(\d{4})[/\\](\d{2})[/\\][^/\\]+$', 1) || '-' || REGEXP_EXTRACT(filename, '(\d{4})[/\\](\d{2})[/\\][^/\\]+$', 2) || '-01'
  )
);

-- The same month as a date (a path that does not match fails the CAST, naming the text).
@DEF(landed_month, CAST(@landed_month_text AS DATE));

-- The interval on the month as text, against the interval's dates as text (ISO dates sort as text):
-- DuckDB prunes the files of other months before reading them only for a filter on `filename` made of
-- string functions; through the raw view, a CAST or MAKE_DATE in the filter reads every file
-- (EXPLAIN ANALYZE: Total Files Read). The unmatched '--01' is kept, so that landed_month fails on such
-- a path instead of the file being skipped in silence.
@DEF(
  landed_month_pruned,
  (
    @landed_month_text = '--01'
    OR @landed_month_text BETWEEN @start_ds AND @end_ds
  )
);

-- Read twice below (the repeated keys, then every row). DuckDB 1.5 materializes a CTE that reads a
-- table function (read_csv) and is referenced twice, NOT MATERIALIZED or not (EXPLAIN ANALYZE shows
-- one READ_CSV feeding a CTE): the files are read once and held, spilling past memory_limit.
WITH in_range AS NOT MATERIALIZED (
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    calendar_year,
    "month",
    attribute_id,
    attribute_description,
    unit_id,
    unit_description,
    "value",
    source_file,
    ingest_date,
    -- The business key in one number: rows with equal keys hash alike, so grouping on it finds every
    -- repeated key; two keys that collide are both sent to the exact aggregate below, which keeps
    -- them apart (a singleton group yields the same row as the pass-through).
    HASH(commodity_code, country_code, market_year, attribute_id, unit_id, ingest_date) AS key_hash
  FROM (
    SELECT
      TRIM(Commodity_Code) AS commodity_code,
      TRIM(Commodity_Description) AS commodity_name,
      TRIM(Country_Code) AS country_code,
      TRIM(Country_Name) AS country_name,
      CAST(Market_Year AS INTEGER) AS market_year, -- CAST skips surrounding blanks itself: no TRIM
      CAST(Calendar_Year AS INTEGER) AS calendar_year, -- year USDA last updated the row
      CAST("Month" AS INTEGER) AS "month", -- month USDA last updated the row; 0 for old rows
      TRIM(Attribute_ID) AS attribute_id,
      TRIM(Attribute_Description) AS attribute_description,
      TRIM(Unit_ID) AS unit_id,
      TRIM(Unit_Description) AS unit_description,
      CAST("Value" AS DOUBLE) AS "value", -- in unit_description, e.g. (1000 60 KG BAGS)
      filename AS source_file,
      @landed_month AS ingest_date
    FROM raw.psd_alldata
    WHERE @landed_month_pruned
  ) AS landed
  WHERE ingest_date BETWEEN CAST(@start_ds AS DATE) AND CAST(@end_ds AS DATE)
),
-- The business keys that arrive more than once (several files of one month): usually none. Only
-- their rows are aggregated; every other row passes through as it is, so no ~1 M-group aggregate
-- holds a whole snapshot in memory.
repeated_keys AS (
  SELECT
    key_hash,
    TRUE AS is_repeated
  FROM in_range
  GROUP BY key_hash
  HAVING COUNT(*) > 1
),
keyed AS NOT MATERIALIZED (
  SELECT
    in_range.commodity_code AS commodity_code,
    in_range.commodity_name AS commodity_name,
    in_range.country_code AS country_code,
    in_range.country_name AS country_name,
    in_range.market_year AS market_year,
    in_range.calendar_year AS calendar_year,
    in_range."month" AS "month",
    in_range.attribute_id AS attribute_id,
    in_range.attribute_description AS attribute_description,
    in_range.unit_id AS unit_id,
    in_range.unit_description AS unit_description,
    in_range."value" AS "value",
    in_range.source_file AS source_file,
    in_range.ingest_date AS ingest_date,
    repeated_keys.is_repeated AS is_repeated
  FROM in_range
  LEFT JOIN repeated_keys
    ON in_range.key_hash = repeated_keys.key_hash
),
single_rows AS (
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_description,
    unit_id,
    unit_description,
    ingest_date,
    calendar_year,
    "month",
    "value",
    1 AS source_file_count,
    CAST("value" IS NOT NULL AS INTEGER) AS value_version_count
  FROM keyed
  WHERE is_repeated IS NULL
),
repeated_rows AS (
  SELECT
    commodity_code,
    ANY_VALUE(commodity_name) AS commodity_name,
    country_code,
    ANY_VALUE(country_name) AS country_name,
    market_year,
    attribute_id,
    ANY_VALUE(attribute_description) AS attribute_description,
    unit_id,
    ANY_VALUE(unit_description) AS unit_description,
    ingest_date,
    -- The last file's figures, taken together: one state per group instead of one per column.
    ARG_MAX({'calendar_year': calendar_year, 'month': "month", 'value': "value"}, source_file) AS latest,
    CAST(COUNT(*) AS INTEGER) AS source_file_count, -- landed files carrying this row
    CAST(COUNT(DISTINCT "value") AS INTEGER) AS value_version_count -- 1 unless files of one month disagree
  FROM keyed
  WHERE is_repeated
  GROUP BY
    commodity_code,
    country_code,
    market_year,
    attribute_id,
    unit_id,
    ingest_date
),
deduplicated AS (
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_description,
    unit_id,
    unit_description,
    ingest_date,
    calendar_year,
    "month",
    "value",
    source_file_count,
    value_version_count
  FROM single_rows
  UNION ALL
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    attribute_id,
    attribute_description,
    unit_id,
    unit_description,
    ingest_date,
    latest.calendar_year AS calendar_year,
    latest."month" AS "month",
    latest."value" AS "value",
    source_file_count,
    value_version_count
  FROM repeated_rows
),
attribute_lookup AS (
  SELECT
    attribute_id, -- text, as the seed declares it: '028', never 28
    attribute_name,
    attribute_role
  FROM seeds.psd_attribute
),
unit_lookup AS (
  SELECT
    unit_id,
    unit_name
  FROM seeds.psd_unit
)
SELECT
  -- The MD5 digest of the key as a 128-bit number (DuckDB's md5_number): the same digest as the hex
  -- text, half the bytes to write, and a number to group on when the grain is audited.
  MD5_NUMBER(
    CONCAT_WS(
      '|',
      deduplicated.commodity_code,
      deduplicated.country_code,
      deduplicated.market_year,
      deduplicated.attribute_id,
      deduplicated.unit_id,
      deduplicated.ingest_date
    )
  ) AS hkey, -- md5 of commodity, country, market year, attribute, unit, ingest_date, as a UHUGEINT
  deduplicated.commodity_code AS commodity_code, -- 7 digits, zero-padded: text, never a number
  deduplicated.commodity_name AS commodity_name,
  deduplicated.country_code AS country_code, -- USDA FAS code, not ISO (see seeds.psd_country)
  deduplicated.country_name AS country_name,
  deduplicated.market_year AS market_year, -- USDA market year, e.g. coffee 2023 = Oct 2022 to Sep 2023 for Brazil
  deduplicated.calendar_year AS calendar_year,
  deduplicated."month" AS "month",
  deduplicated.attribute_id AS attribute_id, -- 3 digits, zero-padded
  deduplicated.attribute_description AS attribute_description,
  -- Attributes missing from the lookup keep flowing, named after their description.
  COALESCE(
    attribute_lookup.attribute_name,
    TRIM(REGEXP_REPLACE(LOWER(deduplicated.attribute_description), '[^a-z0-9]+', '_', 'g'), '_')
  ) AS attribute_name,
  COALESCE(attribute_lookup.attribute_role, 'other') AS attribute_role, -- supply, use, stock or other
  deduplicated.unit_id AS unit_id, -- 2 digits, zero-padded
  deduplicated.unit_description AS unit_description,
  COALESCE(unit_lookup.unit_name, deduplicated.unit_description) AS unit_name,
  deduplicated."value" AS "value", -- in unit_description
  deduplicated.ingest_date AS ingest_date, -- snapshot month, first day
  deduplicated.source_file_count AS source_file_count,
  deduplicated.value_version_count AS value_version_count
FROM deduplicated
LEFT JOIN attribute_lookup
  ON deduplicated.attribute_id = attribute_lookup.attribute_id
LEFT JOIN unit_lookup
  ON deduplicated.unit_id = unit_lookup.unit_id
