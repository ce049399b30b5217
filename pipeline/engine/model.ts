// Model: one SQL file under sql/models/<layer>/<name>.sql, a SQLMesh-style MODEL (...) header and
// one query. These types are the contract between the parser, the planner, the test runner, the
// audits, the linter and the workbench. Plain readonly data; functions live beside it.

export type ModelKind =
  | { readonly name: 'FULL' }
  | { readonly name: 'VIEW' }
  | {
      readonly name: 'SEED'
      readonly path: string // relative to the model file
      readonly batchSize?: number // rows per INSERT batch; absent = every row in one statement
      readonly csvSettings?: Readonly<Record<string, string | boolean>> // SQLMesh csv_settings, as given
      // allow_empty true: the file may hold no rows (the table is then built empty). Materia's own
      // opt-in; SQLMesh documents no such SEED property.
      readonly allowEmpty?: boolean
    }
  | {
      readonly name: 'INCREMENTAL_BY_TIME_RANGE'
      readonly timeColumn: string
      readonly batchSize: number | null // intervals per batch; null = all missing intervals at once
      readonly lookback: number // extra intervals re-evaluated before the first missing one
    }
  | { readonly name: 'INCREMENTAL_BY_UNIQUE_KEY'; readonly uniqueKey: readonly string[] }
  // Each run replaces the partitions (model.partitionedBy values) present in its output.
  | { readonly name: 'INCREMENTAL_BY_PARTITION' }
  // Each run appends its output; nothing is deleted.
  | { readonly name: 'INCREMENTAL_UNMANAGED' }
  // No table of its own: its query is inlined into the models that read it.
  | { readonly name: 'EMBEDDED' }
  // A table made outside the project, described in external_models.yaml; never built.
  | { readonly name: 'EXTERNAL' }
  | ScdKind

// SQLMesh's slowly changing dimension type 2: a history table with valid_from / valid_to columns.
// BY_TIME detects a change by a newer updated_at; BY_COLUMN by a changed value in `columns`.
export type ScdKind = {
  readonly uniqueKey: readonly string[]
  readonly validFromName: string
  readonly validToName: string
  readonly invalidateHardDeletes: boolean
} & (
  | {
      readonly name: 'SCD_TYPE_2_BY_TIME'
      readonly updatedAtName: string
      readonly updatedAtAsValidFrom: boolean
    }
  | {
      readonly name: 'SCD_TYPE_2_BY_COLUMN'
      readonly columns: readonly string[] | '*'
      readonly executionTimeAsValidFrom: boolean
    }
)

// An audit attached to a model, as written in the header: `not_null(columns := (a, b))`.
// Argument values are kept as SQL text (e.g. "(a, b)", "100", "'x'") for the audit renderer.
export interface AuditCall {
  readonly name: string // e.g. not_null, unique_values, accepted_range, or a custom audit's name
  readonly args: Readonly<Record<string, string>>
  readonly blocking: boolean // false for the *_non_blocking variants
}

// A declared output column from the header's `columns (a INT, b DECIMAL(10, 2))`.
export interface ModelColumn {
  readonly name: string // lower case
  readonly type: string // SQL type text as written, e.g. "DECIMAL(10, 2)"
}

export interface Model {
  readonly name: string // "schema.table", lower case
  readonly schema: string
  readonly table: string
  readonly kind: ModelKind
  readonly cron: string // '@daily', '@hourly', '@weekly', '@monthly' or a cron expression
  readonly start: string | null // ISO date; null = project model_defaults.start
  readonly grain: readonly string[]
  readonly audits: readonly AuditCall[]
  readonly description: string | null
  readonly owner: string | null
  readonly tags: readonly string[]
  readonly dependsOn: readonly string[] // explicit depends_on from the header, added to inferred ones
  readonly columns?: readonly ModelColumn[] // declared output columns; absent or empty = not declared
  readonly columnDescriptions?: Readonly<Record<string, string>>
  readonly partitionedBy?: readonly string[] // INCREMENTAL_BY_PARTITION's key; metadata for other kinds
  readonly references?: readonly string[] // SQLMesh `references`: join columns, metadata only
  readonly stamp?: string // a new version without another change (SQLMesh `stamp`)
  readonly dialect?: string // as written; the query must parse as DuckDB SQL
  // SQL statements (macros not yet rendered) run before and after the query in the same transaction,
  // and after the environment's views change (SQLMesh ON_VIRTUAL_UPDATE_BEGIN ... END).
  readonly preStatements?: readonly string[]
  readonly postStatements?: readonly string[]
  readonly onVirtualUpdate?: readonly string[]
  // The query reads the model's own table (by name or @this_model): set by the loader. Its first
  // build starts from an empty table with the declared columns.
  readonly readsItself?: boolean
  readonly query: string // the SQL after the header, macros not yet rendered
  readonly path: string // file path relative to the project root, for messages: "models/serving/x.sql"
  readonly queryLine: number // 1-based line in the file where the query starts (for error positions)
}
