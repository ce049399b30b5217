MODEL (
  name serving.dim_country,
  kind FULL,
  grain country_code,
  audits (unique_values(columns := (country_code))),
  description 'Countries in the sample with their ISO 3166 alpha-3 codes'
);
SELECT DISTINCT
  country_code AS country_code,
  country_name AS country_name,
  CASE country_code WHEN 'BR' THEN 'BRA' WHEN 'CO' THEN 'COL' WHEN 'VM' THEN 'VNM' END AS iso3
FROM staging.stg_psd_coffee
