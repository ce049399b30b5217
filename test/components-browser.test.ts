// Goal: every component of the page language renders in a browser from the bundled data: the
// charts (line, bar, histogram, bubble, heatmap, box plot, funnel, sankey, sparklines, reference
// lines and areas), Value and Delta, and the layout containers (Tabs, Details, Accordion, Grid).
// Method: one page using all of them over serving tables computed from the genuine USDA snapshot,
// built with `buildDashboards` (so with the build's own chart runtime), served from a sub-path,
// visited in Chromium. The screenshot goes to test-results/dashboards/.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import type { Server } from 'node:http'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildDashboards } from '../pipeline/dashboards/build.ts'
import { connectionRunner } from '../pipeline/dashboards/query.ts'
import { createServingTables, extractSnapshotCsv } from '../pipeline/dashboards/testing/serving-fixture.ts'
import { pageWaitMs } from '../server/testing/browser-workbench.ts'
import { launchChromium } from './chromium.ts'
import { screenshotPath, screenshotsDir } from './site-fixture.ts'
import { serveFolder } from './static-server.ts'

const page = `---
title: Every component
---

\`\`\`sql world
SELECT market_year, production, domestic_consumption, ending_stocks,
  production / LAG(production) OVER (ORDER BY market_year) - 1 AS production_yoy
FROM serving.agg_world_balance WHERE market_year BETWEEN 2000 AND 2022 ORDER BY market_year
\`\`\`

\`\`\`sql latest
SELECT * FROM \${world} ORDER BY market_year DESC LIMIT 1
\`\`\`

\`\`\`sql world_newest_first
SELECT market_year, production FROM \${world} ORDER BY market_year DESC
\`\`\`

\`\`\`sql countries
SELECT country_name, market_year, production, exports, domestic_consumption
FROM serving.obt_commodity_metrics
WHERE country_name IN ('Brazil', 'Vietnam', 'Colombia', 'Indonesia', 'Ethiopia') AND market_year BETWEEN 2015 AND 2022
\`\`\`

\`\`\`sql spread
SELECT country_name,
  MIN(production) AS low, QUANTILE_CONT(production, 0.25) AS q1, MEDIAN(production) AS mid,
  QUANTILE_CONT(production, 0.75) AS q3, MAX(production) AS high
FROM \${countries} GROUP BY country_name ORDER BY country_name
\`\`\`

\`\`\`sql flows
SELECT 'Brazil' AS source, 'Exports' AS target, exports AS value FROM serving.obt_commodity_metrics WHERE country_name = 'Brazil' AND market_year = 2022
UNION ALL SELECT 'Brazil', 'Domestic use', domestic_consumption FROM serving.obt_commodity_metrics WHERE country_name = 'Brazil' AND market_year = 2022
UNION ALL SELECT 'Vietnam', 'Exports', exports FROM serving.obt_commodity_metrics WHERE country_name = 'Vietnam' AND market_year = 2022
UNION ALL SELECT 'Vietnam', 'Domestic use', domestic_consumption FROM serving.obt_commodity_metrics WHERE country_name = 'Vietnam' AND market_year = 2022
\`\`\`

World production in {latest[0].market_year}: <Value data={latest} column=production fmt=bags />, <Delta data={latest} column=production_yoy fmt=pct1 /> on the year. Trend: <Sparkline data={world} dateCol=market_year valueCol=production />

<BigValue data={world_newest_first} value=production fmt=bags sparkline=market_year title="World production" />

<BigValue data={latest} value=production fmt=bags sparkline=market_year title="Latest year" />

<Grid cols=2>

<LineChart data={world} x=market_year y=production,domestic_consumption yFmt=bags title="Supply and use">
  <ReferenceLine y=150000 label="150M bags" />
  <ReferenceArea xMin=2008 xMax=2010 label="Crisis" />
</LineChart>

<Histogram data={countries} x=production bins=8 title="Crop sizes" />

</Grid>

<Tabs>
<Tab label="Bubbles">

<BubbleChart data={countries} x=exports y=domestic_consumption size=production title="Trade and use" />

</Tab>
<Tab label="Heatmap">

<Heatmap data={countries} x=market_year y=country_name value=production valueFmt=bags title="Production" />

</Tab>
</Tabs>

<Details title="Spread of crops">

<BoxPlot data={spread} name=country_name min=low intervalBottom=q1 midpoint=mid intervalTop=q3 max=high title="Production, 2015-2022" />

</Details>

<Accordion>
<AccordionItem title="Funnel">

<FunnelChart data={countries} nameCol=country_name valueCol=production title="Production" />

</AccordionItem>
<AccordionItem title="Flows">

<SankeyDiagram data={flows} sourceCol=source targetCol=target valueCol=value title="Where the 2022 crop went" />

</AccordionItem>
</Accordion>
`

let folder: string
let csvPath: string
let server: Server
let baseUrl: string
let browser: Browser

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'materia-components-'))
  csvPath = await extractSnapshotCsv()
  await mkdir(join(folder, 'pages'), { recursive: true })
  await writeFile(join(folder, 'pages', 'all.md'), page)
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await createServingTables(connection, csvPath)
  const run = connectionRunner(connection, (sql) => sql)
  await buildDashboards({
    pagesDir: join(folder, 'pages'),
    outDir: join(folder, 'out'),
    publicOnly: false,
    environment: 'prod',
    runnerFor: () => run,
  })
  connection.closeSync()
  instance.closeSync()
  ;({ server, url: baseUrl } = await serveFolder(join(folder, 'out'), '/dash/'))
  browser = await launchChromium()
  await mkdir(screenshotsDir, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await new Promise<void>((resolve) => (server === undefined ? resolve() : server.close(() => resolve())))
  await rm(folder, { recursive: true, force: true })
  if (csvPath !== undefined) await rm(dirname(csvPath), { recursive: true, force: true })
})

