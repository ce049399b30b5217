-- The analyst's table: for each commodity x country x market year, the balance sheet of the latest
-- snapshot that published it, with the derived metrics. Quantities are in unit_description (coffee:
-- 1000 60-kg bags). Ratios and shares are fractions (0.05 = 5 %); each is NULL where its divisor is
-- 0 or missing.
MODEL (
  name serving.obt_commodity_metrics,
  kind FULL,
  cron '@daily',
  grain (commodity_code, country_code, market_year),
  audits (
    not_null(columns := (commodity_code, commodity_name, country_code, country_name, region, market_year, ingest_date)),
    accepted_values_non_blocking(column := unit_description, is_in := ('(1000 60 KG BAGS)', '(1000 MT)')),
    accepted_range(column := production, min_v := 0),
    accepted_range(column := world_production_share, min_v := 0, max_v := 1),
    accepted_range(column := arabica_share, min_v := 0, max_v := 1),
    balance_identity_non_blocking(tolerance := 1)
  ),
  description 'Latest USDA PSD balance sheet per commodity, country and market year, with stocks-to-use, supply-distribution gap, year-over-year changes and shares'
);

WITH latest AS (
  SELECT
    commodity_code,
    commodity_name,
    country_code,
    country_name,
    market_year,
    ingest_date,
    unit_description,
    beginning_stocks,
    production,
    arabica_production,
    robusta_production,
    other_production,
    imports,
    bean_imports,
    roast_ground_imports,
    soluble_imports,
    total_supply,
    exports,
    bean_exports,
    roast_ground_exports,
    soluble_exports,
    domestic_consumption,
    roast_ground_consumption,
    soluble_consumption,
    ending_stocks,
    total_distribution
  FROM cleaned.cln_psdalldata__commodity_pivoted
  QUALIFY ROW_NUMBER() OVER (PARTITION BY commodity_code, country_code, market_year ORDER BY ingest_date DESC) = 1
)
SELECT
  latest.commodity_code AS commodity_code, -- 7 digits, zero-padded
  latest.commodity_name AS commodity_name,
  latest.country_code AS country_code, -- USDA FAS code, not ISO
  COALESCE(dim_country.country_name, latest.country_name) AS country_name,
  COALESCE(dim_country.region, 'Unassigned') AS region,
  latest.market_year AS market_year,
  latest.ingest_date AS ingest_date, -- the snapshot month these figures come from
  latest.unit_description AS unit_description, -- unit of every quantity below
  latest.beginning_stocks AS beginning_stocks,
  latest.production AS production,
  latest.arabica_production AS arabica_production, -- coffee only
  latest.robusta_production AS robusta_production, -- coffee only
  latest.other_production AS other_production, -- coffee only
  latest.imports AS imports,
  latest.bean_imports AS bean_imports, -- coffee only, green bean equivalent
  latest.roast_ground_imports AS roast_ground_imports,
  latest.soluble_imports AS soluble_imports,
  latest.total_supply AS total_supply,
  latest.exports AS exports,
  latest.bean_exports AS bean_exports,
  latest.roast_ground_exports AS roast_ground_exports,
  latest.soluble_exports AS soluble_exports,
  latest.domestic_consumption AS domestic_consumption,
  latest.roast_ground_consumption AS roast_ground_consumption,
  latest.soluble_consumption AS soluble_consumption,
  latest.ending_stocks AS ending_stocks,
  latest.total_distribution AS total_distribution,
  -- Ending stocks over a year of use (domestic consumption + exports): 0.25 = three months of use.
  latest.ending_stocks / NULLIF(latest.domestic_consumption + latest.exports, 0) AS stocks_to_use,
  -- 0 when USDA's balance closes; +-1 is rounding (see audits/balance_identity.sql).
  latest.total_supply - latest.total_distribution AS supply_distribution_gap,
  -- Year-over-year changes only against the market year right before (a gap gives NULL).
  CASE
    WHEN LAG(latest.market_year) OVER country_years = latest.market_year - 1
      THEN latest.production / NULLIF(LAG(latest.production) OVER country_years, 0) - 1
  END AS production_yoy,
  CASE
    WHEN LAG(latest.market_year) OVER country_years = latest.market_year - 1
      THEN latest.domestic_consumption / NULLIF(LAG(latest.domestic_consumption) OVER country_years, 0) - 1
  END AS consumption_yoy,
  -- Share of the sum over all countries: the files carry no World rows.
  latest.production / NULLIF(
    SUM(latest.production) OVER (PARTITION BY latest.commodity_code, latest.market_year),
    0
  ) AS world_production_share,
  latest.arabica_production / NULLIF(latest.production, 0) AS arabica_share
FROM latest
LEFT JOIN serving.dim_country AS dim_country
  ON latest.country_code = dim_country.country_code
WINDOW country_years AS (
  PARTITION BY latest.commodity_code, latest.country_code
  ORDER BY latest.market_year
)
