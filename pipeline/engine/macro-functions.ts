// SQLMesh's built-in macro operators that generate SQL from their arguments, rendered as the
// documentation shows (docs/concepts/macros/sqlmesh_macros.md): @SAFE_ADD, @SAFE_SUB, @SAFE_DIV,
// @GENERATE_SURROGATE_KEY, @AND, @OR, @STAR, @UNION, @HAVERSINE_DISTANCE, @PIVOT, @DEDUPLICATE,
// @DATE_SPINE. The control operators
// (@EACH, @IF, @REDUCE, @FILTER, @EVAL, @SQL, @DEF) live in render.ts, which owns the scope.
import type { ModelColumn } from './model.ts'
import { quoteIdentifier } from './sql-quote.ts'

export type MacroValue = string | readonly string[]

// One argument of a macro call, evaluated: positional or `name := value`.
export interface MacroArgument {
  readonly name: string | null
  readonly value: MacroValue
  readonly line: number
}

export interface MacroTools {
  readonly fail: (line: number, message: string) => never
  readonly columnsOf: (relation: string) => readonly ModelColumn[] | null
  readonly isTrue: (sql: string, line: number) => boolean
}

// Positional arguments first, then `name := value` ones, bound to `names` in order. Unknown names
// and too many arguments are errors naming the call.
function bindArguments(
  macro: string,
  names: readonly string[],
  args: readonly MacroArgument[],
  tools: MacroTools,
  line: number,
): Map<string, MacroArgument> {
  const bound = new Map<string, MacroArgument>()
  let position = 0
  for (const arg of args) {
    // A positional argument after a named one takes the next name not yet given (SQLMesh's
    // `@STAR(foo, bar, exclude := [c], 'prefix_')`).
    while (arg.name === null && names[position] !== undefined && bound.has(names[position]!)) position += 1
    const name = arg.name ?? names[position]
    position += arg.name === null ? 1 : 0
    if (name === undefined) tools.fail(line, `@${macro} takes at most ${names.length} arguments`)
    if (!names.includes(name))
      tools.fail(arg.line, `@${macro} has no argument ${name}; its arguments: ${names.join(', ')}`)
    bound.set(name, arg)
  }
  return bound
}

export function textOf(value: MacroValue): string {
  return typeof value === 'string' ? value : value.join(', ')
}

export function listOf(value: MacroValue): readonly string[] {
  if (typeof value !== 'string') return value
  const trimmed = value.trim()
  return trimmed === '' ? [] : [trimmed]
}

// The text of a string literal argument ('baz_' -> baz_), or the text itself.
export function bareText(value: MacroValue): string {
  const text = textOf(value).trim()
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'"))
    return text.slice(1, -1).replaceAll("''", "'")
  return text
}

// A tuple argument written in parentheses, (a, b), counts as its items.
function operands(args: readonly MacroArgument[]): string[] {
  return args.flatMap((arg) => listOf(arg.value))
}

function safeArithmetic(args: readonly MacroArgument[], operator: '+' | '-'): string {
  const items = operands(args)
  const allNull = items.map((item) => `${item} IS NULL`).join(' AND ')
  const total = items.map((item) => `COALESCE(${item}, 0)`).join(` ${operator} `)
  return `CASE WHEN ${allNull} THEN NULL ELSE (${total}) END`
}

function surrogateKey(args: readonly MacroArgument[]): string {
  const hash = args.find((arg) => arg.name === 'hash_function')
  const columns = operands(args.filter((arg) => arg.name === null))
  const parts = columns.map((column) => `COALESCE(CAST(${column} AS TEXT), '_sqlmesh_surrogate_key_null_')`)
  const hashFunction = hash === undefined ? 'MD5' : bareText(hash.value).toUpperCase()
  return `${hashFunction}(CONCAT(${parts.join(", '|', ")}))`
}

function logical(args: readonly MacroArgument[], operator: 'AND' | 'OR'): string {
  const kept = operands(args).filter((item) => item.trim().toUpperCase() !== 'NULL')
  if (kept.length === 0) return operator === 'AND' ? 'TRUE' : 'FALSE'
  if (kept.length === 1) return kept[0]!
  return kept.map((item) => `(${item})`).join(` ${operator} `)
}

