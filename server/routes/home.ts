// Home: the coffee report of the main job, from the serving models (sql/CONTRACT.md):
// world production vs consumption and stocks-to-use over market years (serving.agg_world_balance)
// and the top producers' shares of the latest market year (serving.obt_commodity_metrics).
// The report rides in the page (a few hundred numbers) with a modulepreload hint for the chart code,
// and the charts draw it with ECharts;
// /api/report serves the same JSON to other readers.
import { Hono } from 'hono'
import { environmentSchema } from '../../pipeline/engine/index.ts'
import { chunkPreloads } from '../asset-preload.ts'
import { tableExists, type WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { renderPage } from '../shell.ts'

// Producers shown by name in the shares chart; the rest are summed as "Others".
const topProducersMax = 10

// One colour per slice, none repeated (ECharts' default palette has 9 and would reuse them):
// Tableau 10's hues with a cyan for the tenth, and grey kept for "Others".
export const producerColors = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#17becf',
] as const
const othersColor = '#8c8c8c'

// A change in the number of countries reporting consumption is worth a note on the chart when the
// countries that entered or left carry at least this share of the year's world consumption (USDA
// adds the EU, the US and Japan to consumption only from 2003, and stocks-to-use jumps there).
const coverageShareMin = 0.05

export interface CoverageNote {
  readonly year: number
  readonly before: number // countries reporting consumption the year before
  readonly after: number
  readonly share: number // of the year's world consumption, by the countries that entered or left
}

export interface Report {
  readonly environment: string
  readonly commodity: string
  readonly balance: {
    readonly years: number[]
    readonly production: number[]
    readonly consumption: number[]
    readonly stocksToUse: (number | null)[]
    readonly consumptionCountries: number[]
    readonly notes: CoverageNote[]
  }
  readonly producers: {
    readonly year: number
    readonly names: string[]
    readonly production: number[] // in 1000 60-kg bags, as USDA publishes coffee
    readonly shares: number[]
    readonly colors: string[]
    readonly labels: string[] // bags and share, as the pie's slices show them
  }
}

// The report's environment: the chosen one when its serving views exist, else prod.
async function reportSchema(
  context: WorkbenchContext,
  environment: string,
): Promise<[string, string] | null> {
  for (const candidate of [environment, 'prod']) {
    const schema = environmentSchema('serving', candidate)
    if (await tableExists(context, schema, 'agg_world_balance')) return [candidate, schema]
  }
  return null
}

// Per market year: the countries reporting consumption, and the share of the year's consumption
// held by countries that reported in this year but not the year before (or the other way round).
async function consumptionCoverage(
  context: WorkbenchContext,
  schema: string,
): Promise<Map<number, { countries: number; changedShare: number }>> {
  const reader = await context.connection.runAndReadAll(
    `WITH commodity AS (SELECT min(commodity_code) AS code FROM ${schema}.obt_commodity_metrics),
     reported AS (
       SELECT country_code, market_year, domestic_consumption AS consumption
       FROM ${schema}.obt_commodity_metrics, commodity
       WHERE commodity_code = commodity.code AND domestic_consumption > 0),
     years AS (SELECT market_year, count(*) AS countries, sum(consumption) AS total FROM reported GROUP BY market_year),
     changed AS (
       SELECT coalesce(this.market_year, previous.market_year + 1) AS market_year,
              sum(coalesce(this.consumption, previous.consumption)) AS consumption
       FROM reported AS this FULL OUTER JOIN reported AS previous
         ON previous.country_code = this.country_code AND previous.market_year = this.market_year - 1
       WHERE this.country_code IS NULL OR previous.country_code IS NULL
       GROUP BY 1)
     SELECT years.market_year::INTEGER, years.countries::INTEGER,
            coalesce(changed.consumption / nullif(years.total, 0), 0)::DOUBLE
     FROM years LEFT JOIN changed USING (market_year) ORDER BY years.market_year`,
  )
  return new Map(
    reader
      .getRowsJson()
      .map((row) => [Number(row[0]), { countries: Number(row[1]), changedShare: Number(row[2]) }]),
  )
}

