// Goal: the query result grid is as usable as DuckDB UI's or Harlequin's. Method: the workbench over
// a temporary project (prod built from genuine PSD rows, dev copied from it) in Debian's Chromium
// at 1440x900; queries with known answers check number formatting with full precision kept, NULL
// shown distinctly, dates as dates, continuous scrolling to the last of 250,000 rows, sorting,
// multi-condition filters, column resize, TSV copy read back from the clipboard, the header's
// per-column summary, and a quick chart drawn from the result.
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrowserWorkbench, openBrowserWorkbench, pageWaitMs } from './testing/browser-workbench.ts'
import { runQuery } from './testing/query-page.ts'
import type { Workbench } from './workbench.ts'

const screenshots = join(import.meta.dirname, '..', 'test-results')
let workbench: Workbench
let page: Page
let session: BrowserWorkbench

function cell(row: number, column: number) {
  return page.locator(`#result-grid [data-row="${row}"] [data-col="${column}"]`)
}

beforeAll(async () => {
  session = await openBrowserWorkbench({
    user: 'grid',
    environments: ['prod'],
    context: { viewport: { width: 1440, height: 900 }, permissions: ['clipboard-read', 'clipboard-write'] },
  })
  ;({ workbench, page } = session)
  await page.goto(workbench.url)
  await page.click('[data-nav="Query"]')
  await page.waitForSelector('#query-editor .view-lines')
})

afterAll(() => session?.close())

