// Goal: edit → plan → apply → explore → compare without leaving the window. Method: a temporary
// project with genuine PSD rows built into prod and dev_test by the engine; model files are changed
// on disk as an editor save would; Debian's Chromium drives the plan page (NON_BREAKING for an added
// column, BREAKING with downstream for a changed filter), applies to dev with live progress, sees a
// blocking audit fail with the environment unchanged, and walks the DAG, the catalog's SUMMARIZE
// profile and the dev-vs-prod diff. Screenshots go to test-results/.
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

function editModel(path: string, edit: (text: string) => string): void {
  const file = join(project.root, path)
  writeFileSync(file, edit(readFileSync(file, 'utf8')))
}

async function devCountries(): Promise<number> {
  const reader = await workbench.context.connection.runAndReadAll(
    'SELECT count(DISTINCT country_code)::INTEGER FROM serving__dev_test.obt_commodity_metrics',
  )
  return Number(reader.getRowsJson()[0]?.[0])
}

beforeAll(async () => {
  session = await openBrowserWorkbench({
    user: 'test',
    environments: ['prod', 'dev_test'],
    context: { viewport: { width: 1400, height: 900 } },
  })
  ;({ project, workbench, page } = session)
  await page.goto(workbench.url)
})

afterAll(() => session?.close())

