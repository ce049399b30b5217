// Goal: the transform project in sql/ turns the genuine USDA PSD coffee snapshot into serving tables
// whose figures are right, and a later monthly snapshot is processed incrementally (only its month)
// and shows up as revisions.
// Method: land the bundled Dec 2022 snapshot into a temp landing with the extractor, plan and apply a
// dev environment through the engine library (audits on) on a temp DuckDB file, then compare the
// serving tables with sums computed here in TypeScript straight from the zip's CSV (never through the
// models). Then land a second snapshot DERIVED from the genuine one (two Brazil values changed, the
// test says which) for Jan 2023 and plan the next day: staging reads one file and the revision shows.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type ApplyEvent, applyPlan } from '../pipeline/engine/apply.ts'
import { auditOptionsForApply } from '../pipeline/engine/apply-audits.ts'
import { type Database, openDatabase } from '../pipeline/engine/database.ts'
import { loadProject } from '../pipeline/engine/load.ts'
import { buildPlan } from '../pipeline/engine/plan.ts'
import { environmentView, type Project } from '../pipeline/engine/project.ts'
import { renderModelQuery } from '../pipeline/engine/render.ts'
import { landBundledSnapshot } from '../pipeline/extract/psd/land.ts'
import { auditWarning } from '../pipeline/main-job.ts'
import {
  attributeIds,
  bundledZipPath,
  countryValue,
  type PsdRow,
  parsePsdCsv,
  readZipEntry,
  worldTotals,
} from './helpers/psd-csv.ts'

const sqlRoot = join(import.meta.dirname, '..', 'sql')
const environment = 'dev_e2e'
const schema = `serving__${environment}`
const firstNow = new Date('2023-01-15T12:00:00Z')
const nextNow = new Date('2023-01-16T12:00:00Z')

let temp: string
let landing: string
let project: Project
let db: Database
let csvText: string
let rows: PsdRow[]
const warnings: string[] = []

async function apply(now: Date): Promise<ApplyEvent[]> {
  const plan = await buildPlan(db, project, { environment, now })
  const events: ApplyEvent[] = []
  await applyPlan(db, project, plan, {
    onEvent: (event) => {
      events.push(event)
      const warning = auditWarning(event)
      if (warning !== null) warnings.push(warning)
    },
    ...auditOptionsForApply(project),
  })
  return events
}

interface ProfileNode {
  readonly operator_name?: string
  readonly operator_cardinality?: number
  readonly children?: readonly ProfileNode[]
}

// The rows each READ_CSV operator of a profile produced.
function csvReads(node: ProfileNode): number[] {
  const own = node.operator_name === 'READ_CSV' ? [Number(node.operator_cardinality)] : []
  return [...own, ...(node.children ?? []).flatMap(csvReads)]
}

async function query(sql: string): Promise<Record<string, unknown>[]> {
  return db.rows(sql)
}

beforeAll(async () => {
  temp = mkdtempSync(join(tmpdir(), 'materia-warehouse-'))
  cpSync(sqlRoot, join(temp, 'project'), {
    recursive: true,
    filter: (source) => !source.includes('.materia'),
  })
  landing = join(temp, 'landing')
  const landed = await landBundledSnapshot(landing)
  expect(landed.status).toBe('landed')
  project = await loadProject(join(temp, 'project'), { env: { ...process.env, MATERIA_LANDING: landing } })
  db = await openDatabase(join(temp, 'warehouse.duckdb'))
  csvText = readZipEntry(bundledZipPath)
  rows = parsePsdCsv(csvText)
  await apply(firstNow)
})

afterAll(() => {
  db?.close()
  if (temp) rmSync(temp, { recursive: true, force: true })
})

