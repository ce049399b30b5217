// Goal: number formats read right, and the browser script formats exactly as the build does.
// Method: table of genuine-looking cases through formatCell; the browser script's own formatting
// functions, cut from client/dashboards.js, run on the same cases.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { type Cell, type FormatName, formatCell } from './format.ts'

const cases: ReadonlyArray<readonly [Cell, FormatName | null, string, string]> = [
  [172750, 'bags', '', '172.8M bags'],
  [950, 'bags', '', '950k bags'],
  [0, 'bags', '', '0 bags'],
  [-1234.5, 'bags', '', '-1.2M bags'],
  [62600, 'num0', '', '62,600'],
  [1234.56, 'num1', '', '1,234.6'],
  [0.36234, 'pct1', '', '36.2%'],
  [0.36234, 'pct', '', '36.2%'],
  [0.5, 'pct0', '', '50%'],
  [-0.0825, 'pct2', '', '-8.25%'],
  [2022, null, 'market_year', '2022'],
  [2022, 'year', 'anything', '2022'],
  [166174, null, 'production', '166,174'],
  [0.105, null, 'stocks_to_use', '0.11'],
  [12.25, null, 'x', '12.3'],
  [null, 'bags', '', '–'],
  [Number.NaN, 'num0', '', '–'],
  ['Brazil', 'num0', '', 'Brazil'],
  ['2022-12-01', null, 'ingest_date', '2022-12-01'],
]

function browserFormat(): (value: Cell, name: string | null, column: string) => string {
  const script = readFileSync(join(import.meta.dirname, 'client', 'dashboards.js'), 'utf8')
  const start = script.indexOf('  function grouped(')
  const end = script.indexOf("  // The query's rows")
  expect(start).toBeGreaterThan(0)
  expect(end).toBeGreaterThan(start)
  return new Function(`${script.slice(start, end)}\nreturn format`)()
}

describe('formatCell', () => {
  const client = browserFormat()
  for (const [value, format, column, expected] of cases) {
    it(`${String(value)} as ${format ?? `default (${column})`} reads ${expected}, in Node and in the browser script`, () => {
      expect(formatCell(value, format, column)).toBe(expected)
      expect(client(value, format, column)).toBe(expected)
    })
  }
})
