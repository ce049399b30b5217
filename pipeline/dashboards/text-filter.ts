// A TextInput read in SQL: `WHERE country_name ILIKE '%${inputs.search.value}%'`. Free text has no
// finite set of values to run the query for at build time, and a static page has no database at
// view time. So the filter moves to the browser: the build reads the query with DuckDB's parser
// (the engine's parseTree), takes each top-level WHERE condition that reads a TextInput out of the
// SQL (it becomes TRUE), runs the rest, and embeds the rows with the conditions; the page script
// applies them to the rows as the reader types, with SQL's own meaning (LIKE's % and _, ILIKE
// ignoring case, NULL never matching).
//
// Filtering the result rows equals filtering in the WHERE clause only when each result row is one
// source row: the query may not group, aggregate, use DISTINCT, LIMIT, QUALIFY, a window or a set
// operation. A query that needs those filters in a query of its own: `SELECT * FROM ${base} WHERE …`.
import { parseTree } from '../engine/index.ts'
import type { Cell } from './format.ts'
import type { QueryResult } from './query.ts'

export type TextFilterOperator = 'like' | 'ilike' | 'not like' | 'not ilike' | '=' | '<>'

export interface TextFilter {
  readonly column: string // a column of the query's result
  readonly operator: TextFilterOperator
  readonly template: string // the SQL string literal's value, with ${inputs.x.value} in it
}

const operatorOf: Readonly<Record<string, TextFilterOperator>> = {
  '~~': 'like',
  '~~*': 'ilike',
  '!~~': 'not like',
  '!~~*': 'not ilike',
  COMPARE_EQUAL: '=',
  COMPARE_NOTEQUAL: '<>',
}

// Functions that fold rows together; a query calling one in its select list is not row for row.
const aggregateFunctions = new Set([
  'any_value',
  'approx_count_distinct',
  'approx_quantile',
  'arbitrary',
  'arg_max',
  'arg_min',
  'argmax',
  'argmin',
  'array_agg',
  'avg',
  'bool_and',
  'bool_or',
  'count',
  'count_star',
  'first',
  'fsum',
  'histogram',
  'last',
  'list',
  'max',
  'max_by',
  'mean',
  'median',
  'min',
  'min_by',
  'mode',
  'product',
  'quantile',
  'quantile_cont',
  'quantile_disc',
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'string_agg',
  'sum',
  'var_pop',
  'var_samp',
  'variance',
])

const markerPattern = /\$\{\s*inputs\.([A-Za-z_]\w*)\.(value|start|end)\s*\}/g

type Tree = Record<string, unknown>

function children(node: unknown): unknown[] {
  if (Array.isArray(node)) return node
  if (node !== null && typeof node === 'object') return Object.values(node)
  return []
}

function someNode(node: unknown, test: (tree: Tree) => boolean): boolean {
  if (node !== null && typeof node === 'object' && !Array.isArray(node) && test(node as Tree)) return true
  return children(node).some((child) => someNode(child, test))
}

function readsTextInput(node: unknown, names: ReadonlySet<string>): boolean {
  return someNode(node, (tree) => {
    if (tree.class !== 'CONSTANT') return false
    const value = (tree.value as { value?: unknown } | undefined)?.value
    return (
      typeof value === 'string' && [...value.matchAll(markerPattern)].some((match) => names.has(match[1]!))
    )
  })
}

/** Why the query's rows are not one per source row, or null when they are. */
function rowForRowProblem(node: Tree): string | null {
  if (node.type !== 'SELECT_NODE') return 'it combines queries (UNION, INTERSECT, EXCEPT)'
  if (children(node.group_expressions).length > 0 || children(node.group_sets).length > 0)
    return 'it has GROUP BY'
  if (node.having !== undefined) return 'it has HAVING'
  if (node.qualify !== undefined) return 'it has QUALIFY'
  for (const modifier of children(node.modifiers) as Tree[]) {
    if (modifier.type !== 'ORDER_MODIFIER') return `it has ${String(modifier.type).replace('_MODIFIER', '')}`
  }
  const folds = someNode(
    node.select_list,
    (tree) =>
      tree.class === 'WINDOW' ||
      (tree.class === 'FUNCTION' && aggregateFunctions.has(String(tree.function_name).toLowerCase())),
  )
  return folds ? 'its select list aggregates or uses a window' : null
}

/** Byte offset just past the SQL string literal that starts at `start`, or null if none starts there. */
function literalEnd(bytes: Buffer, start: number): number | null {
  const quote = 0x27
  if (bytes[start] !== quote) return null
  for (let at = start + 1; at < bytes.length; at++) {
    if (bytes[at] !== quote) continue
    if (bytes[at + 1] === quote) {
      at++
      continue
    }
    return at + 1
  }
  return null
}

