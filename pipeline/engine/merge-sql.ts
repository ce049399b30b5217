// The SQL that folds one run's output (already in a temporary table) into a model's table, per kind,
// as SQLMesh documents it for DuckDB (concepts/models/model_kinds):
//   INCREMENTAL_BY_UNIQUE_KEY  delete the rows whose key is in the new rows, insert the new rows
//   INCREMENTAL_BY_PARTITION   delete the partitions present in the new rows, insert the new rows
//   INCREMENTAL_UNMANAGED      insert the new rows
//   SCD_TYPE_2_BY_TIME         close the current row of a key whose updated_at moved on, insert the
//                              new version; keys gone from the source are closed at the execution time
//   SCD_TYPE_2_BY_COLUMN       the same, a change being any difference in the checked columns
// Pure: statements as text, run in order inside the build's transaction by apply.ts.
import { assert } from '../assert.ts'
import type { Model, ScdKind } from './model.ts'
import { quoteIdentifier, quoteLiteral } from './sql-quote.ts'

// SQLMesh's valid_from for rows loaded on a table's first build (model_kinds "SCD Type 2").
const epochStart = "TIMESTAMP '1970-01-01 00:00:00'"

function timestampLiteral(ms: number): string {
  return `TIMESTAMP ${quoteLiteral(new Date(ms).toISOString().replace('T', ' ').replace('Z', ''))}`
}

function keyMatch(keys: readonly string[], left: string, right: string): string {
  assert(keys.length > 0, 'a merge key has at least one column')
  return keys
    .map((key) => `${left}.${quoteIdentifier(key)} IS NOT DISTINCT FROM ${right}.${quoteIdentifier(key)}`)
    .join(' AND ')
}

export function isScdKind(kind: Model['kind']): kind is ScdKind {
  return kind.name === 'SCD_TYPE_2_BY_TIME' || kind.name === 'SCD_TYPE_2_BY_COLUMN'
}

// The first build of an SCD type 2 table: every row current, valid from 1970 (or its updated_at /
// the execution time when the model asks for that).
export function scdFirstSelect(kind: ScdKind, query: string, executionMs: number): string {
  const validFrom =
    kind.name === 'SCD_TYPE_2_BY_TIME'
      ? kind.updatedAtAsValidFrom
        ? `CAST(q.${quoteIdentifier(kind.updatedAtName)} AS TIMESTAMP)`
        : epochStart
      : kind.executionTimeAsValidFrom
        ? timestampLiteral(executionMs)
        : epochStart
  return `SELECT q.*, ${validFrom} AS ${quoteIdentifier(kind.validFromName)}, CAST(NULL AS TIMESTAMP) AS ${quoteIdentifier(kind.validToName)} FROM (${query}) AS q`
}

interface MergeInput {
  readonly model: Model
  readonly target: string // quoted qualified table
  readonly source: string // quoted temporary table holding the run's output
  readonly sourceColumns: readonly string[] // the run's output columns, lower case
  readonly executionMs: number
}

// The statements, in order; the last one inserts the new rows (its row count is the rows written).
export function mergeStatements(input: MergeInput): string[] {
  const { model, target, source } = input
  const insert = `INSERT INTO ${target} BY NAME SELECT * FROM ${source}`
  switch (model.kind.name) {
    case 'INCREMENTAL_BY_UNIQUE_KEY':
      return [
        `DELETE FROM ${target} USING ${source} WHERE ${keyMatch(model.kind.uniqueKey, target, source)}`,
        insert,
      ]
    case 'INCREMENTAL_BY_PARTITION': {
      const keys = model.partitionedBy ?? []
      return [`DELETE FROM ${target} USING ${source} WHERE ${keyMatch(keys, target, source)}`, insert]
    }
    case 'INCREMENTAL_UNMANAGED':
      return [insert]
    case 'SCD_TYPE_2_BY_TIME':
    case 'SCD_TYPE_2_BY_COLUMN':
      return scdStatements(model.kind, input)
    default:
      throw new Error(`assertion failed: kind ${model.kind.name} merges`)
  }
}

function scdStatements(kind: ScdKind, input: MergeInput): string[] {
  const { target, source, executionMs } = input
  const from = quoteIdentifier(kind.validFromName)
  const to = quoteIdentifier(kind.validToName)
  const now = timestampLiteral(executionMs)
  const match = (left: string, right: string) => keyMatch(kind.uniqueKey, left, right)
  // The rows of the target still valid, and for each key the end of its last closed row.
  const current = `(SELECT * FROM ${target} WHERE ${to} IS NULL)`
  const keyColumns = kind.uniqueKey.map(quoteIdentifier).join(', ')
  const lastClosed = `(SELECT ${keyColumns}, max(${to}) AS last_to FROM ${target} WHERE ${to} IS NOT NULL GROUP BY ${keyColumns})`
  let changed: string // a current row c and a source row s differ
  let newFrom: string // valid_from of a new version of an existing key
  let addedFrom: string // valid_from of a key without a current row (new, or back after a delete)
  let closeAt: string // valid_to of a current row replaced by s
  if (kind.name === 'SCD_TYPE_2_BY_TIME') {
    const updated = quoteIdentifier(kind.updatedAtName)
    changed = `CAST(s.${updated} AS TIMESTAMP) > CAST(c.${updated} AS TIMESTAMP)`
    newFrom = `CAST(s.${updated} AS TIMESTAMP)`
    addedFrom = `greatest(CAST(s.${updated} AS TIMESTAMP), coalesce(l.last_to, CAST(s.${updated} AS TIMESTAMP)))`
    closeAt = `CAST(s.${updated} AS TIMESTAMP)`
  } else {
    const checked =
      kind.columns === '*'
        ? input.sourceColumns.filter((column) => !kind.uniqueKey.includes(column))
        : kind.columns
    changed = checked
      .map((column) => `s.${quoteIdentifier(column)} IS DISTINCT FROM c.${quoteIdentifier(column)}`)
      .join(' OR ')
    if (changed === '') changed = 'false'
    newFrom = now
    addedFrom = now
    closeAt = now
  }
  const versions = `CREATE OR REPLACE TEMP TABLE materia_scd_versions AS
SELECT s.*, CASE WHEN c.${from} IS NULL THEN ${addedFrom} ELSE ${newFrom} END AS ${from}, CAST(NULL AS TIMESTAMP) AS ${to}
FROM ${source} AS s
LEFT JOIN ${current} AS c ON ${match('s', 'c')}
LEFT JOIN ${lastClosed} AS l ON ${match('s', 'l')}
WHERE c.${from} IS NULL OR (${changed})`
  const close = `UPDATE ${target} AS c SET ${to} = ${closeAt}
FROM ${source} AS s
WHERE ${match('c', 's')} AND c.${to} IS NULL AND (${changed})`
  const statements = [versions, close]
  if (kind.invalidateHardDeletes) {
    statements.push(
      `UPDATE ${target} AS c SET ${to} = ${now} WHERE c.${to} IS NULL AND NOT EXISTS (SELECT 1 FROM ${source} AS s WHERE ${match('s', 'c')})`,
    )
  }
  statements.push(`INSERT INTO ${target} BY NAME SELECT * FROM materia_scd_versions`)
  return statements
}
