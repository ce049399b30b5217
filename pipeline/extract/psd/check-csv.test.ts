// Goal: csvProblem names what is wrong with a file as the user would fix it: a header without a
// column staging reads is blamed on the header (not on line endings), a genuine file passes.
// Method: genuine PSD rows from assets/data written to temp files, read by the real DuckDB.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { csvProblem } from './check-csv.ts'

const genuineLines = readFileSync(
  new URL('../../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url),
  'utf8',
)
  .split(/\r?\n/)
  .filter((line) => line !== '')

function written(lines: string[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'materia-check-csv-')), 'psd_coffee.csv')
  writeFileSync(path, `${lines.join('\n')}\n`)
  return path
}

// A line's fields: commas inside quotes ("Coffee, Green") do not split.
const fields = (line: string) => line.split(/,(?=(?:[^"]*"[^"]*")*[^"]*$)/)

// The genuine lines without one column.
function withoutColumn(name: string): string[] {
  const at = fields(genuineLines[0]!).indexOf(name)
  expect(at).toBeGreaterThan(-1)
  const lines = genuineLines.map((line) =>
    fields(line)
      .filter((_, index) => index !== at)
      .join(','),
  )
  expect(new Set(lines.map((line) => fields(line).length))).toEqual(new Set([11]))
  expect(lines[1]).toContain('"Coffee, Green",BR,"Brazil",2020,06,029')
  return lines
}

describe('csvProblem', () => {
  it('passes genuine PSD rows', async () => {
    expect(await csvProblem(written(genuineLines), 'psd_coffee.csv')).toBeUndefined()
  })

  it('blames the header for a missing column, naming it', async () => {
    const problem = await csvProblem(written(withoutColumn('Calendar_Year')), 'psd_coffee.csv')
    expect(problem).toBe(
      "psd_coffee.csv has no Calendar_Year column, which staging reads; check the file's header row",
    )
  })

  it('still names the line for text in a numeric column', async () => {
    const lines = [...genuineLines]
    lines[3] = lines[3]!.replace(/,[^,]*$/, ',n/a')
    const problem = await csvProblem(written(lines), 'psd_coffee.csv')
    expect(problem).toBe('psd_coffee.csv line 4: Value "n/a" is not a number')
  })
})