export function coverageNotes(
  years: readonly number[],
  coverage: ReadonlyMap<number, { countries: number; changedShare: number }>,
): CoverageNote[] {
  const notes: CoverageNote[] = []
  for (const [index, year] of years.entries()) {
    if (index === 0) continue
    const before = coverage.get(years[index - 1] ?? year)?.countries ?? 0
    const after = coverage.get(year)
    if (after === undefined || after.countries === before || before === 0) continue
    if (after.changedShare < coverageShareMin) continue
    notes.push({ year, before, after: after.countries, share: after.changedShare })
  }
  return notes
}

// Thousands of 60-kg bags as an analyst reads them: 63,400 -> "63.4M bags".
export function bagsText(thousandBags: number): string {
  const bags = thousandBags * 1000
  if (bags >= 1e6) return `${(bags / 1e6).toFixed(1)}M bags`
  if (bags >= 1e3) return `${(bags / 1e3).toFixed(0)}k bags`
  return `${bags.toFixed(0)} bags`
}

const percentText = (share: number) => `${(share * 100).toFixed(1)}%`

export async function buildReport(context: WorkbenchContext, environment: string): Promise<Report | null> {
  const found = await reportSchema(context, environment)
  if (found === null) return null
  const [reportEnvironment, schema] = found
  const balance = await context.connection.runAndReadAll(
    `WITH commodity AS (SELECT min(commodity_code) AS code FROM ${schema}.agg_world_balance)
     SELECT market_year::INTEGER, production::DOUBLE, domestic_consumption::DOUBLE, stocks_to_use::DOUBLE,
            commodity_name
     FROM ${schema}.agg_world_balance, commodity WHERE commodity_code = commodity.code ORDER BY market_year`,
  )
  const rows = balance.getRowsJson()
  const producers = await context.connection.runAndReadAll(
    `WITH commodity AS (SELECT min(commodity_code) AS code FROM ${schema}.obt_commodity_metrics),
     latest AS (SELECT max(market_year) AS year FROM ${schema}.obt_commodity_metrics, commodity
                WHERE commodity_code = commodity.code AND production > 0)
     SELECT country_name, world_production_share::DOUBLE, latest.year::INTEGER, production::DOUBLE
     FROM ${schema}.obt_commodity_metrics, commodity, latest
     WHERE commodity_code = commodity.code AND market_year = latest.year AND production > 0
     ORDER BY production DESC`,
  )
  const producerRows = producers.getRowsJson()
  const top = producerRows.slice(0, topProducersMax)
  const rest = producerRows.slice(topProducersMax)
  const sum = (list: typeof rest, column: number) =>
    list.reduce((total, row) => total + Number(row[column] ?? 0), 0)
  const others = rest.length > 0
  const years = rows.map((row) => Number(row[0]))
  const coverage = await consumptionCoverage(context, schema)
  const production = [...top.map((row) => Number(row[3] ?? 0)), ...(others ? [sum(rest, 3)] : [])]
  const shares = [...top.map((row) => Number(row[1] ?? 0)), ...(others ? [sum(rest, 1)] : [])]
  return {
    environment: reportEnvironment,
    commodity: String(rows[0]?.[4] ?? 'Coffee'),
    balance: {
      years,
      production: rows.map((row) => Number(row[1] ?? 0)),
      consumption: rows.map((row) => Number(row[2] ?? 0)),
      stocksToUse: rows.map((row) => (row[3] === null ? null : Number(row[3]))),
      consumptionCountries: years.map((year) => coverage.get(year)?.countries ?? 0),
      notes: coverageNotes(years, coverage),
    },
    producers: {
      year: Number(producerRows[0]?.[2] ?? 0),
      names: [...top.map((row) => String(row[0])), ...(others ? ['Others'] : [])],
      production,
      shares,
      colors: [...producerColors.slice(0, top.length), ...(others ? [othersColor] : [])],
      labels: production.map((bags, index) => `${bagsText(bags)} · ${percentText(shares[index] ?? 0)}`),
    },
  }
}