describe('warehouse over the genuine Dec 2022 coffee snapshot', () => {
  it('serves exactly the tables and columns sql/CONTRACT.md promises, in its order', async () => {
    const contract = readFileSync(join(sqlRoot, 'CONTRACT.md'), 'utf8')
    const tables = [...contract.matchAll(/^\| `serving\.(\w+)`\s*\|[^|]*\|([^|]*)\|/gm)]
    expect(tables.map((match) => match[1])).toEqual([
      'dim_country',
      'dim_commodity',
      'obt_commodity_metrics',
      'agg_world_balance',
      'fct_psd_revisions',
    ])
    for (const [, table, columns] of tables) {
      const promised = columns!
        .replace(/\([^)]*\)/g, '')
        .split(',')
        .map((column) => column.trim())
      const described = await query(`DESCRIBE ${schema}.${table}`)
      expect(
        described.map((column) => column.column_name),
        table,
      ).toEqual(promised)
    }
  })

  it('keeps every published value once in staging, typed and dated by the snapshot month', async () => {
    const [staging] = await query(
      `SELECT count(*) AS n, count(DISTINCT hkey) AS keys, min(ingest_date)::VARCHAR AS first,
         max(ingest_date)::VARCHAR AS last, min(length(commodity_code)) AS code_length
       FROM staging__${environment}.stg_psdalldata__commodity`,
    )
    expect(Number(staging?.n)).toBe(rows.length)
    expect(Number(staging?.keys)).toBe(rows.length)
    expect(staging?.first).toBe('2022-12-01')
    expect(staging?.last).toBe('2022-12-01')
    expect(Number(staging?.code_length)).toBe(7)
  })

  it('sums world production and consumption per market year as the CSV does', async () => {
    const production = worldTotals(rows, attributeIds.production)
    const consumption = worldTotals(rows, attributeIds.domesticConsumption)
    const world = await query(
      `SELECT market_year, production, domestic_consumption FROM ${schema}.agg_world_balance
       WHERE commodity_code = '0711100' ORDER BY market_year`,
    )
    expect(world.length).toBe(production.size)
    for (const year of world) {
      const marketYear = Number(year.market_year)
      expect(year.production, `production ${marketYear}`).toBeCloseTo(production.get(marketYear)!, 6)
      expect(year.domestic_consumption, `consumption ${marketYear}`).toBeCloseTo(
        consumption.get(marketYear)!,
        6,
      )
    }
    // The figures a coffee analyst knows: market year 2023 (USDA's 2022/23) world production.
    expect(production.get(2023)).toBe(172_750)
  })

  it("serves Brazil's share of world production and stocks-to-use from the CSV's figures", async () => {
    const [brazil] = await query(
      `SELECT production, world_production_share, stocks_to_use, arabica_share, production_yoy, region
       FROM ${schema}.obt_commodity_metrics
       WHERE commodity_code = '0711100' AND country_code = 'BR' AND market_year = 2023`,
    )
    const production = countryValue(rows, 'BR', 2023, attributeIds.production)
    const world = worldTotals(rows, attributeIds.production).get(2023)!
    const ending = countryValue(rows, 'BR', 2023, attributeIds.endingStocks)
    const use =
      countryValue(rows, 'BR', 2023, attributeIds.domesticConsumption) +
      countryValue(rows, 'BR', 2023, attributeIds.exports)
    const previous = countryValue(rows, 'BR', 2022, attributeIds.production)
    expect(brazil?.production).toBe(production)
    expect(brazil?.world_production_share).toBeCloseTo(production / world, 12)
    expect(brazil?.stocks_to_use).toBeCloseTo(ending / use, 12)
    expect(brazil?.arabica_share).toBeCloseTo(
      countryValue(rows, 'BR', 2023, attributeIds.arabicaProduction) / production,
      12,
    )
    expect(brazil?.production_yoy).toBeCloseTo(production / previous - 1, 12)
    expect(brazil?.region).toBe('South America')
  })

  it('computes the world stocks-to-use from summed ending stocks, consumption and exports', async () => {
    const ending = worldTotals(rows, attributeIds.endingStocks)
    const consumption = worldTotals(rows, attributeIds.domesticConsumption)
    const exports = worldTotals(rows, attributeIds.exports)
    const world = await query(
      `SELECT market_year, stocks_to_use FROM ${schema}.agg_world_balance
       WHERE market_year BETWEEN 2021 AND 2023 ORDER BY market_year`,
    )
    expect(world.map((year) => Number(year.market_year))).toEqual([2021, 2022, 2023])
    for (const year of world) {
      const marketYear = Number(year.market_year)
      const expected = ending.get(marketYear)! / (consumption.get(marketYear)! + exports.get(marketYear)!)
      expect(year.stocks_to_use).toBeCloseTo(expected, 12)
    }
  })

  it('has one balance sheet per country and market year and every country in dim_country', async () => {
    const sheets = new Set(rows.map((row) => `${row.countryCode}|${row.marketYear}`))
    const [obt] = await query(`SELECT count(*) AS n FROM ${schema}.obt_commodity_metrics`)
    expect(Number(obt?.n)).toBe(sheets.size)
    const countries = await query(`SELECT country_code, iso3, region FROM ${schema}.dim_country`)
    const byCode = new Map(countries.map((country) => [String(country.country_code), country]))
    for (const code of new Set(rows.map((row) => row.countryCode))) {
      expect(byCode.get(code)?.region, code).not.toBe('Unassigned')
    }
    expect(byCode.get('VM')?.iso3).toBe('VNM')
    expect(byCode.get('IV')?.iso3).toBe('CIV')
    expect(byCode.get('E4')?.iso3).toBeNull()
    const iso = countries.map((country) => country.iso3).filter((code) => code !== null)
    expect(new Set(iso).size).toBe(iso.length)
  })

  it('reports no revision for the first snapshot and no audit finding beyond rounding', async () => {
    const [revisions] = await query(`SELECT count(*) AS n FROM ${schema}.fct_psd_revisions`)
    expect(Number(revisions?.n)).toBe(0)
    expect(warnings).toEqual([])
  })
})

