-- World balance per commodity and market year: the sum over all countries of their latest balance
-- sheets. USDA's files carry no World rows, so the world is the sum of the countries it reports.
-- World imports and exports differ: trade is recorded on both sides, with timing and coverage gaps.
MODEL (
  name serving.agg_world_balance,
  kind FULL,
  cron '@daily',
  grain (commodity_code, market_year),
  audits (
    not_null(columns := (commodity_code, commodity_name, market_year, ingest_date, country_count)),
    accepted_range(column := production, min_v := 0),
    balance_identity_non_blocking(tolerance := 1)
  ),
  description 'World supply and distribution per commodity and market year, summed over countries, with stocks-to-use'
);

WITH world AS (
  SELECT
    commodity_code,
    ANY_VALUE(commodity_name) AS commodity_name,
    market_year,
    MAX(ingest_date) AS ingest_date, -- the latest snapshot contributing to the sum
    CAST(COUNT(*) AS INTEGER) AS country_count, -- countries with a balance sheet that year
    SUM(beginning_stocks) AS beginning_stocks,
    SUM(production) AS production,
    SUM(arabica_production) AS arabica_production, -- coffee only
    SUM(robusta_production) AS robusta_production, -- coffee only
    SUM(imports) AS imports,
    SUM(total_supply) AS total_supply,
    SUM(exports) AS exports,
    SUM(domestic_consumption) AS domestic_consumption,
    SUM(ending_stocks) AS ending_stocks,
    SUM(total_distribution) AS total_distribution
  FROM serving.obt_commodity_metrics
  GROUP BY
    commodity_code,
    market_year
)
SELECT
  commodity_code, -- 7 digits, zero-padded
  commodity_name,
  market_year,
  ingest_date,
  country_count,
  beginning_stocks, -- quantities in the commodity's unit (serving.dim_commodity.unit_description)
  production,
  arabica_production,
  robusta_production,
  imports,
  total_supply,
  exports,
  domestic_consumption,
  ending_stocks,
  total_distribution,
  ending_stocks / NULLIF(domestic_consumption + exports, 0) AS stocks_to_use
FROM world