function star(args: readonly MacroArgument[], tools: MacroTools, line: number): string {
  const names = ['relation', 'alias', 'exclude', 'prefix', 'suffix', 'quote_identifiers']
  const renamed = args.map((arg) => (arg.name === 'except_' ? { ...arg, name: 'exclude' } : arg))
  const bound = bindArguments('STAR', names, renamed, tools, line)
  const relation = bound.get('relation')
  if (relation === undefined) return tools.fail(line, '@STAR needs a relation: @STAR(table, alias)')
  const table = textOf(relation.value).trim()
  const alias = bound.has('alias') ? textOf(bound.get('alias')!.value).trim() : null
  const exclude = new Set(
    listOf(bound.get('exclude')?.value ?? []).map((name) => bareText(name).replaceAll('"', '').toLowerCase()),
  )
  const prefix = bound.has('prefix') ? bareText(bound.get('prefix')!.value) : ''
  const suffix = bound.has('suffix') ? bareText(bound.get('suffix')!.value) : ''
  const quoteIdentifiers = bound.has('quote_identifiers')
    ? tools.isTrue(textOf(bound.get('quote_identifiers')!.value), line)
    : true
  const name = (text: string) => (quoteIdentifiers ? quoteIdentifier(text) : text)
  const columns = tools.columnsOf(table.replaceAll('"', '').toLowerCase())
  const qualifier = alias ?? table
  if (columns === null) {
    // Columns unknown at render time: DuckDB's own star does the selecting when no renaming is asked.
    if (prefix !== '' || suffix !== '')
      return tools.fail(
        line,
        `@STAR cannot add a prefix or suffix: the columns of ${table} are unknown here; declare them with columns (...) on that model`,
      )
    const except = exclude.size === 0 ? '' : ` EXCLUDE (${[...exclude].map(quoteIdentifier).join(', ')})`
    return `${qualifier}.*${except}`
  }
  const kept = columns.filter((column) => !exclude.has(column.name.toLowerCase()))
  return kept
    .map(
      (column) =>
        `CAST(${name(qualifier)}.${name(column.name)} AS ${column.type}) AS ${name(`${prefix}${column.name}${suffix}`)}`,
    )
    .join(', ')
}

function union(args: readonly MacroArgument[], tools: MacroTools, line: number): string {
  let rest = args.map((arg) => textOf(arg.value).trim())
  let enabled = true
  const first = rest[0] ?? ''
  if (!/^'(all|distinct)'$/i.test(first) && rest.length > 0 && !isTableName(first)) {
    enabled = tools.isTrue(first, line)
    rest = rest.slice(1)
  }
  let kind = 'ALL'
  if (/^'(all|distinct)'$/i.test(rest[0] ?? '')) {
    kind = rest[0]!.slice(1, -1).toUpperCase()
    rest = rest.slice(1)
  }
  if (rest.length === 0) return tools.fail(line, "@UNION needs tables: @UNION('all', a, b)")
  const schemas = rest.map((table) => tools.columnsOf(table.replaceAll('"', '').toLowerCase()))
  const missing = rest.find((_, index) => schemas[index] === null)
  if (missing !== undefined)
    return tools.fail(
      line,
      `@UNION needs the columns of ${missing}; declare them with columns (...) on that model`,
    )
  // Columns with the same name and type in every table, in the first table's order.
  const shared = schemas[0]!.filter((column) =>
    schemas.every((schema) =>
      schema!.some(
        (other) =>
          other.name.toLowerCase() === column.name.toLowerCase() &&
          other.type.toUpperCase() === column.type.toUpperCase(),
      ),
    ),
  )
  const select = (table: string) =>
    `SELECT ${shared.map((column) => `CAST(${column.name} AS ${column.type}) AS ${column.name}`).join(', ')} FROM ${table}`
  const tables = enabled ? rest : rest.slice(0, 1)
  return tables.map(select).join(kind === 'ALL' ? ' UNION ALL ' : ' UNION ')
}

