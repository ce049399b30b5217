// Goal: the shipped coffee pages, built as the public site, render correctly in a real browser:
// charts drawn, tables sort and page, the dropdown filters, nothing fetched from another host, no
// console errors, no serious accessibility violations. Method: serving tables computed from the
// genuine USDA snapshot, buildSite into a temp folder, a node:http static server under a sub-path,
// Debian Chromium via playwright-core, axe-core injected from node_modules. Screenshots go to
// test-results/ for a human look.
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import type { Server } from 'node:http'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionRunner } from '../pipeline/dashboards/query.ts'
import { createServingTables, extractSnapshotCsv } from '../pipeline/dashboards/serving-fixture.ts'
import { buildSite } from '../pipeline/dashboards/site.ts'
import { launchChromium } from './chromium.ts'
import { serveFolder } from './static-server.ts'

const root = join(import.meta.dirname, '..')
const screenshots = join(root, 'test-results', 'dashboards')
const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

let instance: DuckDBInstance
let connection: DuckDBConnection
let outDir: string
let csvPath: string
let server: Server
let baseUrl: string
let browser: Browser

beforeAll(async () => {
  csvPath = await extractSnapshotCsv()
  instance = await DuckDBInstance.create(':memory:')
  connection = await instance.connect()
  await createServingTables(connection, csvPath)
  outDir = join(await mkdtemp(join(tmpdir(), 'materia-site-')), 'site')
  const run = connectionRunner(connection, (sql) => sql)
  await buildSite({
    pagesDir: join(root, 'dashboards', 'pages'),
    outDir,
    environment: 'prod',
    runnerFor: () => run,
    paddle: null,
  })
  ;({ server, url: baseUrl } = await serveFolder(outDir, '/beanflows/'))
  browser = await launchChromium()
  await mkdir(screenshots, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await new Promise((resolve) => server?.close(resolve))
  connection?.closeSync()
  instance?.closeSync()
  await rm(dirname(outDir), { recursive: true, force: true })
  await rm(dirname(csvPath), { recursive: true, force: true })
})

interface Visit {
  readonly page: Page
  readonly problems: string[] // console errors, page errors, requests to other hosts, failed loads
}

async function visit(path: string): Promise<Visit> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
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

async function seriousViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ path: axePath })
  const results = await page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(): Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }>
        }
      }
    ).axe
    return (await axe.run()).violations
  })
  return results
    .filter((violation) => violation.impact === 'serious' || violation.impact === 'critical')
    .map((violation) => `${violation.id}: ${violation.nodes.map((node) => node.target.join(' ')).join(', ')}`)
}

async function chartShapes(page: Page): Promise<number[]> {
  return page.$$eval('.materia-chart', (charts) =>
    charts.map((chart) => chart.querySelectorAll('svg path, svg rect').length),
  )
}

const pages = [
  'index.html',
  'methodology.html',
  'pricing.html',
  'dashboards/index.html',
  'dashboards/world-balance.html',
  'dashboards/top-producers.html',
  'dashboards/country-profile.html',
  'dashboards/revisions.html',
]

describe('the built public site in Chromium', () => {
  for (const path of pages) {
    it(`${path}: renders without errors, foreign requests or serious a11y violations`, async () => {
      const { page, problems } = await visit(path)
      const shapes = await chartShapes(page)
      for (const count of shapes) expect(count).toBeGreaterThan(0)
      await page.screenshot({ path: join(screenshots, `${path.replaceAll('/', '_')}.png`), fullPage: true })
      expect(await seriousViolations(page)).toEqual([])
      expect(problems).toEqual([])
      await page.close()
    })
  }

  it('world balance: draws every chart and fills the big values', async () => {
    const { page } = await visit('dashboards/world-balance.html')
    expect((await chartShapes(page)).length).toBe(3)
    const values = await page.$$eval('.materia-bigvalue .stat-value', (nodes) =>
      nodes.map((node) => node.textContent),
    )
    expect(values).toHaveLength(4)
    for (const value of values.slice(0, 3)) expect(value).toMatch(/^\d+\.\dM bags$/)
    expect(values[3]).toMatch(/^\d+\.\d%$/)
    await page.close()
  })

  it('top producers: the table sorts by a clicked column and pages', async () => {
    const { page } = await visit('dashboards/top-producers.html')
    const table = page.locator('[data-component="DataTable"]').first()
    const firstCell = () => table.locator('tbody tr').first().locator('td').first().textContent()
    expect(await firstCell()).toBe('Brazil')
    await table.getByRole('button', { name: /^Country/ }).click()
    const ascending = await table.locator('tbody tr td:first-child').allTextContents()
    expect(ascending).toEqual([...ascending].sort((left, right) => (left < right ? -1 : 1)))
    expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('ascending')
    await table.getByRole('button', { name: /^Country/ }).click()
    expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('descending')
    expect(await table.locator('.materia-page-status').textContent()).toMatch(/^Page 1 of \d+/)
    await table.getByRole('button', { name: 'Next' }).click()
    expect(await table.locator('.materia-page-status').textContent()).toMatch(/^Page 2 of \d+/)
    expect(await table.locator('tbody tr').count()).toBe(10)
    await table.getByRole('searchbox').fill('Colombia')
    expect(await table.locator('tbody tr td:first-child').allTextContents()).toEqual(['Colombia'])
    await page.close()
  })

  it('country profile: the dropdown filters the big values, charts and table', async () => {
    const { page, problems } = await visit('dashboards/country-profile.html')
    const production = () => page.locator('.materia-bigvalue .stat-value').first().textContent()
    const chartData = () =>
      page.evaluate(() => {
        const echarts = (
          window as unknown as {
            echarts: { getInstanceByDom(node: Element): { getOption(): { series: { data: unknown[] }[] } } }
          }
        ).echarts
        return echarts.getInstanceByDom(document.querySelector('.materia-chart')!).getOption().series[0]!.data
      })
    const brazil = await production()
    const brazilSeries = await chartData()
    await page.getByLabel('Country').selectOption('Colombia')
    expect(await production()).not.toBe(brazil)
    expect(await chartData()).not.toEqual(brazilSeries)
    await page.screenshot({ path: join(screenshots, 'country-profile-colombia.png'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })
})
