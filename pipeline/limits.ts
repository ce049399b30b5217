// Every limit in one place, each with its reason. Going past one is a MateriaError('limit', ...).

// A project bigger than this is almost surely a generator gone wrong; the DAG code is linear anyway.
export const modelsMax = 20_000

// A plan bigger than this almost surely comes from a bad model selector.
export const planStepsMax = 100_000

// A model file larger than this is not hand-written SQL.
export const modelFileBytesMax = 1_000_000

// Rows shown in a preview or a CLI pretty table; the full result is exported, never printed.
export const previewRowsMax = 1_000

// Bad rows printed by a failing audit and kept in its outcome: enough to see the pattern, short
// enough for one terminal screen.
export const auditSampleRowsMax = 5

// Differences sampled by a table diff; the counts cover every row, the sample only illustrates them.
export const tableDiffSampleRowsMax = 20

// Rows in one unit-test fixture or expected output: unit tests pin logic with a few rows, and larger
// data belongs in a model run, not in YAML.
export const testRowsMax = 10_000

// Test files in sql/tests/, and audit files in sql/audits/: a bound on the loops that read them.
export const testFilesMax = 5_000

// Relative tolerance when a unit test compares numbers: DOUBLE sums depend on evaluation order.
export const testNumericTolerance = 1e-9

// Models built at once during apply. DuckDB already spreads one query over every core; two builds
// overlap one model's tail with the next one's start without thrashing a two-core laptop.
export const applyConcurrencyMax = 2

// A dev environment nobody planned for this long is dropped by the janitor (SQLMesh's default too).
export const environmentTtlMs = 7 * 24 * 3_600_000

// Physical tables no environment shows are kept this long, so a rollback can still reuse them.
export const tableTtlMs = 7 * 24 * 3_600_000

// Batches of one model in one plan: three years of hourly batches is past any sensible batch_size.
export const batchesMax = 30_000