function isTableName(text: string): boolean {
  return /^[A-Za-z_"][\w"]*(\.[A-Za-z_"][\w"]*)*$/.test(text) && !/^(true|false)$/i.test(text)
}

function haversine(args: readonly MacroArgument[], tools: MacroTools, line: number): string {
  const items = args.map((arg) => textOf(arg.value).trim())
  if (items.length < 4 || items.length > 5)
    return tools.fail(line, '@HAVERSINE_DISTANCE takes lat1, lon1, lat2, lon2 and an optional unit')
  const [lat1, lon1, lat2, lon2] = items
  const unit = items[4] === undefined ? 'mi' : bareText(items[4]).toLowerCase()
  if (unit !== 'mi' && unit !== 'km') return tools.fail(line, "@HAVERSINE_DISTANCE unit is 'mi' or 'km'")
  const rate = unit === 'mi' ? '1.0' : '1.60934'
  return `7922 * ASIN(SQRT((POWER(SIN(RADIANS((${lat2} - ${lat1}) / 2)), 2)) + (COS(RADIANS(${lat1})) * COS(RADIANS(${lat2})) * POWER(SIN(RADIANS((${lon2} - ${lon1}) / 2)), 2)))) * ${rate}`
}

// @PIVOT(column, values, alias, agg, cmp, prefix, suffix, then_value, else_value, quote, distinct):
// one aggregate per value, `SUM(CASE WHEN status = 'cancelled' THEN 1 ELSE 0 END) AS "'cancelled'"`
// (the alias is the value as written, between the prefix and the suffix, as the page shows).
function pivot(args: readonly MacroArgument[], tools: MacroTools, line: number): string {
  const names = [
    'column',
    'values',
    'alias',
    'agg',
    'cmp',
    'prefix',
    'suffix',
    'then_value',
    'else_value',
    'quote',
    'distinct',
  ]
  const bound = bindArguments('PIVOT', names, args, tools, line)
  const column = bound.get('column')
  const values = bound.get('values')
  if (column === undefined || values === undefined)
    return tools.fail(
      line,
      "@PIVOT needs a column and a list of values: @PIVOT(status, ['cancelled', 'completed'])",
    )
  const text = (key: string, fallback: string) => {
    const arg = bound.get(key)
    return arg === undefined ? fallback : bareText(arg.value)
  }
  const flag = (key: string, fallback: boolean) => {
    const arg = bound.get(key)
    return arg === undefined ? fallback : tools.isTrue(textOf(arg.value), arg.line)
  }
  const agg = text('agg', 'SUM')
  const cmp = text('cmp', '=')
  const thenValue = textOf(bound.get('then_value')?.value ?? '1').trim()
  const elseValue = textOf(bound.get('else_value')?.value ?? '0').trim()
  const distinct = flag('distinct', false) ? 'DISTINCT ' : ''
  const alias = flag('alias', true)
  const quote = flag('quote', true)
  const items = listOf(values.value)
  if (items.length === 0) return tools.fail(line, '@PIVOT needs at least one value to pivot on')
  return items
    .map((value) => {
      const aggregate = `${agg}(${distinct}CASE WHEN ${textOf(column.value).trim()} ${cmp} ${value} THEN ${thenValue} ELSE ${elseValue} END)`
      if (!alias) return aggregate
      const name = `${text('prefix', '')}${value}${text('suffix', '')}`
      // quote := false writes a plain name bare; a name that is not one (a quoted value) stays quoted.
      return `${aggregate} AS ${quote || !/^[A-Za-z_]\w*$/.test(name) ? quoteIdentifier(name) : name}`
    })
    .join(', ')
}

// @DEDUPLICATE(relation, partition_by, order_by): one row per window, the first by order_by
// (strings such as 'event_date DESC NULLS LAST'), with QUALIFY as the page renders it.
function deduplicate(args: readonly MacroArgument[], tools: MacroTools, line: number): string {
  const bound = bindArguments('DEDUPLICATE', ['relation', 'partition_by', 'order_by'], args, tools, line)
  const relation = bound.get('relation')
  const partition = listOf(bound.get('partition_by')?.value ?? [])
  if (relation === undefined || partition.length === 0)
    return tools.fail(
      line,
      "@DEDUPLICATE needs a relation and the columns to partition by: @DEDUPLICATE(t, [id], ['updated_at DESC'])",
    )
  const order = listOf(bound.get('order_by')?.value ?? []).map((item) => bareText(item))
  const orderBy = order.length === 0 ? '' : ` ORDER BY ${order.join(', ')}`
  return `SELECT * FROM ${textOf(relation.value).trim()} QUALIFY ROW_NUMBER() OVER (PARTITION BY ${partition.join(', ')}${orderBy}) = 1`
}

