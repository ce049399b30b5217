// Table diff: how two versions of a table differ, by schema and by rows joined on a key. Used by
// `materia table-diff SOURCE:TARGET MODEL` and the workbench's dev-vs-prod page. DuckDB does the
// set-based work (one FULL OUTER JOIN for the counts, one for the sample); nothing is copied out
// except the counts and a bounded sample.
import type { DuckDBConnection } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { tableDiffSampleRowsMax } from '../limits.ts'
import { describeQueryError } from './read-error.ts'
import { quoteIdentifier } from './sql-quote.ts'

export interface ColumnType {
  readonly column: string
  readonly type: string
}

export interface SchemaDiff {
  readonly added: readonly ColumnType[] // in target only
  readonly removed: readonly ColumnType[] // in source only
  readonly changed: readonly {
    readonly column: string
    readonly sourceType: string
    readonly targetType: string
  }[]
}

interface ColumnMatch {
  readonly column: string
  readonly matchPct: number // among rows whose key is in both tables; 100 when there are none
}

export type RowDifference =
  | { readonly kind: 'only_in_source'; readonly row: Record<string, unknown> }
  | { readonly kind: 'only_in_target'; readonly row: Record<string, unknown> }
  | {
      readonly kind: 'changed'
      readonly key: Record<string, unknown>
      readonly columns: readonly {
        readonly column: string
        readonly source: unknown
        readonly target: unknown
      }[]
    }

export interface TableDiff {
  readonly source: string
  readonly target: string
  readonly on: readonly string[]
  readonly schema: SchemaDiff
  readonly sourceRows: number
  readonly targetRows: number
  readonly onlyInSource: number
  readonly onlyInTarget: number
  readonly matched: number // keys present in both
  readonly changed: number // matched keys with at least one compared column different
  readonly columns: readonly ColumnMatch[] // compared columns: in both tables, not part of the key
  readonly sample: readonly RowDifference[]
}

async function describeRelation(connection: DuckDBConnection, relation: string): Promise<ColumnType[]> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)
    return reader
      .getRowObjectsJson()
      .map((row) => ({ column: String(row.column_name), type: String(row.column_type) }))
  } catch (error) {
    throw new MateriaError(
      'query',
      `table diff: cannot read ${relation}: ${await describeQueryError(connection, error)}`,
      {
        cause: error,
      },
    )
  }
}

function diffSchemas(source: readonly ColumnType[], target: readonly ColumnType[]): SchemaDiff {
  const sourceTypes = new Map(source.map((c) => [c.column, c.type]))
  const targetTypes = new Map(target.map((c) => [c.column, c.type]))
  return {
    added: target.filter((c) => !sourceTypes.has(c.column)),
    removed: source.filter((c) => !targetTypes.has(c.column)),
    changed: source
      .filter((c) => targetTypes.has(c.column) && targetTypes.get(c.column) !== c.type)
      .map((c) => ({ column: c.column, sourceType: c.type, targetType: targetTypes.get(c.column)! })),
  }
}

export async function tableDiff(
  connection: DuckDBConnection,
  options: { source: string; target: string; on: readonly string[] },
): Promise<TableDiff> {
  const { source, target, on } = options
  if (on.length === 0)
    throw new MateriaError(
      'usage',
      'table diff: no key columns; pass --on col[,col] or give the model a grain',
    )
  const sourceColumns = await describeRelation(connection, source)
  const targetColumns = await describeRelation(connection, target)
  const schema = diffSchemas(sourceColumns, targetColumns)
  for (const key of on) {
    const side = !sourceColumns.some((c) => c.column === key)
      ? source
      : !targetColumns.some((c) => c.column === key)
        ? target
        : null
    if (side !== null)
      throw new MateriaError(
        'usage',
        `table diff: key column "${key}" is not in ${side}; pass --on with columns both tables have`,
      )
  }
  const targetNames = new Set(targetColumns.map((c) => c.column))
  const compared = sourceColumns.map((c) => c.column).filter((c) => targetNames.has(c) && !on.includes(c))
  const changedTypes = new Set(schema.changed.map((c) => c.column))
  const sql = joinSql(source, target, on, compared, changedTypes)
  // One pass of the join keeps only the differing rows (few, usually) in a temporary table; the
  // counts and the sample are read from it, and matched rows are the source's rows less those
  // only in the source.
  diffTablesMade += 1
  const differences = `__materia_table_diff_${process.pid}_${diffTablesMade}`
  await connection.run(
    `CREATE TEMP TABLE ${differences} AS SELECT * FROM (${sql}) WHERE ${differsSql(compared)}`,
  )
  let counts: number[]
  let sample: RowDifference[]
  try {
    const row = (
      await connection.runAndReadAll(countsSql(source, target, differences, compared))
    ).getRowsJS()[0]
    assert(row !== undefined, 'a counts query returns one row')
    counts = row.map(Number)
    sample = await sampleDifferences(connection, differences, on, compared)
  } finally {
    await connection.run(`DROP TABLE IF EXISTS ${differences}`)
  }
  const [sourceRows = 0, targetRows = 0, onlyInSource = 0, onlyInTarget = 0, changed = 0, ...columnDiffers] =
    counts
  const matched = sourceRows - onlyInSource
  const columns = compared.map((column, i) => ({
    column,
    matchPct: matched === 0 ? 100 : (100 * (matched - (columnDiffers[i] ?? 0))) / matched,
  }))
  return {
    source,
    target,
    on,
    schema,
    sourceRows,
    targetRows,
    onlyInSource,
    onlyInTarget,
    matched,
    changed,
    columns,
    sample,
  }
}

