MODEL (
  name raw.psd_coffee,
  kind SEED (path '../../seeds/psd_coffee.csv'),
  columns (
    commodity_code VARCHAR,
    commodity_description VARCHAR,
    country_code VARCHAR,
    country_name VARCHAR,
    market_year INTEGER,
    calendar_year INTEGER,
    month VARCHAR,
    attribute_id VARCHAR,
    attribute_description VARCHAR,
    unit_id VARCHAR,
    unit_description VARCHAR,
    value DOUBLE
  ),
  grain (commodity_code, country_code, market_year, attribute_id),
  description 'USDA PSD coffee rows of Brazil, Colombia and Vietnam, market years 2021-2022, as published'
);
