// Every limit in one place, each with its reason. Going past one is a MateriaError('limit', ...).

// A project bigger than this is almost surely a generator gone wrong; the DAG code is linear anyway.
export const modelsMax = 20_000

// A plan bigger than this almost surely comes from a bad model selector.
export const planStepsMax = 100_000

// A model file larger than this is not hand-written SQL.
export const modelFileBytesMax = 1_000_000

// Rows shown in a preview or a CLI pretty table; the full result is exported, never printed.
export const previewRowsMax = 1_000

// Workbench query results kept in memory for paging; each may hold millions of rows, so only the
// most recent few stay (older ones are re-run on demand).
export const queryResultsCachedMax = 8

// Rows in one page of the workbench grid; the browser renders them as an HTML table.
export const queryPageRowsMax = 500

// Query history entries kept in .materia/query-history.jsonl and read back; older ones are dropped.
export const queryHistoryEntriesMax = 2_000

// SQL text accepted by the workbench's query, diagnostics and completion endpoints.
export const querySqlBytesMax = 1_000_000

// Statements in one workbench query run (a script pasted into the editor).
export const queryStatementsMax = 1_000

// Request bodies the workbench server accepts (model files are capped lower by modelFileBytesMax).
export const workbenchRequestBytesMax = 2_000_000