describe('a second monthly snapshot', () => {
  // DERIVED for this test from the genuine Dec 2022 file, not USDA data: Brazil market year 2023
  // production 62600 -> 63000, arabica production and total supply raised by the same 400 (and
  // total distribution left alone, so Brazil's balance no longer closes).
  function derivedSnapshot(): string {
    const raised = (attributeId: string) => (countryValue(rows, 'BR', 2023, attributeId) + 400).toFixed(4)
    const lines = csvText.split('\r\n').map((line) => {
      if (!line.startsWith('0711100,"Coffee, Green",BR,"Brazil",2023,')) return line
      if (line.includes(',028,"Production",')) return line.replace(/,62600\.0000$/, ',63000.0000')
      if (line.includes(',029,"Arabica Production",'))
        return line.replace(/,[\d.]+$/, `,${raised(attributeIds.arabicaProduction)}`)
      if (line.includes(',086,"Total Supply",')) return line.replace(/,[\d.]+$/, `,${raised('086')}`)
      return line
    })
    const text = lines.join('\r\n')
    expect(text).not.toBe(csvText)
    return text
  }

  it('processes only its month and shows what it revised', async () => {
    const month = join(landing, 'psd', 'coffee', '2023', '01')
    mkdirSync(month, { recursive: true })
    writeFileSync(join(month, 'derived-for-test.csv.gz'), gzipSync(derivedSnapshot()))
    const events = await apply(nextNow)
    const staging = events.filter(
      (event) => event.kind === 'batch_done' && event.model === 'staging.stg_psdalldata__commodity',
    )
    // The next day's run re-evaluates the lookback (31 days: 2022-12-16 to 2023-01-16), which holds
    // the Jan snapshot's month start and not December's: one file, read once.
    expect(staging.map((event) => (event.kind === 'batch_done' ? event.rows : -1))).toEqual([rows.length])
    const revisions = await query(
      `SELECT attribute_name, value, previous_value, change, previous_ingest_date::VARCHAR AS previous
       FROM ${schema}.fct_psd_revisions ORDER BY attribute_id`,
    )
    const arabica = countryValue(rows, 'BR', 2023, attributeIds.arabicaProduction)
    const supply = countryValue(rows, 'BR', 2023, '086')
    expect(revisions).toEqual([
      {
        attribute_name: 'production',
        value: 63000,
        previous_value: 62600,
        change: 400,
        previous: '2022-12-01',
      },
      {
        attribute_name: 'arabica_production',
        value: arabica + 400,
        previous_value: arabica,
        change: 400,
        previous: '2022-12-01',
      },
      {
        attribute_name: 'total_supply',
        value: supply + 400,
        previous_value: supply,
        change: 400,
        previous: '2022-12-01',
      },
    ])
    const [brazil] = await query(
      `SELECT production, ingest_date::VARCHAR AS snapshot FROM ${schema}.obt_commodity_metrics
       WHERE country_code = 'BR' AND market_year = 2023`,
    )
    expect(brazil).toEqual({ production: 63000, snapshot: '2023-01-01' })
    // The derived file breaks Brazil's balance by 400 (1000 bags): reported, not blocking.
    const balance = warnings.filter((text) => text.includes('balance_identity'))
    expect(balance.length).toBeGreaterThan(0)
    expect(balance[0]).toContain('BR')
  }, 120_000)

  // DuckDB's own profile of staging over January's interval (both snapshots landed): each read of
  // the landing (READ_CSV) takes rows from the January file alone; December's file is pruned by its
  // path before it is opened, not read and filtered.
  it("reads only the month's file when staging runs over one month", async () => {
    const sql = await renderModelQuery(project, 'staging.stg_psdalldata__commodity', {
      start: new Date('2023-01-01T00:00:00Z'),
      end: new Date('2023-01-16T00:00:00Z'),
      executionTime: nextNow,
      // Each model read where the environment's view of it lives.
      resolveTable: (name) => {
        const [modelSchema = '', table = ''] = name.split('.')
        return environmentView(modelSchema, table, environment)
      },
    })
    const [plan] = await query(`EXPLAIN (ANALYZE, FORMAT json) ${sql}`)
    const reads = csvReads(JSON.parse(String(plan?.explain_value)) as ProfileNode)
    expect(reads.length).toBeGreaterThan(0)
    expect(Math.max(...reads)).toBe(rows.length)
  })
})
