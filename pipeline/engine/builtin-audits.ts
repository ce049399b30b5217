// The built-in audits, with SQLMesh's names and arguments. Each renders to a query returning the bad
// rows of `relation`; an audit passes when that query returns none. Arguments arrive as SQL text
// from the MODEL header (`columns := (a, b)`, `is_in := ('x', 'y')`, `min_v := 0`).

import { columnName, splitSqlList } from './sql-list.ts'
import { quoteIdentifier } from './sql-quote.ts'

type BuiltinAuditSql =
  | { readonly ok: true; readonly sql: string; readonly columns: readonly string[] }
  | { readonly ok: false; readonly problem: string }

type Args = Readonly<Record<string, string>>
type Template = (args: Args, relation: string) => BuiltinAuditSql

function columnsArg(args: Args, name: string): string[] | string {
  const text = args[name]
  if (text === undefined || text.trim() === '') return `needs ${name} := (col, ...)`
  return splitSqlList(text).map(columnName)
}

function requireArg(args: Args, name: string, example: string): string | { problem: string } {
  const text = args[name]
  if (text === undefined || text.trim() === '') return { problem: `needs ${name} := ${example}` }
  return text.trim()
}

const notNull: Template = (args, relation) => {
  const columns = columnsArg(args, 'columns')
  if (typeof columns === 'string') return { ok: false, problem: columns }
  const condition = columns.map((c) => `${quoteIdentifier(c)} IS NULL`).join(' OR ')
  return { ok: true, sql: `SELECT * FROM ${relation} WHERE ${condition}`, columns }
}

// Each listed column must be unique on its own (SQLMesh's unique_values): every row sharing a value
// of any listed column with another row is a bad row.
const uniqueValues: Template = (args, relation) => {
  const columns = columnsArg(args, 'columns')
  if (typeof columns === 'string') return { ok: false, problem: columns }
  const counts = columns.map((c) => `count(*) OVER (PARTITION BY ${quoteIdentifier(c)}) > 1`).join(' OR ')
  return { ok: true, sql: `SELECT * FROM ${relation} QUALIFY ${counts}`, columns }
}

// The listed columns together must be unique: every row sharing its combination is a bad row.
const uniqueCombination: Template = (args, relation) => {
  const columns = columnsArg(args, 'columns')
  if (typeof columns === 'string') return { ok: false, problem: columns }
  const partition = columns.map(quoteIdentifier).join(', ')
  return {
    ok: true,
    sql: `SELECT * FROM ${relation} QUALIFY count(*) OVER (PARTITION BY ${partition}) > 1`,
    columns,
  }
}

// NULLs are accepted, as in SQLMesh: not_null says whether they may occur.
const acceptedValues: Template = (args, relation) => {
  const column = requireArg(args, 'column', 'col')
  if (typeof column !== 'string') return { ok: false, ...column }
  const values = requireArg(args, 'is_in', "('a', 'b')")
  if (typeof values !== 'string') return { ok: false, ...values }
  const name = columnName(column)
  const list = splitSqlList(values).join(', ')
  return {
    ok: true,
    sql: `SELECT * FROM ${relation} WHERE ${quoteIdentifier(name)} NOT IN (${list})`,
    columns: [name],
  }
}

// Bounds are inclusive unless `inclusive := false`; either bound may be left out.
const acceptedRange: Template = (args, relation) => {
  const column = requireArg(args, 'column', 'col')
  if (typeof column !== 'string') return { ok: false, ...column }
  const name = columnName(column)
  const min = args.min_v?.trim()
  const max = args.max_v?.trim()
  if (min === undefined && max === undefined)
    return { ok: false, problem: 'needs min_v := x, max_v := y or both' }
  const inclusive = (args.inclusive ?? 'true').trim().toLowerCase() !== 'false'
  const quoted = quoteIdentifier(name)
  const conditions = [
    ...(min === undefined ? [] : [`${quoted} ${inclusive ? '<' : '<='} ${min}`]),
    ...(max === undefined ? [] : [`${quoted} ${inclusive ? '>' : '>='} ${max}`]),
  ]
  return { ok: true, sql: `SELECT * FROM ${relation} WHERE ${conditions.join(' OR ')}`, columns: [name] }
}

// One bad row when the model has fewer than `threshold` rows; counting stops at the threshold.
const numberOfRows: Template = (args, relation) => {
  const threshold = requireArg(args, 'threshold', 'n')
  if (typeof threshold !== 'string') return { ok: false, ...threshold }
  if (!/^\d+$/.test(threshold))
    return { ok: false, problem: `threshold must be a whole number, got ${threshold}` }
  const sql = `SELECT count(*) AS row_count, ${threshold} AS threshold FROM (SELECT 1 FROM ${relation} LIMIT ${threshold}) HAVING count(*) < ${threshold}`
  return { ok: true, sql, columns: [] }
}

// Every row must meet every criterion; a row where one is false is bad (NULL counts as unknown, not
// false, as in SQLMesh).
const forall: Template = (args, relation) => {
  const criteria = requireArg(args, 'criteria', '(a > 0, b IS NOT NULL)')
  if (typeof criteria !== 'string') return { ok: false, ...criteria }
  const items = splitSqlList(criteria)
  if (items.length === 0) return { ok: false, problem: 'needs at least one criterion' }
  const condition = items.map((item) => `(${item})`).join(' AND ')
  return { ok: true, sql: `SELECT * FROM ${relation} WHERE NOT (${condition})`, columns: [] }
}

const templates: Readonly<Record<string, Template>> = {
  not_null: notNull,
  unique_values: uniqueValues,
  unique_combination_of_columns: uniqueCombination,
  accepted_values: acceptedValues,
  accepted_range: acceptedRange,
  number_of_rows: numberOfRows,
  forall,
}

export const builtinAuditNames: readonly string[] = Object.keys(templates)

// The base name of an audit call: "not_null_non_blocking" -> "not_null".
export function auditBaseName(name: string): string {
  return name.endsWith('_non_blocking') ? name.slice(0, -'_non_blocking'.length) : name
}

export function builtinAuditSql(name: string, args: Args, relation: string): BuiltinAuditSql | null {
  const template = templates[auditBaseName(name)]
  return template === undefined ? null : template(args, relation)
}
