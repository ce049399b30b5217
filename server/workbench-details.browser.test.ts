// Goal: the details an analyst notices on the workbench's pages are right. Method: a temporary
// project with genuine PSD rows (Vietnam's 2020 consumption removed, so the countries reporting
// consumption change in 2021) built into prod, and into dev with 2021's world production raised, with the engine, the workbench started
// in-process, and Debian's Chromium reading the pages as an analyst would at 1024x700 and 1440x900.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { environmentCookie } from './environments.ts'
import { type BrowserWorkbench, openBrowserWorkbench } from './testing/browser-workbench.ts'
import { buildEnvironment } from './testing/fixture-project.ts'
import { runQuery } from './testing/query-page.ts'
import type { Workbench } from './workbench.ts'

let workbench: Workbench
let page: Page
let session: BrowserWorkbench

type Box = { x: number; y: number; width: number; height: number }
const overlaps = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height

beforeAll(async () => {
  session = await openBrowserWorkbench({
    user: 'analyst',
    environments: [],
    context: { viewport: { width: 1024, height: 700 } },
    prepare: async (root) => {
      const csvPath = join(root, 'data', 'psd_coffee.csv')
      const lines = readFileSync(csvPath, 'utf8').split('\n')
      writeFileSync(
        csvPath,
        lines
          .filter((line) => !(line.includes(',VM,') && line.includes(',2020,') && line.includes(',125,')))
          .join('\n'),
      )
      await buildEnvironment(root, 'prod')
      // dev_analyst's world production is 10 % higher in 2021: one changed row for the diff page.
      const balancePath = join(root, 'models', 'serving', 'agg_world_balance.sql')
      writeFileSync(
        balancePath,
        readFileSync(balancePath, 'utf8').replace(
          'sum(production) AS production',
          'sum(production) * CASE WHEN market_year = 2021 THEN 1.1 ELSE 1 END AS production',
        ),
      )
      await buildEnvironment(root, 'dev_analyst')
    },
  })
  ;({ workbench, page } = session)
  await page.goto(workbench.url) // the token URL sets the session cookie the other pages need
})

afterAll(() => session?.close())

describe('Navbar', () => {
  it('fits on one line at 1024x700, 1440x900 and 1920x1080, every page link and control in reach', async () => {
    for (const viewport of [
      { width: 1024, height: 700 },
      { width: 1440, height: 900 },
      { width: 1920, height: 1080 },
    ]) {
      await page.setViewportSize(viewport)
      // The badge arrives after the page: measure once its answer is in.
      const badge = page.waitForResponse((response) => response.url().includes('/plan/stale'))
      await page.goto(workbench.url)
      await badge
      await page.waitForFunction(
        () => document.querySelector('#stale-badge')?.classList.contains('htmx-settling') === false,
      )
      const line = await page.locator('#navbar').evaluate((navbar) => {
        const items = [...navbar.querySelectorAll<HTMLElement>('[data-nav], #environment, #theme-toggle')]
        const tops = items.map((item) => Math.round(item.getBoundingClientRect().top))
        const right = Math.max(...items.map((item) => item.getBoundingClientRect().right))
        return {
          links: navbar.querySelectorAll('[data-nav]').length,
          rows: new Set(tops.map((top) => Math.round(top / 10))).size,
          height: Math.round(navbar.getBoundingClientRect().height),
          overflow: navbar.scrollWidth - navbar.clientWidth,
          clipped: right > window.innerWidth,
        }
      })
      expect({ viewport: viewport.width, ...line }).toEqual({
        viewport: viewport.width,
        links: 9,
        rows: 1,
        height: line.height <= 64 ? line.height : -1,
        overflow: 0,
        clipped: false,
      })
    }
    await page.setViewportSize({ width: 1024, height: 700 })
  })

  it('shows the "changed" badge beside the page links, never over them', async () => {
    // prod was built before agg_world_balance changed: in prod the badge counts one changed model.
    await page.context().addCookies([{ name: environmentCookie, value: 'prod', url: workbench.baseUrl }])
    try {
      for (const width of [1024, 1280, 1440, 1920]) {
        await page.setViewportSize({ width, height: 800 })
        await page.goto(workbench.url)
        const badge = page.locator('#stale-count')
        await badge.waitFor()
        const covered = await page.locator('#navbar').evaluate((navbar) => {
          const box = navbar.querySelector('#stale-count')!.getBoundingClientRect()
          return [...navbar.querySelectorAll<HTMLElement>('[data-nav]')]
            .filter((link) => {
              const other = link.getBoundingClientRect()
              return box.left < other.right && other.left < box.right
            })
            .map((link) => link.dataset.nav)
        })
        const box = await badge.boundingBox()
        expect({
          width,
          covered,
          onScreen: box !== null && box.width > 20 && box.x + box.width <= width,
        }).toEqual({
          width,
          covered: [],
          onScreen: true,
        })
        expect(await badge.getAttribute('title')).toBe('1 model changed since last apply')
      }
    } finally {
      await page
        .context()
        .addCookies([{ name: environmentCookie, value: 'dev_analyst', url: workbench.baseUrl }])
      await page.setViewportSize({ width: 1024, height: 700 })
    }
  })
})

