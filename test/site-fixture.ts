// Shared set-up for the browser tests: serving tables from the genuine USDA snapshot, the public
// site built into a temp folder, served from a sub-path on 127.0.0.1:0, and Debian Chromium.
// A visit records every console error, page error, failed load and request to another host.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Browser, Page } from 'playwright-core'
import { connectionRunner } from '../pipeline/dashboards/query.ts'
import { buildSite, type PaddleConfig } from '../pipeline/dashboards/site.ts'
import { createServingTables, extractSnapshotCsv } from '../pipeline/dashboards/testing/serving-fixture.ts'
import { pageWaitMs } from '../server/testing/browser-workbench.ts'
import { launchChromium } from './chromium.ts'
import { serveFolder } from './static-server.ts'

export const repositoryRoot = join(import.meta.dirname, '..')
export const screenshotsDir = join(repositoryRoot, 'test-results', 'dashboards')
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

export interface SiteFixture {
  readonly baseUrl: string
  readonly browser: Browser
  visit(path: string): Promise<Visit>
  close(): Promise<void>
}

export interface Visit {
  readonly page: Page
  readonly problems: string[]
}

export async function startSite(paddle: PaddleConfig | null = null): Promise<SiteFixture> {
  const csvPath = await extractSnapshotCsv()
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await createServingTables(connection, csvPath)
  const outDir = join(await mkdtemp(join(tmpdir(), 'materia-site-')), 'site')
  const run = connectionRunner(connection, (sql) => sql)
  const pagesDir = join(repositoryRoot, 'dashboards', 'pages')
  await buildSite({ pagesDir, outDir, environment: 'prod', runnerFor: () => run, paddle, subscribers: true })
  connection.closeSync()
  instance.closeSync()
  const { server, url: baseUrl } = await serveFolder(outDir, '/beanflows/')
  const browser = await launchChromium()
  await mkdir(screenshotsDir, { recursive: true })
  return {
    baseUrl,
    browser,
    visit: (path) => visit(browser, baseUrl, path),
    close: async () => {
      await browser.close()
      await new Promise<void>((resolve) => (server as Server).close(() => resolve()))
      await rm(dirname(outDir), { recursive: true, force: true })
      await rm(dirname(csvPath), { recursive: true, force: true })
    },
  }
}

async function visit(browser: Browser, baseUrl: string, path: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(pageWaitMs)
  const problems: string[] = []
  page.on('console', (message) => message.type() === 'error' && problems.push(`console: ${message.text()}`))
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`))
  page.on(
    'request',
    (request) => !request.url().startsWith(baseUrl) && problems.push(`request: ${request.url()}`),
  )
  page.on(
    'response',
    (response) => response.status() >= 400 && problems.push(`${response.status()}: ${response.url()}`),
  )
  await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' })
  return { page, problems }
}

interface AxeViolation {
  readonly id: string
  readonly impact: string
  readonly nodes: readonly { readonly target: readonly string[] }[]
}

/** axe-core's serious and critical violations on the page, as "rule: selectors". */
export async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath })
  const violations = await page.evaluate(async () => {
    type Axe = { run(context: Document, options: object): Promise<{ violations: AxeViolation[] }> }
    const axe = (window as unknown as { axe: Axe }).axe
    // Violations only: computing the passing and incomplete results too triples the run time.
    return (await axe.run(document, { resultTypes: ['violations'] })).violations
  })
  return violations
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
}

/** For each chart on the page, how many SVG shapes ECharts drew in it. */
export function chartShapes(page: Page): Promise<number[]> {
  return page.$$eval('.materia-chart', (charts) =>
    charts.map((chart) => chart.querySelectorAll('svg path, svg rect').length),
  )
}

export function screenshotPath(name: string): string {
  return join(screenshotsDir, `${name}.png`)
}

/** For each chart on the page, the number of data points in each of its series. */
export function seriesLengths(page: Page): Promise<number[][]> {
  return page.evaluate(() => {
    type Chart = { getOption(): { series: { data: unknown[] }[] } }
    const echarts = (window as unknown as { echarts: { getInstanceByDom(node: Element): Chart } }).echarts
    return [...document.querySelectorAll('.materia-chart')].map((node) =>
      echarts
        .getInstanceByDom(node)
        .getOption()
        .series.map((series) => series.data.length),
    )
  })
}
