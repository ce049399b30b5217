-- PSD country lookup. USDA FAS country codes are not ISO 3166: VM is Vietnam, IV Cote d'Ivoire, E4
-- the European Union, CH China, SZ Switzerland. iso3 is the ISO 3166-1 alpha-3 code where one
-- exists; it is empty for E4 (a union, not a country) and for YE, "Yemen (Sanaa)", the former
-- Yemen Arab Republic that USDA reports until 1991 (its code passed to unified Yemen, YM, so giving
-- it YEM as well would double-count on a map). Regions follow USDA's grouping in its world market
-- reports. Names are USDA's, as published in the files.
MODEL (
  name seeds.psd_country,
  kind SEED (path '../../seeds/psd_country.csv'),
  columns (country_code VARCHAR, country_name VARCHAR, iso3 VARCHAR, region VARCHAR),
  grain (country_code),
  audits (
    not_null(columns := (country_code, country_name, region))
  ),
  description 'USDA FAS country code to name, ISO 3166-1 alpha-3 (where one exists) and region'
);
