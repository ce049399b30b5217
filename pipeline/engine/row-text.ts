// Rows as a small aligned text table for terminal messages (failing audits, unit-test diffs, table
// diffs). Values print as DuckDB's JSON form would: NULL for null, text without quotes.

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

// Header line, then one line per row, each indented by `indent`, columns separated by " | ".
export function formatRows(rows: readonly Record<string, unknown>[], indent = '  '): string[] {
  const first = rows[0]
  if (first === undefined) return []
  const columns = Object.keys(first)
  return formatTable(
    columns,
    rows.map((row) => columns.map((c) => formatValue(row[c]))),
    indent,
  )
}

export function formatTable(
  columns: readonly string[],
  cells: readonly (readonly string[])[],
  indent = '  ',
): string[] {
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)))
  const line = (values: readonly string[]) =>
    `${indent}${values.map((v, i) => v.padEnd(widths[i] ?? 0)).join(' | ')}`.trimEnd()
  return [line(columns), ...cells.map(line)]
}
