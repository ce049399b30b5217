MODEL (
  name cleaned.coffee_balance,
  kind FULL,
  grain (country_code, market_year),
  audits (unique_combination_of_columns(columns := (country_code, market_year)), assert_non_negative(column := production)),
  description 'One row per country and market year: the supply and distribution balance'
);
@DEF(bags, '(1000 60 KG BAGS)');
WITH attributes AS (
  SELECT
    country_code,
    country_name,
    market_year,
    ingest_date,
    attribute_name,
    value
  FROM staging.stg_psd_coffee
  WHERE unit_description = @bags
)
SELECT
  country_code AS country_code,
  any_value(country_name) AS country_name,
  market_year AS market_year,
  max(ingest_date) AS ingest_date,
  sum(value) FILTER (WHERE attribute_name = 'Production') AS production,
  sum(value) FILTER (WHERE attribute_name = 'Exports') AS exports,
  sum(value) FILTER (WHERE attribute_name = 'Domestic Consumption') AS domestic_consumption,
  sum(value) FILTER (WHERE attribute_name = 'Ending Stocks') AS ending_stocks
FROM attributes
GROUP BY country_code, market_year
