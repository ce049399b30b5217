// Goal: raw.psd_alldata (sql/models/raw/psd_alldata.sql) reads every landed snapshot by column name:
// a snapshot whose columns come in another order, or that lacks one, reads right beside one as
// published (union_by_name; a `columns` list would map them by position, silently wrong). And the
// extractor's check reads a file with the model's own read_csv options, so a file that passes the
// check reads in the model.
// Method: the genuine Dec 2022 snapshot (CRLF, quoted text, 8 MB: larger than the model's read
// buffer) landed as published, plus two files DERIVED from it here, not USDA data: the same rows with
// the columns in another order (Country first, Value before Unit_Description), and the same rows
// without Calendar_Year. The model's query, rendered by the engine, runs in DuckDB; each file's rows
// must equal the rows parsed here in TypeScript from the zip's CSV (never through DuckDB).
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProject, renderModelQuery } from '../pipeline/engine/index.ts'
import { csvProblem, readOptions } from '../pipeline/extract/psd/check-csv.ts'
import { bundledZipPath, readZipEntry, splitCsvLine } from './helpers/psd-csv.ts'

const sqlRoot = join(import.meta.dirname, '..', 'sql')
// The published layout (header of the genuine file), in its order.
const compared = ['Commodity_Code', 'Commodity_Description', 'Country_Code', 'Country_Name', 'Market_Year']
  .concat(['Calendar_Year', 'Month', 'Attribute_ID', 'Attribute_Description', 'Unit_ID', 'Unit_Description'])
  .concat(['Value'])

let temp: string
let header: string[]
let records: string[][]
const files = {
  published: 'psd/coffee/2022/12/published.csv.gz',
  reordered: 'psd/coffee/2023/01/reordered.csv.gz',
  withoutCalendarYear: 'psd/coffee/2023/02/without-calendar-year.csv.gz',
}

const quoted = (field: string) => (/[",]/.test(field) ? `"${field.replaceAll('"', '""')}"` : field)

// The snapshot's rows with the given columns, in that order, as a gzipped CSV with CRLF line ends.
function derived(columns: readonly string[]): Buffer {
  const indexes = columns.map((name) => header.indexOf(name))
  expect(indexes).not.toContain(-1)
  const lines = [
    columns.join(','),
    ...records.map((fields) => indexes.map((i) => quoted(fields[i]!)).join(',')),
  ]
  return gzipSync(`${lines.join('\r\n')}\r\n`)
}

// A file's rows as `compared` text, sorted; a column the file lacks reads as NULL.
function expectedRows(columns: readonly string[]): string[] {
  return records
    .map((fields) =>
      compared.map((name) => (columns.includes(name) ? fields[header.indexOf(name)]! : 'NULL')).join('|'),
    )
    .sort()
}

async function modelRows(landing: string): Promise<Map<string, string[]>> {
  const project = await loadProject(join(temp, 'project'), {
    env: { ...process.env, MATERIA_LANDING: landing },
  })
  const [start, end] = [new Date('2023-03-14T00:00:00Z'), new Date('2023-03-15T00:00:00Z')]
  const sql = await renderModelQuery(project, 'raw.psd_alldata', { start, end, executionTime: end })
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const select = compared.map((name) => `coalesce("${name}", 'NULL')`).join(` || '|' || `)
    const reader = await connection.runAndReadAll(`SELECT filename, ${select} AS line FROM (${sql})`)
    const byFile = new Map<string, string[]>()
    for (const [filename, line] of reader.getRows() as [string, string][]) {
      const relative = filename.slice(landing.length + 1)
      const lines = byFile.get(relative) ?? []
      lines.push(line)
      byFile.set(relative, lines)
    }
    for (const lines of byFile.values()) lines.sort()
    return byFile
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'materia-raw-read-'))
  mkdirSync(join(temp, 'project', 'models', 'raw'), { recursive: true })
  // The raw model alone, with the project's config: staging and the rest play no part here.
  writeFileSync(join(temp, 'project', 'materia.yaml'), readFileSync(join(sqlRoot, 'materia.yaml')))
  writeFileSync(
    join(temp, 'project', 'models', 'raw', 'psd_alldata.sql'),
    readFileSync(join(sqlRoot, 'models', 'raw', 'psd_alldata.sql')),
  )
  const text = readZipEntry(bundledZipPath)
  const lines = text.split('\r\n').filter((line) => line !== '')
  header = splitCsvLine(lines[0]!)
  records = lines.slice(1).map(splitCsvLine)
  expect(header).toEqual(compared)
  expect(records.length).toBe(77_957)
  const landing = join(temp, 'landing')
  for (const path of Object.values(files)) mkdirSync(join(landing, path, '..'), { recursive: true })
  writeFileSync(join(landing, files.published), gzipSync(text))
  const reordered = ['Country_Code', 'Country_Name', 'Commodity_Code', 'Commodity_Description', 'Market_Year']
    .concat(['Calendar_Year', 'Month', 'Attribute_ID', 'Attribute_Description', 'Unit_ID', 'Value'])
    .concat(['Unit_Description'])
  writeFileSync(join(landing, files.reordered), derived(reordered))
  writeFileSync(
    join(landing, files.withoutCalendarYear),
    derived(header.filter((c) => c !== 'Calendar_Year')),
  )
})

afterAll(() => {
  rmSync(temp, { recursive: true, force: true })
})

describe('raw.psd_alldata over snapshots of different layouts', () => {
  it('reads each file by column name: as published, reordered, and without a column', async () => {
    const landing = join(temp, 'landing')
    const byFile = await modelRows(landing)
    expect([...byFile.keys()].sort()).toEqual(Object.values(files).sort())
    const published = expectedRows(header)
    expect(byFile.get(files.published)).toEqual(published)
    expect(byFile.get(files.reordered)).toEqual(published)
    expect(byFile.get(files.withoutCalendarYear)).toEqual(
      expectedRows(header.filter((c) => c !== 'Calendar_Year')),
    )
  })

  it("checks a landed file with the model's own read_csv options", async () => {
    const model = readFileSync(join(sqlRoot, 'models', 'raw', 'psd_alldata.sql'), 'utf8')
    const call = /FROM read_csv\(\n\s*@VAR\('landing_dir'\)[^\n]*,\n([\s\S]*?)\n\)/.exec(model)
    expect(call).not.toBeNull()
    const options = (text: string) =>
      text
        .split(/,\s*(?=\w+ = )/)
        .map((option) => option.trim().replace(/ = TRUE$/, ' = true'))
        .sort()
    expect(options(readOptions)).toEqual(options(call![1]!))
    const landing = join(temp, 'landing')
    for (const path of [files.published, files.reordered])
      expect(await csvProblem(join(landing, path), path)).toBeUndefined()
  })
})
