MODEL (
  name serving.coffee_stocks_to_use,
  kind VIEW,
  grain (country_code, market_year),
  tags (coffee, ratios),
  owner analytics,
  description 'Stocks-to-use ratio and production change by country and market year'
);
SELECT
  balance.country_code AS country_code,
  country.iso3 AS iso3,
  balance.market_year AS market_year,
  balance.production AS production,
  -- stocks_to_use = ending_stocks / (domestic_consumption + exports), NULL when the divisor is 0
  balance.ending_stocks / nullif(balance.domestic_consumption + balance.exports, 0) AS stocks_to_use,
  balance.production / lag(balance.production) OVER (PARTITION BY balance.country_code ORDER BY balance.market_year) - 1
    AS production_yoy
FROM cleaned.coffee_balance AS balance
JOIN serving.dim_country AS country
  ON country.country_code = balance.country_code
