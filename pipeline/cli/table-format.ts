// Result sets as text: an aligned table for people, CSV (RFC 4180) and JSON for programs.
function cell(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object')
    return JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? inner.toString() : inner))
  return String(value)
}

export function formatTable(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  const text = rows.map((row) => row.map(cell))
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
  const text = cell(value)
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text
}

export function formatCsv(columns: readonly string[], rows: readonly (readonly unknown[])[]): string {
  return [columns, ...rows].map((row) => row.map(csvField).join(',')).join('\r\n')
}

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner) => (typeof inner === 'bigint' ? Number(inner) : inner), 2)
}

// DuckDB hands DATE and TIMESTAMP values to JavaScript as Date objects, which print as UTC instants
// with a "Z". A DATE prints as 2024-01-02 and a TIMESTAMP (no time zone) as 2024-01-02T03:04:05,
// as DuckDB itself shows them; only TIMESTAMP WITH TIME ZONE keeps its Z.
export function displayValue(value: unknown, type: string): unknown {
  if (!(value instanceof Date)) return value
  const iso = value.toISOString()
  if (type === 'DATE') return iso.slice(0, 10)
  if (type.startsWith('TIMESTAMP') && !type.includes('TIME ZONE')) return iso.replace(/(\.000)?Z$/, '')
  return iso
}

export function displayRows(
  columns: readonly { readonly type: string }[],
  rows: readonly (readonly unknown[])[],
): unknown[][] {
  return rows.map((row) => row.map((value, index) => displayValue(value, columns[index]?.type ?? '')))
}