describe('Home', () => {
  it('labels producers with bags and share in distinct colours, beside the pie at 1024x700', async () => {
    await page.goto(workbench.url)
    await page.waitForSelector('[data-chart="producers"][data-rendered="1"]')
    await page.waitForSelector('[data-chart="balance"][data-rendered="1"]')
    const legend = page.locator('#producer-legend')
    const items = legend.locator('[data-producer]')
    await expect(
      items.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-producer'))),
    ).resolves.toEqual(['Brazil', 'Vietnam', 'Colombia'])
    // Brazil 2022: 58,100 thousand bags of 58,100 + 31,580 + 11,800 (the bundled PSD snapshot).
    await expect(items.first().locator('[data-bags]').textContent()).resolves.toBe('58.1M bags')
    await expect(items.first().locator('[data-share]').textContent()).resolves.toBe('57.3%')
    // The slices' own labels (SVG text) name bags and share too.
    const labels = await page.locator('[data-chart="producers"] svg text').allTextContents()
    expect(labels).toContain('58.1M bags · 57.3%')
    const colors = await legend
      .locator('[data-swatch]')
      .evaluateAll((nodes) => nodes.map((node) => getComputedStyle(node).backgroundColor))
    expect(new Set(colors).size).toBe(colors.length)
    const chartBox = await page.locator('[data-chart="producers"]').boundingBox()
    const legendBox = await legend.boundingBox()
    expect(chartBox).not.toBeNull()
    expect(legendBox).not.toBeNull()
    expect(overlaps(chartBox!, legendBox!)).toBe(false)
    // The legend is whole inside its card, not cut off by it.
    const cardBox = await legend.locator('xpath=ancestor::div[contains(@class, "card-body")]').boundingBox()
    expect(legendBox!.x + legendBox!.width).toBeLessThanOrEqual(cardBox!.x + cardBox!.width)
    expect(legendBox!.y + legendBox!.height).toBeLessThanOrEqual(cardBox!.y + cardBox!.height)
  })

  it('notes where the countries reporting consumption change, counted from the data', async () => {
    const note = page.locator('#coverage-notes [data-coverage-year]')
    await expect(
      note.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-coverage-year'))),
    ).resolves.toEqual(['2021'])
    await expect(note.first().textContent()).resolves.toContain('2 → 3 countries report consumption')
  })
})

describe('Catalog', () => {
  it('previews rows in order with formatted numbers, and draws histograms with axes', async () => {
    await page.goto(`${workbench.baseUrl}/catalog`)
    await page.click('[data-table="serving__dev_analyst.obt_commodity_metrics"]')
    await page.waitForSelector('#catalog-preview[data-formatted="1"]')
    const column = async (name: string) =>
      page
        .locator(`#catalog-preview td[data-column="${name}"]`)
        .evaluateAll((cells) => cells.map((cell) => cell.textContent))
    // ORDER BY ALL: commodity, then country code, then market year.
    await expect(column('country_code')).resolves.toEqual([
      'BR',
      'BR',
      'BR',
      'CO',
      'CO',
      'CO',
      'VM',
      'VM',
      'VM',
    ])
    await expect(column('market_year')).resolves.toEqual([
      '2020',
      '2021',
      '2022',
      '2020',
      '2021',
      '2022',
      '2020',
      '2021',
      '2022',
    ])
    const production = page.locator('#catalog-preview td[data-column="production"]').nth(2)
    await expect(production.textContent()).resolves.toBe('58,100')
    await expect(production.evaluate((cell) => getComputedStyle(cell).textAlign)).resolves.toBe('right')
    const share = page.locator('#catalog-preview td[data-column="world_production_share"]').nth(2)
    await expect(share.getAttribute('title')).resolves.toMatch(/^0\.57\d{6,}/)
    await expect(share.textContent()).resolves.toBe('0.573')
    const histogram = page.locator('#catalog-histograms [data-column="production"]')
    await histogram.locator('svg').waitFor()
    const texts = await histogram.locator('svg text').allTextContents()
    expect(texts).toContain('production')
    expect(texts).toContain('rows')
    // Bin edges on the x axis, counts on the y axis, as compact numbers.
    expect(texts.some((text) => /^\d+(\.\d)?K$/.test(text))).toBe(true)
  })
})

