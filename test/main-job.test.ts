// Goal: `materia start` on a fresh copy of the project lands the bundled snapshot offline, applies the
// project to prod and prints a report whose figures are USDA's; a rerun builds nothing; bad input
// fails with one clear line and loses nothing.
// Method: copy sql/ to a temp folder (its .materia/ starts empty), run the command through the CLI
// entry with captured output, and check the report's numbers against sums computed here from the
// zip's CSV in TypeScript.
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { main } from '../pipeline/cli.ts'
import { isMateriaError } from '../pipeline/errors.ts'
import { runMainJob } from '../pipeline/main-job.ts'
import { attributeIds, countryValue, readBundledSnapshot, worldTotals } from './helpers/psd-csv.ts'

const sqlRoot = join(import.meta.dirname, '..', 'sql')
const rows = readBundledSnapshot()
let temp: string

class Capture extends Writable {
  text = ''
  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.text += chunk.toString()
    done()
  }
}

function copyProject(name: string): string {
  const root = join(temp, name)
  cpSync(sqlRoot, root, { recursive: true, filter: (source) => !source.includes('.materia') })
  return root
}

// The environment without a landing override, so the project's own .materia/landing is used.
function cleanEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env }
  delete env.MATERIA_LANDING
  return env
}

const thousands = (value: number) => new Intl.NumberFormat('en-US').format(value)
const percent = (fraction: number) => `${(fraction * 100).toFixed(1)} %`

beforeAll(() => {
  temp = mkdtempSync(join(tmpdir(), 'materia-main-job-'))
})

afterAll(() => {
  if (temp) rmSync(temp, { recursive: true, force: true })
})

describe('materia start', () => {
  let root: string
  let firstReport: string

  it('lands the bundled snapshot, applies prod and prints USDA figures', async () => {
    root = copyProject('fresh')
    const stdout = new Capture()
    const stderr = new Capture()
    const code = await main(['start', '--project', root], { stdout, stderr, env: cleanEnv(), cwd: temp })
    expect(stderr.text).toBe('')
    expect(code).toBe(0)
    const landed = join(root, '.materia', 'landing', 'psd', 'coffee', '2022', '12')
    expect(readdirSync(landed).filter((name) => name.endsWith('.csv.gz'))).toHaveLength(1)
    const text = stdout.text
    expect(text).toContain('Landed the bundled USDA PSD coffee snapshot (2022-12): 77957 rows')
    expect(text).toContain('snapshot 2022-12')
    expect(text).toContain('Quantities in 1000 60-kg bags.')
    expect(text).toContain('Top producers, market year 2023')

    // Top producers: Brazil first, its production and share of the world sum as in the CSV.
    const world2023 = worldTotals(rows, attributeIds.production).get(2023)!
    const producers = rows
      .filter((row) => row.marketYear === 2023 && row.attributeId === attributeIds.production)
      .sort((a, b) => b.value - a.value)
    const brazil = countryValue(rows, 'BR', 2023, attributeIds.production)
    expect(producers[0]?.countryCode).toBe('BR')
    expect(text).toMatch(
      new RegExp(`\\n\\s+1\\s+Brazil\\s+${thousands(brazil)}\\s+${percent(brazil / world2023)}\\n`),
    )
    const tenth = producers[9]!
    expect(text).toMatch(
      new RegExp(
        `\\n\\s+10\\s+${tenth.countryName}\\s+${thousands(tenth.value)}\\s+${percent(tenth.value / world2023)}\\n`,
      ),
    )

    // World balance: the last three market years, production, consumption, ending stocks, stocks-to-use.
    const production = worldTotals(rows, attributeIds.production)
    const consumption = worldTotals(rows, attributeIds.domesticConsumption)
    const ending = worldTotals(rows, attributeIds.endingStocks)
    const exports = worldTotals(rows, attributeIds.exports)
    for (const year of [2023, 2022, 2021]) {
      const stocksToUse = ending.get(year)! / (consumption.get(year)! + exports.get(year)!)
      const line = [year, production.get(year)!, consumption.get(year)!, ending.get(year)!].map((value, i) =>
        i === 0 ? String(value) : thousands(value),
      )
      expect(text).toMatch(new RegExp(`\\n\\s+${line.join('\\s+')}\\s+${percent(stocksToUse)}\\s+84\\n`))
    }
    expect(text).not.toMatch(/\n\s+2020\s/)
    firstReport = text.slice(text.indexOf('BeanFlows'))
  }, 120_000)

  it('reruns without landing or building anything and prints the same report', async () => {
    const stdout = new Capture()
    const result = await runMainJob({ projectRoot: root, stdout, env: cleanEnv() })
    expect(result).toEqual({ landed: false, modelsBuilt: 0, rowsWritten: 0, auditWarnings: 0 })
    expect(stdout.text.slice(stdout.text.indexOf('BeanFlows'))).toBe(firstReport)
  })

  it('refuses an unexpected argument with its usage', async () => {
    const stderr = new Capture()
    const code = await main(['start', 'now'], { stdout: new Capture(), stderr, env: cleanEnv(), cwd: temp })
    expect(code).toBe(1)
    expect(stderr.text).toBe('materia start: unexpected argument now; usage: materia start [--project DIR]\n')
  })

  it('fails on a corrupt landed file with one message, leaving the landing and prod as they were', async () => {
    const broken = copyProject('broken')
    const month = join(broken, '.materia', 'landing', 'psd', 'coffee', '2022', '12')
    mkdirSync(month, { recursive: true })
    writeFileSync(join(month, 'not-gzip.csv.gz'), 'this is not a gzip file\n')
    const error = await runMainJob({ projectRoot: broken, stdout: new Capture(), env: cleanEnv() }).catch(
      (caught: unknown) => caught,
    )
    expect(isMateriaError(error)).toBe(true)
    expect(String((error as Error).message)).toMatch(
      /^models\/raw\/psd_alldata\.sql: model raw\.psd_alldata failed: /,
    )
    expect(existsSync(join(month, 'not-gzip.csv.gz'))).toBe(true)
    // The bundled snapshot was not landed over it and no prod view exists.
    expect(readdirSync(month)).toEqual(['not-gzip.csv.gz'])
    const { openDatabase } = await import('../pipeline/engine/database.ts')
    const db = await openDatabase(join(broken, '.materia', 'local.duckdb'))
    try {
      const views = await db.rows(
        "SELECT count(*) AS n FROM duckdb_views() WHERE schema_name IN ('raw', 'staging', 'cleaned', 'serving')",
      )
      expect(Number(views[0]?.n)).toBe(0)
    } finally {
      db.close()
    }
  })
})
