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
  QUALIFY ROW_NUMBER() OVER (
    PARTITION BY commodity_code, country_code, market_year
    ORDER BY ingest_date DESC
  ) = 1
),
with_previous_year AS (
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
    total_distribution,
    LAG(market_year) OVER country_years AS previous_market_year,
    LAG(production) OVER country_years AS previous_production,
    LAG(domestic_consumption) OVER country_years AS previous_consumption,
    SUM(production) OVER (PARTITION BY commodity_code, market_year) AS world_production
  FROM latest
  WINDOW country_years AS (PARTITION BY commodity_code, country_code ORDER BY market_year)
)
SELECT
  with_previous_year.commodity_code AS commodity_code, -- 7 digits, zero-padded
  with_previous_year.commodity_name AS commodity_name,
  with_previous_year.country_code AS country_code, -- USDA FAS code, not ISO
  COALESCE(dim_country.country_name, with_previous_year.country_name) AS country_name,
  COALESCE(dim_country.region, 'Unassigned') AS region,
  with_previous_year.market_year AS market_year,
  with_previous_year.ingest_date AS ingest_date, -- the snapshot month these figures come from
  with_previous_year.unit_description AS unit_description, -- unit of every quantity below
  with_previous_year.beginning_stocks AS beginning_stocks,
  with_previous_year.production AS production,
  with_previous_year.arabica_production AS arabica_production, -- coffee only
  with_previous_year.robusta_production AS robusta_production, -- coffee only
  with_previous_year.other_production AS other_production, -- coffee only
  with_previous_year.imports AS imports,
  with_previous_year.bean_imports AS bean_imports, -- coffee only, green bean equivalent
  with_previous_year.roast_ground_imports AS roast_ground_imports,
  with_previous_year.soluble_imports AS soluble_imports,
  with_previous_year.total_supply AS total_supply,
  with_previous_year.exports AS exports,
  with_previous_year.bean_exports AS bean_exports,
  with_previous_year.roast_ground_exports AS roast_ground_exports,
  with_previous_year.soluble_exports AS soluble_exports,
  with_previous_year.domestic_consumption AS domestic_consumption,
  with_previous_year.roast_ground_consumption AS roast_ground_consumption,
  with_previous_year.soluble_consumption AS soluble_consumption,
  with_previous_year.ending_stocks AS ending_stocks,
  with_previous_year.total_distribution AS total_distribution,
  -- Ending stocks over a year of use (domestic consumption + exports): 0.25 = three months of use.
  with_previous_year.ending_stocks
    / NULLIF(with_previous_year.domestic_consumption + with_previous_year.exports, 0) AS stocks_to_use,
  -- 0 when USDA's balance closes; +-1 is rounding (see audits/balance_identity.sql).
  with_previous_year.total_supply - with_previous_year.total_distribution AS supply_distribution_gap,
  CASE
    WHEN with_previous_year.previous_market_year = with_previous_year.market_year - 1
      THEN with_previous_year.production / NULLIF(with_previous_year.previous_production, 0) - 1
  END AS production_yoy,
  CASE
    WHEN with_previous_year.previous_market_year = with_previous_year.market_year - 1
      THEN with_previous_year.domestic_consumption / NULLIF(with_previous_year.previous_consumption, 0) - 1
  END AS consumption_yoy,
  -- Share of the sum over all countries: the files carry no World rows.
  with_previous_year.production / NULLIF(with_previous_year.world_production, 0) AS world_production_share,
  with_previous_year.arabica_production / NULLIF(with_previous_year.production, 0) AS arabica_share
FROM with_previous_year
LEFT JOIN serving.dim_country AS dim_country
  ON with_previous_year.country_code = dim_country.country_code