describe('result grid', () => {
  it('formats numbers, keeps full precision on hover, shows NULL distinctly and dates as dates', async () => {
    await runQuery(
      page,
      "SELECT 0.06971825027498096::DOUBLE AS share, 1234567.891::DOUBLE AS bags, 58100::INTEGER AS tonnes, NULL::INTEGER AS missing, DATE '2024-01-31' AS day, 2022 AS market_year",
    )
    await expect(cell(0, 0).textContent()).resolves.toBe('0.0697')
    await expect(cell(0, 0).getAttribute('title')).resolves.toBe('0.06971825027498096')
    await expect(cell(0, 1).textContent()).resolves.toBe('1,234,567.89')
    await expect(cell(0, 2).textContent()).resolves.toBe('58,100')
    await expect(cell(0, 3).textContent()).resolves.toBe('NULL')
    await expect(cell(0, 3).getAttribute('data-null')).resolves.toBe('1')
    await expect(cell(0, 4).textContent()).resolves.toBe('2024-01-31')
    await expect(cell(0, 5).textContent()).resolves.toBe('2022')
    // The grid redraws its visible rows when a block of rows arrives; a cell read mid-redraw is
    // detached (no computed style), so the alignment is read again until the redraw settles.
    await expect
      .poll(() => cell(0, 1).evaluate((node) => getComputedStyle(node).textAlign), { timeout: pageWaitMs })
      .toBe('right')
  })

  it('scrolls continuously to the last of 250,000 rows, sorts, and filters on several conditions', async () => {
    await runQuery(
      page,
      'SELECT range AS n, range % 7 AS k, CASE WHEN range % 5 = 0 THEN NULL ELSE range END AS m FROM range(250000)',
    )
    // The previous result's grid stays until this one is drawn: wait for this result's count.
    await page.waitForSelector('[data-view-count="250000"]')
    await page.locator('#result-grid .grid-scroll').evaluate((node) => {
      node.scrollTop = node.scrollHeight
    })
    await expect.poll(() => cell(249_999, 0).getAttribute('data-value')).toBe('249999')
    await page.locator('#result-grid .grid-scroll').evaluate((node) => {
      node.scrollTop = node.scrollHeight / 2
    })
    // The grid follows the scroll event asynchronously: read the first drawn row once it moved.
    const firstRow = async () => Number(await page.locator('#result-grid').getAttribute('data-first-row'))
    await expect.poll(firstRow).toBeLessThan(150_000)
    const middle = await firstRow()
    expect(middle).toBeGreaterThan(100_000)
    await expect.poll(() => cell(middle, 0).getAttribute('data-value')).toBe(String(middle))

    await page.click('[data-sort="k"]')
    await page.waitForSelector('#result-grid[data-ready="1"] [data-sort="k"]:has-text("▲")')
    await expect(cell(0, 1).getAttribute('data-value')).resolves.toBe('0')
    await page.click('[data-sort="k"]')
    await page.waitForSelector('#result-grid[data-ready="1"] [data-sort="k"]:has-text("▼")')
    await expect(cell(0, 1).getAttribute('data-value')).resolves.toBe('6')

    await page.selectOption('#filter-column', 'n')
    await page.selectOption('#filter-operator', 'contains')
    await page.fill('#filter-value', '12345')
    await page.click('#filter-add')
    await page.waitForSelector('[data-view-count="13"]')
    await page.selectOption('#filter-column', 'k')
    await page.selectOption('#filter-operator', '>')
    await page.fill('#filter-value', '3')
    await page.click('#filter-add')
    // n contains 12345 and k > 3: counted with DuckDB on the same rows.
    const reader = await workbench.context.connection.runAndReadAll(
      "SELECT count(*)::INTEGER FROM range(250000) WHERE CAST(range AS VARCHAR) LIKE '%12345%' AND range % 7 > 3",
    )
    const expected = String(reader.getRowsJson()[0]?.[0])
    await page.waitForSelector(`[data-view-count="${expected}"]`)
    await page.click('[data-filter="0"] button')
    await page.selectOption('#filter-column', 'm')
    await page.selectOption('#filter-operator', 'is null')
    await page.click('#filter-add')
    // k > 3 and m is null: multiples of 5 whose remainder by 7 is 4, 5 or 6.
    const nulls = await workbench.context.connection.runAndReadAll(
      'SELECT count(*)::INTEGER FROM range(250000) WHERE range % 7 > 3 AND range % 5 = 0',
    )
    await page.waitForSelector(`[data-view-count="${String(nulls.getRowsJson()[0]?.[0])}"]`)
    await page.screenshot({ path: join(screenshots, 'grid-filters.png') })
  })

  it('reuses its row elements while scrolling and fetches the blocks beside the screen ahead of the scroll', async () => {
    await runQuery(page, 'SELECT range AS n, md5(range::VARCHAR) AS h FROM range(300000)')
    await page.waitForSelector('[data-view-count="300000"]')
    const requested: number[] = []
    page.on('request', (request) => {
      const match = /\/api\/query\/\d+\/rows\?offset=(\d+)/.exec(request.url())
      if (match !== null) requested.push(Number(match[1]))
    })
    // Mark the drawn row elements, then scroll far: the marked elements show the new rows.
    await page.locator('#result-grid .grid-row[data-row]').evaluateAll((rows) => {
      for (const row of rows) (row as HTMLElement).dataset.mark = '1'
    })
    await page.locator('#result-grid .grid-scroll').evaluate((node) => {
      node.scrollTop = node.scrollHeight / 2
    })
    const firstRow = async () => Number(await page.locator('#result-grid').getAttribute('data-first-row'))
    await expect.poll(firstRow).toBeGreaterThan(100_000)
    const middle = await firstRow()
    await expect.poll(() => cell(middle, 0).getAttribute('data-value')).toBe(String(middle))
    await expect(page.locator('#result-grid .grid-row[data-row]:not([data-mark])').count()).resolves.toBe(0)
    await expect(
      page.locator('#result-grid .grid-row[data-mark]').first().getAttribute('data-row'),
    ).resolves.toBe(String(middle))
    // The blocks (200 rows) before and after the screen's are asked for without a further scroll.
    const screenBlock = Math.floor(middle / 200)
    await expect
      .poll(() => [...new Set(requested)].sort((left, right) => left - right))
      .toEqual(expect.arrayContaining([(screenBlock - 1) * 200, (screenBlock + 1) * 200]))
  })

  it('resizes a column, copies a cell range and whole rows as TSV, and summarizes each column', async () => {
    await runQuery(page, 'SELECT range AS n, range * 0.5 AS half, NULL::VARCHAR AS note FROM range(10)')
    await page.waitForSelector('#result-grid[data-summarized="1"]')
    await expect(page.locator('[data-summary="n"]').textContent()).resolves.toBe(
      '0 … 9 · 0 null · 10 distinct',
    )
    await expect(page.locator('[data-summary="note"]').textContent()).resolves.toContain('10 null')
    await expect(page.locator('.grid-header .grid-histogram').count()).resolves.toBe(2)

    const header = page.locator('.grid-header-cell[role="columnheader"]').first()
    const before = (await header.boundingBox())?.width ?? 0
    const handle = page.locator('[data-resize="0"]')
    const box = await handle.boundingBox()
    if (box === null) throw new Error('no resize handle')
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    await page.mouse.down()
    await page.mouse.move(box.x + 100, box.y + box.height / 2, { steps: 5 })
    await page.mouse.up()
    await expect
      .poll(async () => Math.round((await header.boundingBox())?.width ?? 0))
      .toBeGreaterThan(before + 90)

    await cell(1, 0).click()
    await cell(3, 1).click({ modifiers: ['Shift'] })
    await page.keyboard.press('Control+C')
    await page.waitForSelector('#result-grid[data-copied-rows="3"]')
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe('1\t0.5\n2\t1.0\n3\t1.5')

    await page.click('[data-row-number="0"]')
    await page.click('[data-row-number="1"]', { modifiers: ['Shift'] })
    await page.keyboard.press('Control+C')
    await page.waitForSelector('#result-grid[data-copied-rows="2"]')
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(
      'n\thalf\tnote\n0\t0.0\t\n1\t0.5\t',
    )
    await page.screenshot({ path: join(screenshots, 'grid-summary.png') })
  })

  it('draws a quick chart from the result with x, y and series picked from its columns', async () => {
    await runQuery(page, 'SELECT market_year, country_code, production FROM serving.obt_commodity_metrics')
    await page.click('#chart-toggle')
    await page.selectOption('#chart-kind', 'bar')
    await page.selectOption('#chart-x', 'market_year')
    await page.selectOption('#chart-y', 'production')
    await page.selectOption('#chart-series', 'country_code')
    await page.click('#chart-draw')
    await page.waitForSelector('#quick-chart-canvas[data-rendered="1"]')
    await expect(page.locator('#quick-chart-canvas').getAttribute('data-series')).resolves.toBe('3')
    await page.screenshot({ path: join(screenshots, 'grid-chart.png') })
    const reply = await page.evaluate(
      async (id) => {
        const response = await fetch(`/api/query/${id}/chart?kind=line&x=market_year&y=nope`)
        return { status: response.status, body: await response.json() }
      },
      await page.locator('#result-view').getAttribute('data-result-id'),
    )
    expect(reply.status).toBe(400)
    expect(reply.body.error).toMatch(/has no column "nope"/)
  })
})
