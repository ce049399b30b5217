-- The PSD balance identity: total supply (beginning stocks + production + imports) equals total
-- distribution (domestic consumption + exports + ending stocks). USDA rounds every figure to whole
-- units of the published unit, so a gap up to `tolerance` (in that unit; the models pass 1) is
-- rounding; beyond it the row is reported. Attach it non-blocking
-- (`balance_identity_non_blocking(tolerance := 1)`): USDA data has known exceptions, and an analyst
-- should see them, not lose the snapshot.
AUDIT (name balance_identity);

-- Every column of the audited row (its key differs between models), then the gap.
SELECT
  *,
  total_supply - total_distribution AS balance_gap
FROM @this_model
WHERE ABS(total_supply - total_distribution) > @tolerance