// The pie's legend as HTML beside the chart: it can never cover a slice, wraps below the chart in
// a narrow card, and screen readers read it as a list.
function producerLegend(report: Report): Html {
  const { producers } = report
  return html`<ul class="text-xs flex flex-col gap-1 min-w-44" id="producer-legend" aria-label="Producers in ${producers.year}">${producers.names.map(
    (name, index) =>
      html`<li class="flex items-center gap-2" data-producer="${name}"><span class="inline-block w-3 h-3 rounded-sm shrink-0" style="background:${producers.colors[index] ?? ''}" data-swatch></span><span class="flex-1">${name}</span><span class="tabular-nums opacity-80" data-bags>${bagsText(producers.production[index] ?? 0)}</span><span class="tabular-nums w-12 text-right" data-share>${percentText(producers.shares[index] ?? 0)}</span></li>`,
  )}</ul>`
}

function coverageCaption(report: Report): Html {
  const { notes } = report.balance
  if (notes.length === 0) return html``
  return html`<p class="text-xs opacity-80" id="coverage-notes">${notes.map(
    (note) =>
      html`<span class="mr-3" data-coverage-year="${note.year}">${note.year}: ${note.before} → ${note.after} countries report consumption (${percentText(note.share)} of the year's total), so world totals and stocks-to-use change coverage.</span>`,
  )}</p>`
}

function homeCharts(context: WorkbenchContext, report: Report | null): Html {
  if (report === null) {
    return html`<div role="alert" class="alert">No serving models built yet: run the main job (materia start) or apply a plan.</div>`
  }
  const data = JSON.stringify(report)
  return html`${chunkPreloads(context.rendererDir, 'src/charts.ts')}<div class="grid gap-4 lg:grid-cols-2">
    <div class="card bg-base-100 shadow-sm"><div class="card-body">
      <h2 class="card-title text-base">World production vs consumption and stocks-to-use</h2>
      <div class="h-80" data-component="chart" data-chart="balance" data-json="${data}" role="img"
        aria-label="World production and consumption in 1000 60-kg bags and stocks-to-use, market years ${report.balance.years[0] ?? ''} to ${report.balance.years.at(-1) ?? ''}"></div>
      ${coverageCaption(report)}</div></div>
    <div class="card bg-base-100 shadow-sm"><div class="card-body">
      <h2 class="card-title text-base">Top producers' share of world production, ${report.producers.year}</h2>
      <div class="flex flex-wrap gap-3 items-center">
        <div class="h-80 flex-1 min-w-64" data-component="chart" data-chart="producers" data-json="${data}" role="img"
          aria-label="Pie of production by country in ${report.producers.year}; the list beside it gives each country's bags and share"></div>
        ${producerLegend(report)}</div></div></div>
  </div>`
}

export function homeRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()
  app.get('/', async (c) => {
    const environment = currentEnvironment(c, context)
    // The report is a few hundred numbers: it rides in the page, so the charts draw without a
    // second request.
    const report = await buildReport(context, environment)
    const content = html`<section class="flex flex-col gap-4" data-page="home">
  <div><h1 class="text-2xl font-bold">Coffee market report</h1>
    <p class="opacity-80 text-sm">USDA PSD world balance from the serving models of <b>${environment}</b> (or prod where ${environment} has none yet).</p></div>
  ${homeCharts(context, report)}
</section>`
    return renderPage(c, context, '/', content)
  })
  app.get('/api/report', async (c) => {
    const report = await buildReport(context, currentEnvironment(c, context))
    if (report === null) {
      return c.json({ error: 'no serving models built yet: run `materia start` or apply a plan' }, 404)
    }
    return c.json(report)
  })
  return app
}
