-- PSD attribute lookup: each USDA attribute id gets a stable snake_case column name (used by the
-- pivot in cleaned) and its role in the balance sheet: supply (what comes in), use (what goes out),
-- stock (carried between market years) or other (areas, yields, rates, trade-year figures that are
-- not part of the market-year balance). Covers every attribute of the coffee file and the balance
-- sheet attributes shared by the grains and oilseeds files; an id missing here still flows through
-- staging, named after its description.
MODEL (
  name seeds.psd_attribute,
  kind SEED (path '../../seeds/psd_attribute.csv'),
  columns (attribute_id VARCHAR, attribute_name VARCHAR, attribute_description VARCHAR, attribute_role VARCHAR),
  grain (attribute_id),
  audits (
    not_null(columns := (attribute_id, attribute_name, attribute_role)),
    unique_values(columns := (attribute_name)),
    accepted_values(column := attribute_role, is_in := ('supply', 'use', 'stock', 'other'))
  ),
  description 'USDA PSD attribute id (3 digits, zero-padded) to a stable snake_case name and its balance-sheet role'
);
