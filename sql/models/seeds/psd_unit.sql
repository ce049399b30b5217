-- PSD unit lookup: the unit id as published (2 digits, zero-padded), USDA's description, a readable
-- name for reports and what kind of quantity it measures.
MODEL (
  name seeds.psd_unit,
  kind SEED (path '../../seeds/psd_unit.csv'),
  columns (unit_id VARCHAR, unit_description VARCHAR, unit_name VARCHAR, quantity_kind VARCHAR),
  grain (unit_id),
  audits (
    not_null(columns := (unit_id, unit_description, unit_name)),
    accepted_values(column := quantity_kind, is_in := ('volume', 'area', 'ratio'))
  ),
  description 'USDA PSD unit id to its published description, a readable name and the kind of quantity'
);
