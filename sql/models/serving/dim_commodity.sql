-- Commodities present in the data, named as USDA names them in the latest snapshot, with the unit
-- of their balance-sheet quantities.
MODEL (
  name serving.dim_commodity,
  kind FULL,
  cron '@daily',
  grain (commodity_code),
  audits (
    not_null(columns := (commodity_code, commodity_name)),
    accepted_values_non_blocking(column := unit_description, is_in := ('(1000 60 KG BAGS)', '(1000 MT)'))
  ),
  description 'Commodities: USDA code (7 digits, zero-padded), name and the unit of its balance-sheet quantities'
);

SELECT
  commodity_code, -- 7 digits, zero-padded
  ARG_MAX(commodity_name, ingest_date) AS commodity_name,
  -- e.g. (1000 60 KG BAGS) for coffee; NULL only for a commodity with no balance-sheet attribute
  ARG_MAX(unit_description, ingest_date) FILTER (WHERE unit_description IS NOT NULL) AS unit_description
FROM cleaned.cln_psdalldata__commodity_pivoted
GROUP BY commodity_code
