// How a value reads in the workbench's tables (the result grid, the catalog, the diff): numbers
// right-aligned with thousands separators and sensible decimals, NULL distinct, full precision kept
// for hover and copy.
export const numericType =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/
const integerType = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/

const labelColumn = /(year|_id|_code|^id|^code)$/i

const integerFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })
const largeFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 })
const smallFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 3 })

// The text a cell shows: 58,100 · 1,234.57 · 0.0697 · 2022-12-01. Full precision stays in rawText.
// Years, codes and ids are integers read as labels: no thousands separator.
export function displayText(value: unknown, type: string, name = ''): string {
  if (value === null || value === undefined) return 'NULL'
  if (numericType.test(type)) {
    const number = Number(value)
    if (!Number.isFinite(number)) return String(value)
    if (integerType.test(type)) return labelColumn.test(name) ? String(value) : integerFormat.format(number)
    return Math.abs(number) >= 1 || number === 0 ? largeFormat.format(number) : smallFormat.format(number)
  }
  return rawText(value)
}

export function rawText(value: unknown): string {
  if (value === null || value === undefined) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}