// The FULL OUTER JOIN both queries read: s_<i>/t_<i> for the key, sv_<i>/tv_<i> for compared columns,
// eq_<i> whether compared column i is equal (NULLs equal), and in_s/in_t for presence. Columns whose
// type changed are compared as text so that 1 and 1.0 still differ only when their text does.
function joinSql(
  source: string,
  target: string,
  on: readonly string[],
  compared: readonly string[],
  asText: Set<string>,
): string {
  const value = (side: string, column: string) =>
    asText.has(column)
      ? `CAST(${side}.${quoteIdentifier(column)} AS VARCHAR)`
      : `${side}.${quoteIdentifier(column)}`
  const select = [
    's.__in IS NOT NULL AS in_s',
    't.__in IS NOT NULL AS in_t',
    ...on.flatMap((k, i) => [`s.${quoteIdentifier(k)} AS s_${i}`, `t.${quoteIdentifier(k)} AS t_${i}`]),
    ...compared.flatMap((c, i) => [
      `${value('s', c)} AS sv_${i}`,
      `${value('t', c)} AS tv_${i}`,
      `${value('s', c)} IS NOT DISTINCT FROM ${value('t', c)} AS eq_${i}`,
    ]),
  ]
  const condition = on
    .map((k) => `s.${quoteIdentifier(k)} IS NOT DISTINCT FROM t.${quoteIdentifier(k)}`)
    .join(' AND ')
  return `SELECT ${select.join(', ')} FROM (SELECT *, true AS __in FROM ${source}) AS s FULL OUTER JOIN (SELECT *, true AS __in FROM ${target}) AS t ON ${condition}`
}

let diffTablesMade = 0

function differsSql(compared: readonly string[]): string {
  const allEqual = compared.length === 0 ? 'true' : compared.map((_, i) => `eq_${i}`).join(' AND ')
  return `NOT (in_s AND in_t) OR NOT (${allEqual})`
}

function countsSql(source: string, target: string, differences: string, compared: readonly string[]): string {
  const columns = [
    `(SELECT count(*) FROM ${source})`,
    `(SELECT count(*) FROM ${target})`,
    `(SELECT count(*) FILTER (WHERE in_s AND NOT in_t) FROM ${differences})`,
    `(SELECT count(*) FILTER (WHERE in_t AND NOT in_s) FROM ${differences})`,
    `(SELECT count(*) FILTER (WHERE in_s AND in_t) FROM ${differences})`,
    ...compared.map(
      (_, i) => `(SELECT count(*) FILTER (WHERE in_s AND in_t AND NOT eq_${i}) FROM ${differences})`,
    ),
  ]
  return `SELECT ${columns.join(', ')}`
}

async function sampleDifferences(
  connection: DuckDBConnection,
  differences: string,
  on: readonly string[],
  compared: readonly string[],
): Promise<RowDifference[]> {
  const order = on.map((_, i) => `coalesce(s_${i}, t_${i})`).join(', ')
  const sql = `SELECT * FROM ${differences} ORDER BY ${order} LIMIT ${tableDiffSampleRowsMax}`
  const rows = (await connection.runAndReadAll(sql)).getRowObjectsJson()
  return rows.map((row) => {
    const side = (prefix: 's' | 't') => Object.fromEntries(on.map((k, i) => [k, row[`${prefix}_${i}`]]))
    const values = (prefix: 'sv' | 'tv') =>
      Object.fromEntries(compared.map((c, i) => [c, row[`${prefix}_${i}`]]))
    if (row.in_s !== true) return { kind: 'only_in_target', row: { ...side('t'), ...values('tv') } }
    if (row.in_t !== true) return { kind: 'only_in_source', row: { ...side('s'), ...values('sv') } }
    const columns = compared
      .map((column, i) => ({
        column,
        source: row[`sv_${i}`],
        target: row[`tv_${i}`],
        equal: row[`eq_${i}`] === true,
      }))
      .filter((c) => !c.equal)
      .map(({ column, source, target }) => ({ column, source, target }))
    return { kind: 'changed', key: side('s'), columns }
  })
}
