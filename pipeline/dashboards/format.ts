// Number formats for values shown on pages. The browser script (client/dashboards.js) carries the
// same rules for what it draws; format.test.ts and the browser test keep the two in step.

export type Cell = number | string | boolean | null

// num0..num2: thousands separators; pct*: a fraction shown as a percentage; bags: a quantity in
// USDA's coffee unit (1000 60-kg bags) shown as bags; year: digits only.
export const formatNames = ['num0', 'num1', 'num2', 'pct', 'pct0', 'pct1', 'pct2', 'bags', 'year'] as const
export type FormatName = (typeof formatNames)[number]

export function isFormatName(name: string): name is FormatName {
  return (formatNames as readonly string[]).includes(name)
}

function grouped(value: number, digits: number): string {
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function formatCell(value: Cell, format: FormatName | null, column = ''): string {
  if (value === null) return '–'
  if (typeof value !== 'number') return String(value)
  if (!Number.isFinite(value)) return '–'
  switch (format) {
    case 'num0':
      return grouped(value, 0)
    case 'num1':
      return grouped(value, 1)
    case 'num2':
      return grouped(value, 2)
    case 'pct':
    case 'pct1':
      return `${grouped(value * 100, 1)}%`
    case 'pct0':
      return `${grouped(value * 100, 0)}%`
    case 'pct2':
      return `${grouped(value * 100, 2)}%`
    case 'bags':
      return formatBags(value)
    case 'year':
      return String(value)
    case null:
      if (/year$/i.test(column) && Number.isInteger(value)) return String(value)
      return grouped(value, Number.isInteger(value) ? 0 : Math.abs(value) < 10 ? 2 : 1)
  }
}

// 58,100 thousand bags reads better as "58.1M bags"; below a million bags, as "950k bags".
function formatBags(thousandBags: number): string {
  const magnitude = Math.abs(thousandBags)
  if (magnitude === 0) return '0 bags'
  if (magnitude >= 1000) return `${grouped(thousandBags / 1000, 1)}M bags`
  return `${grouped(thousandBags, 0)}k bags`
}