describe('every component in Chromium', () => {
  it('draws each chart, value and container from the bundled data without errors', async () => {
    const tab = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    tab.setDefaultTimeout(pageWaitMs)
    const problems: string[] = []
    tab.on('console', (message) => message.type() === 'error' && problems.push(message.text()))
    tab.on('pageerror', (error) => problems.push(error.message))
    await tab.goto(`${baseUrl}all.html`, { waitUntil: 'load' })
    // Open every collapsed part so its chart gets a size, as a reader would.
    await tab.getByText('Spread of crops').click()
    await tab.getByText('Funnel', { exact: true }).click()
    const shapes = async (type: string) =>
      tab.$$eval(`[data-component="${type}"]`, (nodes) =>
        nodes.map((node) => node.querySelectorAll('svg path, svg rect, svg polyline').length),
      )
    // A sparkline is one bare line (a path and its clip); the others draw many shapes.
    const least: Record<string, number> = {
      LineChart: 10,
      Histogram: 8,
      BubbleChart: 20,
      BoxPlot: 5,
      FunnelChart: 5,
      Sparkline: 1,
      BigValue: 1,
    }
    for (const [type, minimum] of Object.entries(least)) {
      await expect
        .poll(async () => (await shapes(type))[0] ?? 0, { message: type })
        .toBeGreaterThanOrEqual(minimum)
    }
    await tab.getByRole('tab', { name: 'Heatmap' }).check()
    await expect
      .poll(async () => (await shapes('Heatmap'))[0] ?? 0, { message: 'Heatmap' })
      .toBeGreaterThan(10)
    await tab.getByText('Flows', { exact: true }).click()
    await expect
      .poll(async () => (await shapes('SankeyDiagram'))[0] ?? 0, { message: 'Sankey' })
      .toBeGreaterThan(3)
    const line = await tab.evaluate(() => {
      type Chart = {
        getOption(): { series: Array<{ markLine?: { data: unknown[] }; markArea?: { data: unknown[] } }> }
      }
      const echarts = (window as unknown as { echarts: { getInstanceByDom(node: Element): Chart } }).echarts
      const chart = echarts.getInstanceByDom(
        document.querySelector('[data-component="LineChart"] .materia-chart')!,
      )
      const first = chart.getOption().series[0]!
      return { lines: first.markLine?.data.length ?? 0, areas: first.markArea?.data.length ?? 0 }
    })
    expect(line).toEqual({ lines: 1, areas: 1 })
    // The BigValue's sparkline is drawn across its card, oldest year on the left: world production
    // grew from 2000 to 2022, so the line ends higher (a smaller SVG y) than it starts. Over one row
    // it is a dot, never an empty box.
    const trends = await tab.$$eval('[data-component="BigValue"] .materia-chart', (charts) =>
      charts.map((chart) => {
        const paths = [...chart.querySelectorAll<SVGPathElement>('svg path')].filter((path) =>
          /L/.test(path.getAttribute('d') ?? ''),
        )
        const widest = paths
          .map((path) => ({ path, box: path.getBBox() }))
          .sort((a, b) => b.box.width - a.box.width)[0]
        const numbers = (widest?.path.getAttribute('d') ?? '').match(/-?\d+(\.\d+)?/g)?.map(Number) ?? []
        return {
          chartWidth: chart.getBoundingClientRect().width,
          lineWidth: widest?.box.width ?? 0,
          lineHeight: widest?.box.height ?? 0,
          startY: numbers[1] ?? 0,
          endY: numbers.at(-1) ?? 0,
          // Shapes a reader can see: not clip paths, and larger than a hair.
          visible: [...chart.querySelectorAll('svg path')].filter((path) => {
            const box = path.getBoundingClientRect()
            return path.closest('defs, clipPath') === null && box.width > 3 && box.height > 3
          }).length,
        }
      }),
    )
    expect(trends).toHaveLength(2)
    const [series, single] = trends as [(typeof trends)[0], (typeof trends)[0]]
    expect(series.chartWidth).toBeGreaterThan(120)
    expect(series.lineWidth).toBeGreaterThan(series.chartWidth * 0.8)
    expect(series.lineHeight).toBeGreaterThan(10)
    expect(series.endY).toBeLessThan(series.startY)
    expect(single.visible).toBeGreaterThan(0)
    expect(await tab.locator('[data-component="BigValue"] .stat-value').first().textContent()).toBe(
      await tab.locator('[data-component="BigValue"] .stat-value').nth(1).textContent(),
    )
    expect(await tab.locator('.materia-value').first().textContent()).toMatch(/^\d+\.\dM bags$/)
    expect(await tab.locator('.materia-delta').first().textContent()).toMatch(/^[▲▼] [+-]?\d+\.\d%$/)
    expect(await tab.locator('main').textContent()).not.toMatch(/\{|<[A-Z]/)
    await tab.screenshot({ path: screenshotPath('components-all'), fullPage: true })
    expect(problems).toEqual([])
    await tab.close()
  })
})
