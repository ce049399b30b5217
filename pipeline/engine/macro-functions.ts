// SQLMesh's built-in macro operators that generate SQL from their arguments, rendered as the
// documentation shows (docs/concepts/macros/sqlmesh_macros.md): @SAFE_ADD, @SAFE_SUB, @SAFE_DIV,
// @GENERATE_SURROGATE_KEY, @AND, @OR, @STAR, @UNION, @HAVERSINE_DISTANCE. The control operators
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
    default:
      return null
  }
}
