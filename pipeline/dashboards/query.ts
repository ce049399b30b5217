// Runs a page's named queries at build time. `${other}` in a query is replaced by the other query
// as a subquery (as in Evidence). Results come back as columns, the shape the page embeds.
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api'
import { guardReadOnlyQuery } from '../engine/index.ts'
import { dashboardQueryRowsMax } from '../limits.ts'
import type { Cell } from './format.ts'
import type { PageIssue, Query } from './page.ts'

export interface QueryResult {
  readonly columns: readonly string[]
  readonly types: readonly string[]
  readonly values: readonly (readonly Cell[])[] // values[column][row]
  readonly rowCount: number
}

// Runs SQL that names models; the caller resolves model names for the page's environment.
export type QueryRunner = (sql: string) => Promise<QueryResult>

const referencePattern = /\$\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}/g

/** Expands `${name}` references; returns the SQL or an issue (missing query, cycle). */
export function expandQuery(
  query: Query,
  byName: ReadonlyMap<string, Query>,
  trail: readonly string[] = [],
): string | PageIssue {
  if (trail.includes(query.name)) {
    return {
      line: query.line,
      message: `queries reference each other in a cycle: ${[...trail, query.name].join(' -> ')}`,
    }
  }
  let failure: PageIssue | null = null
  const sql = query.sql.replace(referencePattern, (_whole, name: string) => {
    const target = byName.get(name)
    if (target === undefined) {
      failure ??= {
        line: query.line,
        message: `query "${query.name}" references \${${name}}, which no sql block defines`,
      }
      return ''
    }
    const expanded = expandQuery(target, byName, [...trail, query.name])
    if (typeof expanded !== 'string') {
      failure ??= expanded
      return ''
    }
    return `(${expanded})`
  })
  return failure ?? sql
}

// `${params.country}` (templated pages) and `${inputs.year.value}` (input components). Values are
// pasted into the SQL as text, so a page writes the quotes: WHERE country = '${params.country}'.
const paramPattern = /\$\{\s*(?:\$page\.)?params\.([A-Za-z_]\w*)\s*\}/g
const inputPattern = /\$\{\s*inputs\.([A-Za-z_]\w*)\.(value|start|end)\s*\}/g

/** The text of a value inside a SQL string literal: quotes doubled, as SQL escapes them. */
export function sqlText(value: string): string {
  return value.replaceAll("'", "''")
}

/** The `name.field` keys of the inputs a query's SQL reads, sorted. */
export function inputKeysOf(sql: string): string[] {
  return [...new Set([...sql.matchAll(inputPattern)].map((match) => `${match[1]}.${match[2]}`))].sort()
}

/** Pastes the given inputs' values; markers of inputs not given (TextInputs) stay as written. */
export function substituteInputs(sql: string, values: ReadonlyMap<string, string>): string {
  return sql.replace(inputPattern, (whole, name: string, field: string) => {
    const value = values.get(`${name}.${field}`)
    return value === undefined ? whole : sqlText(value)
  })
}

function substituteParams(
  query: Query,
  sql: string,
  params: Readonly<Record<string, string>>,
): string | PageIssue {
  let missing: string | null = null
  const replaced = sql.replace(paramPattern, (_whole, name: string) => {
    const value = params[name]
    if (value === undefined) {
      missing ??= name
      return ''
    }
    return sqlText(value)
  })
  if (missing !== null) {
    const known = Object.keys(params)
    const hint =
      known.length === 0 ? 'this page is not templated (name it [param].md)' : `params: ${known.join(', ')}`
    return {
      line: query.line,
      message: `query "${query.name}" reads \${params.${missing}}, which this page has not; ${hint}`,
    }
  }
  return replaced
}

/** A query whose SQL reads inputs: it runs once per combination of their values. */
export interface InputQuery {
  readonly query: Query
  readonly sql: string
  readonly inputKeys: readonly string[]
}

export async function runQueries(
  queries: readonly Query[],
  run: QueryRunner,
  params: Readonly<Record<string, string>> = {},
  skip: ReadonlySet<string> = new Set(),
): Promise<{ results: Map<string, QueryResult>; issues: PageIssue[]; inputQueries: InputQuery[] }> {
  const byName = new Map(queries.map((query) => [query.name, query]))
  const results = new Map<string, QueryResult>()
  const issues: PageIssue[] = []
  const inputQueries: InputQuery[] = []
  for (const query of queries) {
    if (skip.has(query.name)) continue
    const expanded = expandQuery(query, byName)
    const sql = typeof expanded === 'string' ? substituteParams(query, expanded, params) : expanded
    if (typeof sql !== 'string') {
      issues.push(sql)
      continue
    }
    const inputKeys = inputKeysOf(sql)
    if (inputKeys.length > 0) {
      inputQueries.push({ query, sql, inputKeys })
      continue
    }
    const outcome = await runOne(query, sql, run)
    if ('message' in outcome) issues.push(outcome)
    else results.set(query.name, outcome)
  }
  return { results, issues, inputQueries }
}

export async function runOne(query: Query, sql: string, run: QueryRunner): Promise<QueryResult | PageIssue> {
  try {
    const result = await run(sql)
    if (result.rowCount > dashboardQueryRowsMax) {
      return {
        line: query.line,
        message: `query "${query.name}" returned ${result.rowCount} rows, over dashboardQueryRowsMax (${dashboardQueryRowsMax}); aggregate or filter it`,
      }
    }
    return result
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]!.replace(/\.$/, '')
    return { line: query.line, message: `query "${query.name}" failed: ${reason}; fix the SQL block` }
  }
}

/** A QueryRunner over one DuckDB connection; `resolve` maps model names to the environment. */
export function connectionRunner(
  connection: DuckDBConnection,
  resolve: (sql: string) => string | Promise<string>,
): QueryRunner {
  return async (sql) => {
    const trimmed = (text: string) => text.trim().replace(/;+\s*$/, '')
    const resolved = trimmed(await resolve(trimmed(sql)))
    // Dashboards only read: one SELECT, nothing chained after it (query-guard.ts).
    await guardReadOnlyQuery(resolved)
    // The LIMIT guards page weight: one row past the limit is enough to report it.
    const reader = await connection.runAndReadAll(
      `SELECT * FROM (${resolved}\n) AS page_query LIMIT ${dashboardQueryRowsMax + 1}`,
    )
    const names = reader.columnNames()
    // With no rows DuckDB returns no column arrays at all; embed one empty array per column.
    const columns = reader.currentRowCount === 0 ? names.map(() => []) : reader.getColumns()
    return {
      columns: names,
      types: reader.columnTypes().map((type) => type.toString()),
      values: columns.map((column) => column.map(toCell)),
      rowCount: reader.currentRowCount,
    }
  }
}

function toCell(value: DuckDBValue): Cell {
  if (
    value === null ||
    typeof value === 'number' ||
    typeof value === 'string' ||
    typeof value === 'boolean'
  ) {
    return value
  }
  if (typeof value === 'bigint') return Number(value)
  // Dates, decimals, timestamps and the rest: decimals as numbers, anything else as its text.
  const text = String(value)
  if (value.constructor?.name === 'DuckDBDecimalValue') return Number(text)
  return text
}
