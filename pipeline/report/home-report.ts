// The home report: what the main job prints after applying the project, and what the workbench shows
// first. It reads only the serving tables of one environment (sql/CONTRACT.md): the top producers of
// the latest market year with their share of world production, and the world balance of the last
// market years. Reading is async (DuckDB); formatting is pure.
import type { DuckDBConnection } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { environmentSchema } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'

// USDA PSD commodity code of green coffee, zero-padded as published.
export const coffeeCommodityCode = '0711100'

export interface HomeReportOptions {
  readonly environment: string
  readonly commodityCode: string
  readonly producersMax: number // rows in the top producers table
  readonly yearsMax: number // market years in the world balance table
}

export interface Producer {
  readonly countryCode: string
  readonly countryName: string
  readonly production: number
  readonly share: number | null // fraction of the world (sum over countries) production
}

export interface WorldYear {
  readonly marketYear: number
  readonly countryCount: number
  readonly production: number | null
  readonly consumption: number | null
  readonly endingStocks: number | null
  readonly stocksToUse: number | null // fraction: ending stocks / (consumption + exports)
}

export interface HomeReport {
  readonly commodityCode: string
  readonly commodityName: string
  readonly unitName: string // e.g. "1000 60-kg bags"
  readonly snapshot: string // YYYY-MM of the latest snapshot served
  readonly marketYear: number // the latest market year, the one of `producers`
  readonly producers: readonly Producer[]
  readonly world: readonly WorldYear[] // newest market year first
}

function numberOrNull(value: unknown): number | null {
  if (value === null || value === undefined) return null
  const result = Number(value)
  assert(Number.isFinite(result), `not a finite number: ${String(value)}`)
  return result
}

// USDA writes units as "(1000 60 KG BAGS)"; reports say "1000 60-kg bags".
export function unitName(unitDescription: string): string {
  const bare = unitDescription.replace(/^\(|\)$/g, '').trim()
  if (bare === '1000 60 KG BAGS') return '1000 60-kg bags'
  if (bare === '1000 MT') return '1000 metric tons'
  return bare.toLowerCase()
}

export async function readHomeReport(
  connection: DuckDBConnection,
  options: HomeReportOptions,
): Promise<HomeReport> {
  assert(options.producersMax > 0, 'producersMax must be positive')
  assert(options.yearsMax > 0, 'yearsMax must be positive')
  const schema = environmentSchema('serving', options.environment)
  const code = options.commodityCode
  const commodity = (
    await connection.runAndReadAll(
      `SELECT commodity_name, unit_description FROM "${schema}".dim_commodity WHERE commodity_code = $1`,
      [code],
    )
  ).getRowObjectsJS()
  const first = commodity[0]
  if (first === undefined) {
    throw new MateriaError(
      'query',
      `${schema}.dim_commodity has no commodity ${code}; land a PSD snapshot carrying it and apply the project`,
    )
  }
  const world = (
    await connection.runAndReadAll(
      `SELECT market_year, country_count, production, domestic_consumption, ending_stocks, stocks_to_use,
         strftime(ingest_date, '%Y-%m') AS snapshot
       FROM "${schema}".agg_world_balance
       WHERE commodity_code = $1 AND production IS NOT NULL
       ORDER BY market_year DESC
       LIMIT ${options.yearsMax}`,
      [code],
    )
  ).getRowObjectsJS()
  const latest = world[0]
  assert(latest !== undefined, `dim_commodity lists ${code} but agg_world_balance has no year of it`)
  const marketYear = Number(latest.market_year)
  const producers = (
    await connection.runAndReadAll(
      `SELECT country_code, country_name, production, world_production_share
       FROM "${schema}".obt_commodity_metrics
       WHERE commodity_code = $1 AND market_year = $2 AND production > 0
       ORDER BY production DESC, country_code
       LIMIT ${options.producersMax}`,
      [code, marketYear],
    )
  ).getRowObjectsJS()
  const snapshots = (
    await connection.runAndReadAll(
      `SELECT strftime(max(ingest_date), '%Y-%m') AS snapshot FROM "${schema}".agg_world_balance
       WHERE commodity_code = $1`,
      [code],
    )
  ).getRowObjectsJS()
  return {
    commodityCode: code,
    commodityName: String(first.commodity_name),
    unitName: unitName(String(first.unit_description ?? '')),
    snapshot: String(snapshots[0]?.snapshot ?? latest.snapshot),
    marketYear,
    producers: producers.map((row) => ({
      countryCode: String(row.country_code),
      countryName: String(row.country_name),
      production: numberOrNull(row.production) ?? 0,
      share: numberOrNull(row.world_production_share),
    })),
    world: world.map((row) => ({
      marketYear: Number(row.market_year),
      countryCount: Number(row.country_count),
      production: numberOrNull(row.production),
      consumption: numberOrNull(row.domestic_consumption),
      endingStocks: numberOrNull(row.ending_stocks),
      stocksToUse: numberOrNull(row.stocks_to_use),
    })),
  }
}

const quantityFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 })

export function formatQuantity(value: number | null): string {
  return value === null ? 'n/a' : quantityFormat.format(value)
}

export function formatPercent(fraction: number | null): string {
  return fraction === null ? 'n/a' : `${(fraction * 100).toFixed(1)} %`
}

// Columns: [header, align]; every cell is padded to the widest of its column.
function table(
  headers: readonly (readonly [string, 'left' | 'right'])[],
  rows: readonly string[][],
): string[] {
  const widths = headers.map(([title], i) =>
    Math.max(title.length, ...rows.map((row) => row[i]?.length ?? 0)),
  )
  const line = (cells: readonly string[]) =>
    `  ${cells
      .map((cell, i) => (headers[i]?.[1] === 'left' ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('   ')
      .trimEnd()}`
  return [line(headers.map(([title]) => title)), ...rows.map(line)]
}

export function formatHomeReport(report: HomeReport): string {
  const producers = table(
    [
      ['#', 'right'],
      ['country', 'left'],
      ['production', 'right'],
      ['share of world', 'right'],
    ],
    report.producers.map((producer, i) => [
      String(i + 1),
      producer.countryName,
      formatQuantity(producer.production),
      formatPercent(producer.share),
    ]),
  )
  const world = table(
    [
      ['market year', 'right'],
      ['production', 'right'],
      ['consumption', 'right'],
      ['ending stocks', 'right'],
      ['stocks-to-use', 'right'],
      ['countries', 'right'],
    ],
    report.world.map((year) => [
      String(year.marketYear),
      formatQuantity(year.production),
      formatQuantity(year.consumption),
      formatQuantity(year.endingStocks),
      formatPercent(year.stocksToUse),
      String(year.countryCount),
    ]),
  )
  return [
    `BeanFlows · USDA PSD ${report.commodityName} (${report.commodityCode}) · snapshot ${report.snapshot}`,
    `Quantities in ${report.unitName}.`,
    '',
    `Top producers, market year ${report.marketYear}`,
    ...producers,
    '',
    'World balance (sum over countries; stocks-to-use = ending stocks / (consumption + exports))',
    ...world,
    '',
  ].join('\n')
}
