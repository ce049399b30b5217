// Home: the coffee report of the main job, from the serving models (sql/CONTRACT.md):
// world production vs consumption and stocks-to-use over market years (serving.agg_world_balance)
// and the top producers' shares of the latest market year (serving.obt_commodity_metrics).
// The page paints at once; the charts fetch /api/report and draw with ECharts.
import { Hono } from 'hono'
import { environmentSchema } from '../../pipeline/engine/index.ts'
import type { WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { html } from '../html.ts'
import { renderPage } from '../shell.ts'

// Producers shown by name in the shares chart; the rest are summed as "Others".
const topProducersMax = 10

export interface Report {
  readonly environment: string
  readonly commodity: string
  readonly balance: {
    readonly years: number[]
    readonly production: number[]
    readonly consumption: number[]
    readonly stocksToUse: (number | null)[]
  }
  readonly producers: { readonly year: number; readonly names: string[]; readonly shares: number[] }
}

async function tableExists(context: WorkbenchContext, schema: string, table: string): Promise<boolean> {
  const reader = await context.connection.runAndReadAll(
    `SELECT count(*)::INTEGER FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $table
     UNION ALL SELECT count(*)::INTEGER FROM duckdb_views() WHERE schema_name = $schema AND view_name = $table`,
    { schema, table },
  )
  return reader.getRowsJson().some((row) => Number(row[0]) > 0)
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
     SELECT country_name, world_production_share::DOUBLE, latest.year::INTEGER
     FROM ${schema}.obt_commodity_metrics, commodity, latest
     WHERE commodity_code = commodity.code AND market_year = latest.year AND production > 0
     ORDER BY production DESC`,
  )
  const producerRows = producers.getRowsJson()
  const top = producerRows.slice(0, topProducersMax)
  const othersShare = producerRows.slice(topProducersMax).reduce((sum, row) => sum + Number(row[1] ?? 0), 0)
  return {
    environment: reportEnvironment,
    commodity: String(rows[0]?.[4] ?? 'Coffee'),
    balance: {
      years: rows.map((row) => Number(row[0])),
      production: rows.map((row) => Number(row[1] ?? 0)),
      consumption: rows.map((row) => Number(row[2] ?? 0)),
      stocksToUse: rows.map((row) => (row[3] === null ? null : Number(row[3]))),
    },
    producers: {
      year: Number(producerRows[0]?.[2] ?? 0),
      names: [...top.map((row) => String(row[0])), ...(othersShare > 0 ? ['Others'] : [])],
      shares: [...top.map((row) => Number(row[1] ?? 0)), ...(othersShare > 0 ? [othersShare] : [])],
    },
  }
}

export function homeRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()
  app.get('/', async (c) => {
    const environment = currentEnvironment(c, context)
    const content = html`<section class="flex flex-col gap-4" data-page="home">
  <div><h1 class="text-2xl font-bold">Coffee market report</h1>
    <p class="opacity-70 text-sm">USDA PSD world balance from the serving models of <b>${environment}</b> (or prod where ${environment} has none yet).</p></div>
  <div class="grid gap-4 lg:grid-cols-2">
    <div class="card bg-base-100 shadow-sm"><div class="card-body">
      <h2 class="card-title text-base">World production vs consumption and stocks-to-use</h2>
      <div class="h-80" data-component="chart" data-chart="balance" data-src="/api/report"></div></div></div>
    <div class="card bg-base-100 shadow-sm"><div class="card-body">
      <h2 class="card-title text-base">Top producers' share of world production</h2>
      <div class="h-80" data-component="chart" data-chart="producers" data-src="/api/report"></div></div></div>
  </div>
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
