// Goal: the workbench works as an analyst uses it, in a real browser. Method: build the renderer,
// start the workbench in-process on port 0 over a temporary project with genuine PSD rows built
// into prod and dev_test, drive Debian's Chromium with playwright-core through the models editor,
// the query runner (scrolling, sorting, filtering, export), the environment switcher and the theme
// toggle, and save screenshots under test-results/.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrowserWorkbench, openBrowserWorkbench } from './testing/browser-workbench.ts'
import type { FixtureProject } from './testing/fixture-project.ts'
import type { Workbench } from './workbench.ts'

const screenshots = join(import.meta.dirname, '..', 'test-results')
let project: FixtureProject
let workbench: Workbench
let page: Page
let session: BrowserWorkbench

async function typeInEditor(selector: string, text: string): Promise<void> {
  await page.click(`${selector} .view-lines`)
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  await page.keyboard.type(text)
  await page.keyboard.press('Escape')
}

beforeAll(async () => {
  session = await openBrowserWorkbench({
    user: 'test',
    environments: ['prod', 'dev_test'],
    context: { viewport: { width: 1400, height: 900 }, acceptDownloads: true },
  })
  ;({ project, workbench, page } = session)
  page.on('console', (message) => message.type() === 'error' && console.error('console:', message.text()))
})

afterAll(() => session?.close())

describe('workbench in Chromium', () => {
  it('opens on the home report with both charts drawn', async () => {
    await page.goto(workbench.url)
    expect(page.url()).not.toContain('token=')
    await expect(page.locator('#project-name').textContent()).resolves.toBe('coffee_fixture')
    await page.waitForSelector('[data-chart="balance"][data-rendered="1"]')
    await page.waitForSelector('[data-chart="producers"][data-rendered="1"]')
    await expect(page.locator('#environment').inputValue()).resolves.toBe('dev_test')
    await page.screenshot({ path: join(screenshots, 'workbench-home.png') })
  })

  it('edits a model: side panel, save to disk, completion, diagnostics, external edit', async () => {
    await page.click('[data-nav="Models"]')
    await page.click('[data-path="models/serving/agg_world_balance.sql"]')
    await page.waitForSelector('#model-editor .view-lines')
    await page.waitForSelector('#panel-columns td:text("stocks_to_use")')
    await expect(page.locator('#model-panel').textContent()).resolves.toContain(
      'serving.obt_commodity_metrics',
    )
    const path = join(project.root, 'models/serving/agg_world_balance.sql')

    await page.click('#model-editor .view-lines')
    await page.keyboard.press('Control+End')
    await page.keyboard.press('Enter')
    await page.keyboard.type('-- reviewed in the workbench')
    await page.waitForSelector('#model-editor[data-dirty="1"]')
    await page.keyboard.press('Control+S')
    await page.waitForSelector('#model-editor[data-dirty="0"]')
    expect(readFileSync(path, 'utf8')).toContain('-- reviewed in the workbench')

    await page.keyboard.press('Enter')
    await page.keyboard.type('JOIN serving.')
    await page.waitForSelector(
      '.suggest-widget.visible .monaco-list-row[aria-label*="obt_commodity_metrics"]',
    )
    await page.screenshot({ path: join(screenshots, 'workbench-completion.png') })
    await page.keyboard.press('Escape')
    await page.waitForSelector('#editor-problems li[data-diagnostic="duckdb"]')
    await expect(page.locator('#editor-problems').textContent()).resolves.toContain('syntax error')
    await page.waitForSelector('#model-editor .squiggly-error')
    await page.keyboard.type('nonexistent ON true')
    await page.waitForSelector('#editor-problems li:text("unknown model \\"serving.nonexistent\\"")')
    await page.screenshot({ path: join(screenshots, 'workbench-models.png') })

    // The disk changes under unsaved edits: the editor keeps them and says so.
    writeFileSync(path, `${readFileSync(path, 'utf8')}\n-- changed outside\n`)
    await page.waitForSelector('#editor-conflict:not(.hidden)')
    expect(await page.locator('#model-editor').getAttribute('data-dirty')).toBe('1')
  })

  it('runs a query, scrolls, sorts, filters and exports the whole result as CSV', async () => {
    page.once('dialog', (dialog) => void dialog.accept())
    await page.click('[data-nav="Query"]')
    await page.waitForSelector('#query-editor .view-lines')
    await typeInEditor('#query-editor', 'SELECT range AS n, range % 7 AS k FROM range(250000')
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('#result-grid[data-ready="1"]')
    await expect(page.locator('[data-view-count]').getAttribute('data-view-count')).resolves.toBe('250000')
    await page.locator('#result-grid .grid-scroll').evaluate((node) => {
      node.scrollTop = node.scrollHeight
    })
    await expect
      .poll(() => page.locator('#result-grid [data-row="249999"] [data-col="0"]').getAttribute('data-value'))
      .toBe('249999')
    await page.click('[data-sort="k"]')
    await page.waitForSelector('#result-grid [data-sort="k"]:has-text("▲")')
    await expect
      .poll(() => page.locator('#result-grid [data-row="0"] [data-col="1"]').getAttribute('data-value'))
      .toBe('0')
    await page.click('[data-sort="k"]')
    await page.waitForSelector('#result-grid [data-sort="k"]:has-text("▼")')
    await expect
      .poll(() => page.locator('#result-grid [data-row="0"] [data-col="1"]').getAttribute('data-value'))
      .toBe('6')
    await page.selectOption('#filter-column', 'n')
    await page.selectOption('#filter-operator', 'contains')
    await page.fill('#filter-value', '12345')
    await page.click('#filter-add')
    await page.waitForSelector('[data-view-count="13"]')
    await page.screenshot({ path: join(screenshots, 'workbench-query.png') })

    const download = page.waitForEvent('download')
    await page.click('#export-csv')
    const file = await (await download).path()
    const lines = readFileSync(file, 'utf8').trim().split('\n')
    expect(lines[0]).toBe('n,k')
    expect(lines).toHaveLength(14)
    expect(lines.slice(1).every((line) => line.split(',')[0]?.includes('12345'))).toBe(true)

    await typeInEditor(
      '#query-editor',
      'SELECT market_year, production FROM serving.agg_world_balance ORDER BY 1',
    )
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('[data-view-count="3"]')
    await typeInEditor('#query-editor', 'SELECT * FROM no_such_table')
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('#query-result [data-error]:has-text("no_such_table")')
    await page.click('#query-history-panel summary')
    await page.waitForSelector('#query-history [data-history-entry]:has-text("range(250000)")')
  })

  it('switches to prod (read-only) and toggles the theme', async () => {
    await Promise.all([page.waitForEvent('load'), page.selectOption('#environment', 'prod')])
    await page.waitForSelector('#query-environment:has-text("prod")')
    await page.waitForSelector('#query-editor .view-lines')
    await typeInEditor('#query-editor', 'CREATE TABLE serving.x AS SELECT 1')
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('#query-result [data-error]:has-text("read-only")')
    await page.click('#theme-toggle')
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark')
    await page.click('[data-nav="Home"]')
    await page.waitForSelector('[data-chart="balance"][data-rendered="1"]')
    await page.screenshot({ path: join(screenshots, 'workbench-dark.png') })
  })
})
