AUDIT (name assert_non_negative);
-- Quantities in the PSD balance are never negative; a negative one is a parsing error upstream.
SELECT *
FROM @this_model
WHERE @column < 0
