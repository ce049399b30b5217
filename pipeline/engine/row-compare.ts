// Comparing a unit test's expected rows with what the model produced: order does not matter, each
// expected row must match one produced row (multiset), and numbers match within a relative tolerance
// (DOUBLE sums vary with evaluation order). Both sides arrive as DuckDB JSON values of the same
// column types, so dates, decimals and big integers compare as the same text.
import { testNumericTolerance } from '../limits.ts'
import { formatTable, formatValue } from './row-text.ts'

export interface ComparedColumn {
  readonly name: string
  readonly numeric: boolean
}

interface RowComparison {
  readonly missing: readonly Record<string, unknown>[] // expected, not produced
  readonly unexpected: readonly Record<string, unknown>[] // produced, not expected
}

const numericTypes =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|UHUGEINT|FLOAT|DOUBLE|DECIMAL.*)$/

export function isNumericType(type: string): boolean {
  return numericTypes.test(type.toUpperCase())
}

function valuesEqual(expected: unknown, actual: unknown, numeric: boolean): boolean {
  if (expected === null || actual === null) return expected === actual
  if (numeric) {
    const a = Number(expected)
    const b = Number(actual)
    if (Number.isFinite(a) && Number.isFinite(b)) {
      return Math.abs(a - b) <= testNumericTolerance * Math.max(1, Math.abs(a), Math.abs(b))
    }
  }
  return formatValue(expected) === formatValue(actual)
}

// Rows are bucketed by their non-numeric values, so matching is linear for typical fixtures and
// only numeric columns are compared pairwise within a bucket.
export function compareRows(
  columns: readonly ComparedColumn[],
  expected: readonly Record<string, unknown>[],
  actual: readonly Record<string, unknown>[],
): RowComparison {
  const exactKey = (row: Record<string, unknown>) =>
    JSON.stringify(columns.filter((c) => !c.numeric).map((c) => formatValue(row[c.name])))
  const buckets = new Map<string, Record<string, unknown>[]>()
  for (const row of actual) {
    const key = exactKey(row)
    const bucket = buckets.get(key)
    if (bucket === undefined) buckets.set(key, [row])
    else bucket.push(row)
  }
  const missing: Record<string, unknown>[] = []
  for (const row of expected) {
    const bucket = buckets.get(exactKey(row)) ?? []
    const index = bucket.findIndex((candidate) =>
      columns.every((c) => !c.numeric || valuesEqual(row[c.name], candidate[c.name], true)),
    )
    if (index === -1) missing.push(row)
    else bucket.splice(index, 1)
  }
  return { missing, unexpected: [...buckets.values()].flat() }
}

// The readable diff printed for a failed comparison: counts, then both row sets as tables, each
// capped at `shownMax` rows.
export function rowDiffText(
  columns: readonly ComparedColumn[],
  comparison: RowComparison,
  expectedCount: number,
  actualCount: number,
  shownMax = 20,
): string {
  const names = columns.map((c) => c.name)
  const table = (rows: readonly Record<string, unknown>[]) =>
    formatTable(
      names,
      rows.slice(0, shownMax).map((row) => names.map((n) => formatValue(row[n]))),
      '    ',
    )
  const more = (rows: readonly unknown[]) =>
    rows.length > shownMax ? [`    ... ${rows.length - shownMax} more`] : []
  const lines = [`expected ${expectedCount} rows, got ${actualCount}`]
  if (comparison.missing.length > 0) {
    lines.push(
      `  - ${comparison.missing.length} expected rows missing:`,
      ...table(comparison.missing),
      ...more(comparison.missing),
    )
  }
  if (comparison.unexpected.length > 0) {
    lines.push(
      `  + ${comparison.unexpected.length} unexpected rows:`,
      ...table(comparison.unexpected),
      ...more(comparison.unexpected),
    )
  }
  return lines.join('\n')
}
