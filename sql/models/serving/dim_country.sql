-- Countries: every country of the lookup and every country code seen in the data. A code USDA
-- starts publishing before the lookup knows it still appears, with USDA's name and region
-- 'Unassigned', so joins from the facts never drop rows.
MODEL (
  name serving.dim_country,
  kind FULL,
  cron '@daily',
  grain (country_code),
  audits (
    not_null(columns := (country_code, country_name, region))
  ),
  description 'Countries: USDA FAS code, name, ISO 3166-1 alpha-3 where one exists (NULL for E4, the EU) and region'
);

WITH published AS (
  SELECT
    country_code,
    ARG_MAX(country_name, ingest_date) AS country_name -- the name in the latest snapshot
  FROM cleaned.cln_psdalldata__commodity_pivoted
  GROUP BY country_code
),
lookup AS (
  SELECT
    country_code,
    country_name,
    iso3,
    region
  FROM seeds.psd_country
)
SELECT
  COALESCE(lookup.country_code, published.country_code) AS country_code, -- USDA FAS code, not ISO
  COALESCE(lookup.country_name, published.country_name) AS country_name,
  NULLIF(lookup.iso3, '') AS iso3, -- ISO 3166-1 alpha-3; NULL where none exists
  COALESCE(lookup.region, 'Unassigned') AS region
FROM lookup
FULL OUTER JOIN published
  ON lookup.country_code = published.country_code