/**
 * The query with each top-level WHERE condition that reads one of `textInputs` replaced by TRUE,
 * and those conditions; or a message saying why the query cannot be filtered in the browser.
 */
export async function relaxTextFilters(
  sql: string,
  textInputs: ReadonlySet<string>,
): Promise<{ sql: string; filters: TextFilter[] } | string> {
  const usage =
    // biome-ignore lint/suspicious/noTemplateCurlyInString: the page syntax, shown to the author
    "a TextInput is read in a top-level WHERE condition such as column ILIKE '%${inputs.name.value}%' (LIKE, ILIKE, NOT LIKE, NOT ILIKE, = or <> a string)"
  const tree = await parseTree(sql)
  if (tree === null) return `DuckDB cannot parse the query; ${usage}`
  if (!readsTextInput(tree, textInputs)) return usage
  const problem = rowForRowProblem(tree)
  if (problem !== null) {
    return `a TextInput filters the rows in the browser, so its query must keep one row per source row, but ${problem}; filter in a query of its own: SELECT * FROM \${this_query} WHERE …`
  }
  const where = tree.where_clause as Tree | undefined
  if (where === undefined || !readsTextInput(where, textInputs)) return usage
  const conditions = where.type === 'CONJUNCTION_AND' ? (children(where.children) as Tree[]) : [where]
  const bytes = Buffer.from(sql, 'utf8')
  const spans: Array<[number, number]> = []
  const filters: TextFilter[] = []
  for (const condition of conditions) {
    if (!readsTextInput(condition, textInputs)) continue
    const operator =
      operatorOf[String(condition.class === 'FUNCTION' ? condition.function_name : condition.type)]
    const [left, right] = (
      condition.class === 'FUNCTION' ? children(condition.children) : [condition.left, condition.right]
    ) as [Tree | undefined, Tree | undefined]
    const template = (right?.value as { value?: unknown } | undefined)?.value
    if (
      operator === undefined ||
      left?.class !== 'COLUMN_REF' ||
      right?.class !== 'CONSTANT' ||
      typeof template !== 'string'
    ) {
      return usage
    }
    const start = Number(left.query_location)
    const end = literalEnd(bytes, Number(right.query_location))
    if (!Number.isInteger(start) || end === null) return usage
    spans.push([start, end])
    filters.push({ column: (left.column_names as string[]).at(-1)!, operator, template })
  }
  let relaxed = bytes
  for (const [start, end] of spans.sort((left, right) => right[0] - left[0])) {
    relaxed = Buffer.concat([relaxed.subarray(0, start), Buffer.from('TRUE'), relaxed.subarray(end)])
  }
  const text = relaxed.toString('utf8')
  if ([...text.matchAll(markerPattern)].some((match) => textInputs.has(match[1]!))) return usage
  return { sql: text, filters }
}

// The same matching as the page script (client/dashboards.js), for the rows a page shows before
// its script runs. LIKE: % is any run of characters, _ any one; no escape character (DuckDB's default).
function likeExpression(pattern: string, ignoreCase: boolean): RegExp {
  const source = [...pattern]
    .map((character) =>
      character === '%' ? '.*' : character === '_' ? '.' : character.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'),
    )
    .join('')
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')
}

export function matchesFilter(cell: Cell, filter: TextFilter, values: ReadonlyMap<string, string>): boolean {
  if (cell === null) return false // NULL compared with anything is not true
  const pattern = filter.template.replace(markerPattern, (_whole, name: string) => values.get(name) ?? '')
  const text = String(cell)
  switch (filter.operator) {
    case '=':
      return text === pattern
    case '<>':
      return text !== pattern
    case 'like':
      return likeExpression(pattern, false).test(text)
    case 'ilike':
      return likeExpression(pattern, true).test(text)
    case 'not like':
      return !likeExpression(pattern, false).test(text)
    case 'not ilike':
      return !likeExpression(pattern, true).test(text)
    default: {
      const never: never = filter.operator
      return never
    }
  }
}

/** The rows of `result` that pass every filter with the text inputs' current values. */
export function applyTextFilters(
  result: QueryResult,
  filters: readonly TextFilter[],
  values: ReadonlyMap<string, string>,
): QueryResult {
  if (filters.length === 0) return result
  const indexes = filters.map((filter) => result.columns.indexOf(filter.column))
  const kept: number[] = []
  for (let row = 0; row < result.rowCount; row++) {
    if (filters.every((filter, at) => matchesFilter(result.values[indexes[at]!]![row]!, filter, values)))
      kept.push(row)
  }
  return {
    ...result,
    values: result.values.map((column) => kept.map((row) => column[row]!)),
    rowCount: kept.length,
  }
}
