// Result sets as text: an aligned table for people, CSV (RFC 4180) and JSON for programs. Values
// arrive as DuckDB hands them over (@duckdb/node-api's DuckDBValue): numbers, bigints, strings and
// booleans as themselves, everything else as a value object whose text is DuckDB's own (a TIMESTAMP
// with its microseconds, a DECIMAL with its scale, a TIME, an INTERVAL "3 days", a BLOB '\x00'),
// so nothing is rounded on its way out.
import {
  DuckDBArrayValue,
  DuckDBDecimalValue,
  DuckDBListValue,
  DuckDBMapValue,
  DuckDBStructValue,
  DuckDBUnionValue,
} from '@duckdb/node-api'

// A value as DuckDB writes it, NULL as "NULL".
export function valueText(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  return String(value)
}

export function formatTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((row) => row.map(valueText))
  const widths = columns.map((name, index) =>
    Math.min(60, Math.max(name.length, ...text.map((row) => row[index]?.length ?? 0))),
  )
  const clip = (value: string, width: number) =>
    value.length > width ? `${value.slice(0, width - 1)}…` : value.padEnd(width)
  const line = (values: readonly string[]) =>
    values
      .map((value, index) => clip(value, widths[index] ?? 0))
      .join(' | ')
      .trimEnd()
  const rule = widths.map((width) => '-'.repeat(width)).join('-+-')
  return [line(columns), rule, ...text.map(line)].join('\n')
}

function csvField(value: unknown): string {
  if (value === null || value === undefined) return ''
  const text = valueText(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function formatCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [columns, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? Number(inner) : inner), 2)
}

// A number JSON writes as digits, exactly: a BIGINT past 2^53 or a DECIMAL keeps every digit (JSON
// numbers have no precision limit; JavaScript's do).
class Digits {
  constructor(readonly text: string) {}
}

type JsonTree = null | boolean | number | string | Digits | JsonTree[] | { [key: string]: JsonTree }

// A DuckDB value as JSON: numbers as numbers (BIGINT and DECIMAL exactly), lists as arrays, structs
// and maps with text keys as objects, NaN and infinities and every other type (dates, times,
// intervals, blobs, UUIDs) as DuckDB's text.
function jsonTree(value: unknown): JsonTree {
  if (value === null || value === undefined) return null
  if (typeof value === 'boolean' || typeof value === 'string') return value
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value)
  if (typeof value === 'bigint' || value instanceof DuckDBDecimalValue) return new Digits(String(value))
  if (value instanceof DuckDBListValue || value instanceof DuckDBArrayValue) return value.items.map(jsonTree)
  if (value instanceof DuckDBStructValue)
    return Object.fromEntries(Object.entries(value.entries).map(([key, inner]) => [key, jsonTree(inner)]))
  if (value instanceof DuckDBMapValue) {
    if (value.entries.every((entry) => typeof entry.key === 'string'))
      return Object.fromEntries(value.entries.map((entry) => [String(entry.key), jsonTree(entry.value)]))
    return value.entries.map((entry) => ({ key: jsonTree(entry.key), value: jsonTree(entry.value) }))
  }
  if (value instanceof DuckDBUnionValue) return jsonTree(value.value)
  return String(value)
}

function jsonText(tree: JsonTree, indent: string): string {
  if (tree instanceof Digits) return tree.text
  if (Array.isArray(tree)) {
    if (tree.length === 0) return '[]'
    const inner = `${indent}  `
    return `[\n${tree.map((item) => `${inner}${jsonText(item, inner)}`).join(',\n')}\n${indent}]`
  }
  if (tree !== null && typeof tree === 'object') {
    const entries = Object.entries(tree)
    if (entries.length === 0) return '{}'
    const inner = `${indent}  `
    return `{\n${entries.map(([key, item]) => `${inner}${JSON.stringify(key)}: ${jsonText(item, inner)}`).join(',\n')}\n${indent}}`
  }
  return JSON.stringify(tree)
}

// One result row as a JSON object (two-space indentation, as JSON.stringify(row, null, 2) lays out).
export function jsonRow(names: readonly string[], row: readonly unknown[]): string {
  return jsonText(Object.fromEntries(names.map((name, index) => [name, jsonTree(row[index])])), '')
}
