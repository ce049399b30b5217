// Goal: the workbench earns trust on first contact. Method: a temporary project with genuine PSD
// rows built into prod only (as after `npm start`); the workbench opens on a dev environment that
// does not exist yet, and Debian's Chromium at 1440x900 checks what an analyst meets first: the
// first query returns prod's rows in dev and the stale badge is silent; a quoted model name in dev
// reads dev, not prod; the plan page shows one changed line as a unified diff, runs the changed
// models' unit tests, and tells the truth after Apply; the theme toggle redraws and resizes charts;
// a dev environment is created from the navbar as a copy of prod and dropped again.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type BrowserWorkbench, openBrowserWorkbench } from './testing/browser-workbench.ts'
import type { FixtureProject } from './testing/fixture-project.ts'
import { firstCell, runQuery } from './testing/query-page.ts'
import type { Workbench } from './workbench.ts'

const screenshots = join(import.meta.dirname, '..', 'test-results')
let project: FixtureProject
let workbench: Workbench
let page: Page
let session: BrowserWorkbench

beforeAll(async () => {
  session = await openBrowserWorkbench({
    user: 'analyst',
    environments: ['prod'],
    context: { viewport: { width: 1440, height: 900 } },
  })
  ;({ project, workbench, page } = session)
})

afterAll(() => session?.close())

describe('trust on first contact', () => {
  it('the first query in a new dev environment returns rows and the stale badge is silent', async () => {
    const stale = page.waitForResponse((response) => response.url().endsWith('/plan/stale'))
    await page.goto(workbench.url)
    await expect(page.locator('#environment').inputValue()).resolves.toBe('dev_analyst')
    await (await stale).finished()
    await expect(page.locator('#stale-count').count()).resolves.toBe(0)
    await page.click('[data-nav="Query"]')
    await page.waitForSelector('#query-editor .view-lines')
    await runQuery(page, 'SELECT count(*) AS n FROM serving.obt_commodity_metrics')
    await expect(firstCell(page)).resolves.toBe('9')
    await page.screenshot({ path: join(screenshots, 'trust-first-query.png') })
  })

  it('plans one changed line as a unified diff, runs its tests, and refreshes after Apply', async () => {
    const path = join(project.root, 'models/serving/obt_commodity_metrics.sql')
    writeFileSync(
      path,
      readFileSync(path, 'utf8').replace(
        '  GROUP BY commodity_code, country_code, market_year',
        "  WHERE country_code <> 'CO'\n  GROUP BY commodity_code, country_code, market_year",
      ),
    )
    await page.goto(`${workbench.baseUrl}/plan`)
    const diff = page.locator('[data-diff="serving.obt_commodity_metrics"]')
    await diff.waitFor()
    await expect(diff.locator('[data-diff-line="added"]').allTextContents()).resolves.toEqual([
      "+   WHERE country_code <> 'CO'",
    ])
    await expect(diff.locator('[data-diff-line="removed"]').count()).resolves.toBe(0)
    await expect(diff.locator('[data-diff-line="same"]').count()).resolves.toBe(6)
    await expect(diff.locator('[data-diff-hunk]').count()).resolves.toBe(1)
    await expect(page.locator('[data-diff="serving.agg_world_balance"]').count()).resolves.toBe(0)
    await page.waitForSelector('#stale-count[data-count="1"]')

    await page.click('#run-tests')
    await page.waitForSelector('#test-results')
    await expect(page.locator('#test-results').getAttribute('data-passed')).resolves.toBe('1')
    await expect(page.locator('#test-results').getAttribute('data-failed')).resolves.toBe('0')
    await page.screenshot({ path: join(screenshots, 'trust-plan.png'), fullPage: true })

    await page.click('#apply-button')
    await page.waitForSelector('#apply-events[data-state="done"]')
    await page.waitForSelector('#plan-empty')
    await expect(page.locator('#apply-button').isDisabled()).resolves.toBe(true)
    await expect(page.locator('#plan-body').textContent()).resolves.not.toContain('model(s) change')
    await page.waitForSelector('#stale-badge:empty', { state: 'attached' })
  })

  it('a quoted model name in dev reads dev, not prod', async () => {
    await page.click('[data-nav="Query"]')
    await page.waitForSelector('#query-editor .view-lines')
    await runQuery(page, 'SELECT count(DISTINCT country_code) AS n FROM "serving"."obt_commodity_metrics"')
    await expect(firstCell(page)).resolves.toBe('2')
    await runQuery(
      page,
      // Writes go to one's scratch schema (the engine's query guard); the model name inside is rewritten.
      'CREATE OR REPLACE TABLE scratch_analyst.countries AS SELECT DISTINCT country_code FROM "serving".obt_commodity_metrics; SELECT count(*) AS n FROM scratch_analyst.countries',
    )
    await expect(firstCell(page)).resolves.toBe('2')
  })

  it('the theme toggle redraws the charts in the theme and they follow a resize', async () => {
    await page.click('[data-nav="Home"]')
    const chart = page.locator('[data-chart="balance"]')
    await page.waitForSelector('[data-chart="balance"][data-rendered="1"]')
    await page.click('#theme-toggle')
    await expect(page.locator('html').getAttribute('data-theme')).resolves.toBe('dark')
    await expect(chart.getAttribute('data-chart-theme')).resolves.toBe('dark')
    await page.setViewportSize({ width: 1024, height: 700 })
    await expect
      .poll(async () => {
        const hostWidth = await chart.evaluate((host) => host.clientWidth)
        // The report charts draw as SVG (small charts), others on a canvas: whichever the chart has.
        const drawnWidth = await chart
          .locator('canvas, svg')
          .first()
          .evaluate((surface) => surface.getBoundingClientRect().width)
        return Math.abs(hostWidth - drawnWidth)
      })
      .toBeLessThan(2)
    await page.screenshot({ path: join(screenshots, 'trust-dark-1024.png') })
    await page.click('#theme-toggle')
    await expect(chart.getAttribute('data-chart-theme')).resolves.toBe('light')
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('creates a dev environment from the navbar as a copy of prod, then drops it', async () => {
    await page.click('#environment-menu summary')
    await page.fill('#new-environment', 'dev_second')
    await Promise.all([page.waitForEvent('load'), page.click('#create-environment')])
    await expect(page.locator('#environment').inputValue()).resolves.toBe('dev_second')
    await page.click('[data-nav="Query"]')
    await page.waitForSelector('#query-editor .view-lines')
    await runQuery(page, 'SELECT count(DISTINCT country_code) AS n FROM serving.obt_commodity_metrics')
    await expect(firstCell(page)).resolves.toBe('3')
    await page.click('#environment-menu summary')
    page.once('dialog', (dialog) => void dialog.accept())
    await Promise.all([page.waitForEvent('load'), page.click('#drop-environment')])
    await expect(page.locator('#environment').inputValue()).resolves.toBe('dev_analyst')
    await expect(page.locator('#environment option[value="dev_second"]').count()).resolves.toBe(0)
    await page.click('#environment-menu summary')
    await page.fill('#new-environment', 'Not Valid')
    await page.click('#create-environment')
    await expect(page.locator('#new-environment:invalid').count()).resolves.toBe(1)
  })
})