const spineParts: Readonly<Record<string, string>> = {
  day: "INTERVAL '1' DAY",
  week: "INTERVAL '1' WEEK",
  month: "INTERVAL '1' MONTH",
  quarter: "INTERVAL '1' QUARTER",
  year: "INTERVAL '1' YEAR",
}

// @DATE_SPINE(datepart, start_date, end_date): every date from start to end, both included, in a
// column date_<datepart>; DuckDB's GENERATE_SERIES, as the page renders it for DuckDB.
function dateSpine(args: readonly MacroArgument[], tools: MacroTools, line: number): string {
  const bound = bindArguments('DATE_SPINE', ['datepart', 'start_date', 'end_date'], args, tools, line)
  const usage = "@DATE_SPINE takes a datepart and two dates: @DATE_SPINE('day', '2024-01-01', '2024-01-16')"
  const part = bound.get('datepart')
  const start = bound.get('start_date')
  const end = bound.get('end_date')
  if (part === undefined || start === undefined || end === undefined) return tools.fail(line, usage)
  const datepart = bareText(part.value).toLowerCase()
  const interval = spineParts[datepart]
  if (interval === undefined)
    return tools.fail(
      part.line,
      `@DATE_SPINE datepart '${datepart}' is not one of day, week, month, quarter, year`,
    )
  const dates = [start, end].map((arg) => bareText(arg.value))
  for (const [index, date] of dates.entries()) {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date) || Number.isNaN(Date.parse(`${date}T00:00:00Z`)))
      return tools.fail([start, end][index]!.line, `@DATE_SPINE date '${date}' is not a date YYYY-MM-DD`)
  }
  if (dates[0]! > dates[1]!) return tools.fail(line, `@DATE_SPINE start ${dates[0]} is after end ${dates[1]}`)
  const column = quoteIdentifier(`date_${datepart}`)
  return `SELECT "_exploded".${column} AS ${column} FROM UNNEST(CAST(GENERATE_SERIES(CAST('${dates[0]}' AS DATE), CAST('${dates[1]}' AS DATE), ${interval}) AS DATE[])) AS "_exploded"(${column})`
}

export const generatingMacros = [
  'safe_add',
  'safe_sub',
  'safe_div',
  'generate_surrogate_key',
  'and',
  'or',
  'star',
  'union',
  'haversine_distance',
  'pivot',
  'deduplicate',
  'date_spine',
] as const

// The SQL of a generating macro, or null when `name` is not one.
export function generateMacro(
  name: string,
  args: readonly MacroArgument[],
  tools: MacroTools,
  line: number,
): string | null {
  switch (name) {
    case 'safe_add':
      return safeArithmetic(args, '+')
    case 'safe_sub':
      return safeArithmetic(args, '-')
    case 'safe_div': {
      const [numerator, denominator] = operands(args)
      if (numerator === undefined || denominator === undefined || operands(args).length !== 2)
        return tools.fail(line, '@SAFE_DIV takes two arguments: @SAFE_DIV(a, b)')
      return `(${numerator} / NULLIF(${denominator}, 0))`
    }
    case 'generate_surrogate_key':
      return surrogateKey(args)
    case 'and':
      return logical(args, 'AND')
    case 'or':
      return logical(args, 'OR')
    case 'star':
      return star(args, tools, line)
    case 'union':
      return union(args, tools, line)
    case 'haversine_distance':
      return haversine(args, tools, line)
    case 'pivot':
      return pivot(args, tools, line)
    case 'deduplicate':
      return deduplicate(args, tools, line)
    case 'date_spine':
      return dateSpine(args, tools, line)
    default:
      return null
  }
}
