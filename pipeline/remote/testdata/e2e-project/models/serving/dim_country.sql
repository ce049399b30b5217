MODEL (
  name serving.dim_country,
  kind FULL,
  grain country_code,
  description 'Countries of the sample rows'
);
SELECT DISTINCT
  country_code AS country_code,
  country_name AS country_name
FROM raw.psd_coffee