describe('Dev vs prod', () => {
  it('shows changed rows as a table per column, and overlaid lines that do not hide each other', async () => {
    await page.goto(`${workbench.baseUrl}/diff?model=serving.agg_world_balance&x=market_year&y=production`)
    const table = page.locator('#diff-changed-rows')
    await table.and(page.locator('[data-formatted="1"]')).waitFor()
    await expect(table.locator('thead th').allTextContents()).resolves.toEqual([
      'commodity_code',
      'market_year',
      'production',
      'prod',
      'dev_analyst',
    ])
    const cells = await table.locator('tbody tr').first().locator('td').allTextContents()
    expect(cells).toEqual(['0711100', '2021', '112,300', '123,530'])
    await expect(page.locator('#diff-sample').count()).resolves.toBe(0)
    // prod: a wide pale band; dev: dashed with markers, drawn over it.
    const chart = page.locator('#diff-chart')
    await chart.locator('svg').waitFor()
    const strokes = await chart.locator('svg path').evaluateAll((paths) =>
      paths.map((path) => ({
        width: Number(path.getAttribute('stroke-width') ?? 0),
        dashed: path.getAttribute('stroke-dasharray') !== null,
        fill: path.getAttribute('fill'),
      })),
    )
    const lines = strokes.filter((stroke) => stroke.fill === 'none' && stroke.width >= 2)
    expect(lines.some((line) => line.width >= 8 && !line.dashed)).toBe(true)
    expect(lines.some((line) => line.width === 2 && line.dashed)).toBe(true)
  })
})

describe('Run in prod without credentials', () => {
  it('lists every missing setting with its purpose before any click, and keeps Review disabled', async () => {
    await page.goto(`${workbench.baseUrl}/prod-run`)
    const items = page.locator('#prod-run-missing [data-missing]')
    await expect(
      items.evaluateAll((nodes) => nodes.map((node) => node.getAttribute('data-missing'))),
    ).resolves.toEqual([
      'R2_ENDPOINT',
      'R2_BUCKET',
      'R2_ACCESS_KEY',
      'R2_SECRET_KEY',
      'HETZNER_TOKEN',
      'MATERIA_GIT_URL',
    ])
    for (const text of await items.allTextContents()) expect(text).toMatch(/^[A-Z0-9_]+: \w.{10,}/)
    await expect(page.locator('[data-action="review-prod-run"]').isDisabled()).resolves.toBe(true)
  })
})

describe('Query page', () => {
  it('says model objects are read-only in dev too, and shows each column summary whole', async () => {
    await page.goto(`${workbench.baseUrl}/query`)
    await expect(page.locator('#query-environment').textContent()).resolves.toContain(
      'dev_analyst · models read-only',
    )
    await page.waitForSelector('#query-editor .view-lines')
    await runQuery(
      page,
      "SELECT range AS n, range * 1.5 AS x, 'code ' || (range % 26)::VARCHAR AS c FROM range(100000)",
    )
    await page.waitForSelector('#result-grid[data-summarized="1"] [data-summary="n"]')
    const clipped = await page
      .locator('#result-grid [data-summary]')
      .evaluateAll((nodes) =>
        nodes.filter((node) => node.scrollWidth > node.clientWidth).map((node) => node.textContent),
      )
    expect(clipped).toEqual([])
    await expect(page.locator('#result-grid [data-summary="n"]').textContent()).resolves.toBe(
      '0 … 99,999 · 0 null · 100,000 distinct',
    )
  })
})