describe('plan and apply from the window', () => {
  it('shows an added column as NON_BREAKING and a changed filter as BREAKING with downstream', async () => {
    editModel('models/serving/agg_world_balance.sql', (text) =>
      text.replace(
        'count(*) AS country_count,',
        'count(*) AS country_count,\n  max(production) AS largest_production,',
      ),
    )
    await page.goto(`${workbench.baseUrl}/plan`)
    await page.waitForSelector('[data-plan-model="serving.agg_world_balance"] [data-category="NON_BREAKING"]')
    await page.waitForSelector('[data-diff="serving.agg_world_balance"] :text("largest_production")')

    editModel('models/serving/obt_commodity_metrics.sql', (text) =>
      text.replace(
        'GROUP BY commodity_code, country_code, market_year',
        "WHERE country_code <> 'CO'\n  GROUP BY commodity_code, country_code, market_year",
      ),
    )
    await page.goto(`${workbench.baseUrl}/plan`)
    await page.waitForSelector('[data-plan-model="serving.obt_commodity_metrics"] [data-category="BREAKING"]')
    await page.waitForSelector('[data-plan-model="serving.agg_world_balance"]')
    await expect(page.locator('#plan-builds').textContent()).resolves.toContain(
      'serving.obt_commodity_metrics',
    )
    await page.waitForSelector('#stale-count')
    await page.screenshot({ path: join(screenshots, 'workbench-plan.png'), fullPage: true })
  })

  it('applies to dev with live progress, then the data is browsable', async () => {
    expect(await devCountries()).toBe(3)
    await page.click('#apply-button')
    await page.waitForSelector('#apply-events [data-event="model_done"]')
    await page.waitForSelector('#apply-events[data-state="done"]')
    await expect(page.locator('#apply-events').textContent()).resolves.toContain(
      'view(s) of dev_test switched',
    )
    await page.screenshot({ path: join(screenshots, 'workbench-apply.png'), fullPage: true })
    expect(await devCountries()).toBe(2)
  })

  it('shows a failing blocking audit and leaves the environment unchanged', async () => {
    editModel('models/serving/obt_commodity_metrics.sql', (text) =>
      text
        .replace(
          'grain (commodity_code, country_code, market_year));',
          'grain (commodity_code, country_code, market_year), audits (accepted_range(column := production, max_v := 1)));',
        )
        .replace("WHERE country_code <> 'CO'", "WHERE country_code <> 'VM'"),
    )
    await page.goto(`${workbench.baseUrl}/plan`)
    await page.click('#apply-button')
    await page.waitForSelector('#apply-events[data-state="failed"]')
    await expect(page.locator('#apply-events').textContent()).resolves.toMatch(/accepted_range/)
    await page.screenshot({ path: join(screenshots, 'workbench-audit-failure.png'), fullPage: true })
    expect(await devCountries()).toBe(2)
  })

  it('asks for confirmation before applying to prod', async () => {
    const reply = await page.evaluate(async () => {
      const response = await fetch('/plan/apply', {
        method: 'POST',
        body: new URLSearchParams({ environment: 'prod' }),
      })
      return response.status
    })
    expect(reply).toBe(400)
  })

  it('draws the DAG with every model; click highlights lineage, double-click opens the model', async () => {
    await page.goto(`${workbench.baseUrl}/dag`)
    await page.waitForSelector('#dag[data-interactive="1"]')
    expect(await page.locator('.dag-node').count()).toBe(4)
    const node = (model: string) => page.locator(`.dag-node[data-model="${model}"]`)
    await page.click('.dag-node[data-model="staging.stg_psd_coffee"]')
    await page.waitForSelector('#dag[data-selected="staging.stg_psd_coffee"]')
    // The selection's edges (a chain of four models: three edges) keep their arrowheads, undimmed.
    const arrowheads = await page
      .locator('#dag-svg .dag-highlight-arrows')
      .evaluate((path) => [
        (path.getAttribute('d') ?? '').split('z').length - 1,
        getComputedStyle(path).opacity,
      ])
    expect(arrowheads).toEqual([3, '1'])
    // Every label fits inside its node; a long name is drawn whole, narrowed to fit.
    const overflow = await page.locator('.dag-node').evaluateAll((nodes) =>
      nodes.flatMap((node) => {
        const rect = node.querySelector('rect')?.getBBox()
        const text = node.querySelector('text')?.getBBox()
        return rect === undefined || text === undefined || text.x + text.width > rect.width - 4
          ? [node.getAttribute('data-model')]
          : []
      }),
    )
    expect(overflow).toEqual([])
    await expect(node('serving.obt_commodity_metrics').locator('text').textContent()).resolves.toBe(
      'serving.obt_commodity_metrics',
    )
    await page.waitForSelector('#dag[data-states="loaded"]')
    // dev_test holds the filter on CO; the failed apply left the file filtering VM: that model is
    // changed, the one reading it stale (upstream changed), and the rest as applied.
    const stroke = (model: string) =>
      node(model)
        .locator('rect')
        .evaluate((rect) => [rect.getAttribute('stroke'), rect.getAttribute('stroke-dasharray')])
    await expect(node('serving.obt_commodity_metrics').getAttribute('data-state')).resolves.toBe('changed')
    await expect(stroke('serving.obt_commodity_metrics')).resolves.toEqual(['#f59e0b', null])
    await expect(node('serving.agg_world_balance').getAttribute('data-state')).resolves.toBe('stale')
    await expect(stroke('serving.agg_world_balance')).resolves.toEqual(['#0ea5e9', '5 3'])
    await expect(page.locator('.dag-node[data-state]').count()).resolves.toBe(2)
    await page.screenshot({ path: join(screenshots, 'workbench-dag.png') })
    await Promise.all([
      page.waitForURL(/\/models\?path=/),
      page.dblclick('.dag-node[data-model="serving.agg_world_balance"]'),
    ])
    await page.waitForSelector('#model-editor .view-lines')
  })

  it('profiles a table with SUMMARIZE and histograms in the catalog', async () => {
    await page.goto(`${workbench.baseUrl}/catalog`)
    await page.click('[data-table="serving__dev_test.obt_commodity_metrics"]')
    await page.waitForSelector('#catalog-profile td:text("production")')
    await page.waitForSelector('#catalog-histograms [data-chart="histogram"][data-rendered="1"]')
    await expect(page.locator('#catalog-rows').getAttribute('data-rows')).resolves.toBe('6')
    await page.screenshot({ path: join(screenshots, 'workbench-catalog.png'), fullPage: true })
  })

  it('diffs dev against prod after the breaking change', async () => {
    await page.goto(`${workbench.baseUrl}/diff?model=serving.agg_world_balance&x=market_year&y=production`)
    await page.waitForSelector('#diff-stats')
    expect(Number(await page.locator('#diff-changed').getAttribute('data-changed'))).toBeGreaterThan(0)
    await page.waitForSelector('#diff-chart[data-rendered="1"]')
    await page.screenshot({ path: join(screenshots, 'workbench-diff.png'), fullPage: true })
  })
})
