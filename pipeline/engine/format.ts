// Formatting model files: a canonical MODEL header (one property per line, values aligned, known
// properties in a fixed order) and the query laid out by sql-formatter's DuckDB dialect with upper
// case keywords. Formatting is idempotent and never changes what the query means: sameQuery checks
// that DuckDB parses both texts to the same tree, and `materia format` refuses to write otherwise.
import type { DuckDBConnection } from '@duckdb/node-api'
import { type FormatOptionsWithLanguage, format } from 'sql-formatter'
import { MateriaError } from '../errors.ts'
import { normalizeSpacing, splitModelFile, splitTopLevel } from './model-file-text.ts'
import { quoteLiteral } from './sql-quote.ts'

// The order properties are written in; others follow in the order the file had them.
const propertyOrder = [
  'name',
  'kind',
  'cron',
  'start',
  'grain',
  'owner',
  'tags',
  'depends_on',
  'audits',
  'description',
]

// Macro references (@start_ds, @VAR(...), @DEF(...)) are parameters to the formatter, so it keeps
// them whole; it then separates a macro from its '(' and that space is removed again.
const formatterOptions: FormatOptionsWithLanguage = {
  language: 'duckdb',
  keywordCase: 'upper',
  dataTypeCase: 'upper',
  functionCase: 'preserve',
  identifierCase: 'preserve',
  tabWidth: 2,
  useTabs: false,
  linesBetweenQueries: 1,
  paramTypes: { custom: [{ regex: '@[A-Za-z_][A-Za-z0-9_]*' }] },
}

function formatQuery(query: string): string {
  if (query.trim() === '') return ''
  let formatted: string
  try {
    formatted = format(query, formatterOptions)
  } catch (error) {
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    throw new MateriaError('model', `cannot format the query: ${message}; fix the SQL or format it by hand`)
  }
  return formatted.replace(/(@[A-Za-z_][A-Za-z0-9_]*) \(/g, '$1(').trim()
}

export function formatHeader(header: string): string {
  const properties = splitTopLevel(header).map((item) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*([\s\S]*)$/.exec(item)
    if (match === null) return { key: item, value: '' }
    const key = (match[1] ?? '').toLowerCase()
    let value = normalizeSpacing(match[2] ?? '')
    if (key === 'kind')
      value = value
        .replace(/^([A-Za-z_]+)\s*(?=\(|$)/, (_, kind: string) => `${kind.toUpperCase()} `)
        .trimEnd()
    return { key, value }
  })
  const rank = (key: string) => {
    const index = propertyOrder.indexOf(key)
    return index === -1 ? propertyOrder.length : index
  }
  const sorted = properties
    .map((property, index) => ({ ...property, index }))
    .sort((a, b) => rank(a.key) - rank(b.key) || a.index - b.index)
  const width = Math.max(...sorted.map((p) => p.key.length))
  const lines = sorted.map(
    (p, i) => `  ${p.key.padEnd(width)} ${p.value}`.trimEnd() + (i < sorted.length - 1 ? ',' : ''),
  )
  return `MODEL (\n${lines.join('\n')}\n);`
}

// The whole file: leading comments kept, header canonical, query formatted, one final newline.
// A header holding comments is kept as written, since moving its lines could misplace them.
export function formatModelFile(text: string): string {
  const parts = splitModelFile(text.replace(/\r\n/g, '\n'))
  const query = formatQuery(parts.query)
  if (parts.header === null) return `${query}\n`
  const header = parts.headerHasComments ? `MODEL (${parts.header});` : formatHeader(parts.header)
  const leading = parts.leading.trim() === '' ? '' : `${parts.leading.trim()}\n`
  return `${leading}${header}\n\n${query}\n`.replace(/\n{3,}$/, '\n')
}

// DuckDB's parse tree of a query with macros masked (so it parses) and source positions dropped (so
// layout does not count). @DEF(...) statements are compared as text since DuckDB cannot parse them.
async function queryTree(connection: DuckDBConnection, query: string): Promise<string> {
  const statements = splitStatements(query)
  const definitions = statements.filter((s) => /^@DEF\s*\(/i.test(s)).map(normalizeSpacing)
  const body = statements
    .filter((s) => !/^@DEF\s*\(/i.test(s))
    .join(';\n')
    .replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, '__macro_$1')
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(body)}) AS tree`)
  const tree = JSON.parse(String(reader.getRowObjectsJson()[0]?.tree)) as unknown
  const stripped = JSON.stringify(tree, (key, value: unknown) =>
    key === 'query_location' ? undefined : value,
  )
  return JSON.stringify({ definitions, tree: JSON.parse(stripped) as unknown })
}

export async function sameQuery(
  connection: DuckDBConnection,
  before: string,
  after: string,
): Promise<boolean> {
  return (await queryTree(connection, before)) === (await queryTree(connection, after))
}

function splitStatements(query: string): string[] {
  return splitTopLevel(query, ';').filter((s) => s !== '')
}
