// Goal: the shipped coffee dashboards render correctly in a real browser: charts drawn, big values
// filled, the table sorts, searches and pages, the dropdown filters, nothing fetched from another
// host, no console errors, no serious accessibility violations. Method: the public site built from
// serving tables computed from the genuine USDA snapshot (site-fixture.ts), one visit per page in
// Debian Chromium. Screenshots go to test-results/dashboards/ for a human look.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  chartShapes,
  type SiteFixture,
  screenshotPath,
  seriesLengths,
  seriousViolations,
  startSite,
} from './site-fixture.ts'

let site: SiteFixture

beforeAll(async () => {
  site = await startSite()
})

afterAll(async () => {
  await site?.close()
})

describe('the coffee dashboards in Chromium', () => {
  it('world balance: charts, big values, table; no errors or serious a11y violations', async () => {
    const { page, problems } = await site.visit('dashboards/world-balance.html')
    const shapes = await chartShapes(page)
    expect(shapes).toHaveLength(3)
    for (const count of shapes) expect(count).toBeGreaterThan(5)
    expect(await seriesLengths(page)).toEqual([[34, 34], [34], [34]]) // market years 1990-2023
    const values = await page.$$eval('.materia-bigvalue .stat-value', (nodes) =>
      nodes.map((node) => node.textContent),
    )
    expect(values).toHaveLength(4)
    for (const value of values.slice(0, 3)) expect(value).toMatch(/^\d+\.\dM bags$/)
    expect(values[3]).toMatch(/^\d+\.\d%$/)
    expect(await page.locator('[data-component="DataTable"] tbody tr').count()).toBe(10)
    await page.screenshot({ path: screenshotPath('world-balance'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })

  it('top producers: the table sorts by a clicked column, searches and pages', async () => {
    const { page, problems } = await site.visit('dashboards/top-producers.html')
    for (const count of await chartShapes(page)) expect(count).toBeGreaterThan(5)
    expect(await seriesLengths(page)).toEqual([[15], [24, 24, 24, 24, 24], [15]])
    await page.screenshot({ path: screenshotPath('top-producers'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    const table = page.locator('[data-component="DataTable"]').first()
    const countries = () => table.locator('tbody tr td:first-child').allTextContents()
    expect((await countries())[0]).toBe('Brazil')
    await table.getByRole('button', { name: /^Country/ }).click()
    const ascending = await countries()
    expect(ascending).toEqual([...ascending].sort((left, right) => (left < right ? -1 : 1)))
    expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('ascending')
    await table.getByRole('button', { name: /^Country/ }).click()
    expect(await table.locator('th').first().getAttribute('aria-sort')).toBe('descending')
    expect((await countries())[0]! > (await countries())[9]!).toBe(true)
    expect(await table.locator('.materia-page-status').textContent()).toMatch(/^Page 1 of [2-9] · \d+ rows$/)
    await table.getByRole('button', { name: 'Next', exact: true }).click()
    expect(await table.locator('.materia-page-status').textContent()).toMatch(/^Page 2 of/)
    expect(await table.getByRole('button', { name: 'Previous', exact: true }).isEnabled()).toBe(true)
    await table.getByRole('searchbox').fill('Colombia')
    expect(await countries()).toEqual(['Colombia'])
    expect(await table.locator('.materia-page-status').textContent()).toBe('Page 1 of 1 · 1 rows')
    // The TextInput filters its query's rows in the browser (the SQL's ILIKE '%…%'): the same
    // countries as the table's own search box finds, each holding the text in any case.
    await table.getByRole('searchbox').fill('IA')
    const searched = await table.locator('.materia-page-status').textContent()
    const found = page.locator('[data-component="DataTable"]').nth(1)
    const all = await found.locator('.materia-page-status').textContent()
    await page.getByLabel('Country name contains').fill('ia')
    await expect.poll(() => found.locator('.materia-page-status').textContent()).toBe(searched)
    expect(searched).not.toBe(all)
    for (const name of await found.locator('tbody tr td:first-child').allTextContents())
      expect(name.toLowerCase()).toContain('ia')
    await page.getByLabel('Country name contains').fill('no such country')
    await expect.poll(() => found.locator('tbody tr td:first-child').allTextContents()).toEqual(['No rows'])
    await page.getByLabel('Country name contains').fill('')
    await expect.poll(() => found.locator('.materia-page-status').textContent()).toBe(all)
    expect(problems).toEqual([])
    await page.close()
  })

  it('country profile: the dropdown filters the big values, charts and table', async () => {
    const { page, problems } = await site.visit('dashboards/country-profile.html')
    expect(await seriousViolations(page)).toEqual([])
    const production = () => page.locator('.materia-bigvalue .stat-value').first().textContent()
    const firstSeries = () =>
      page.evaluate(() => {
        type Chart = { getOption(): { series: { data: unknown[] }[] } }
        const echarts = (window as unknown as { echarts: { getInstanceByDom(node: Element): Chart } }).echarts
        return echarts.getInstanceByDom(document.querySelector('.materia-chart')!).getOption().series[0]!.data
      })
    const firstCell = () => page.locator('[data-component="DataTable"] tbody tr td').nth(2).textContent()
    const brazil = { production: await production(), series: await firstSeries(), cell: await firstCell() }
    expect(brazil.production).toMatch(/M bags$/)
    await page.getByLabel('Country').selectOption('Colombia')
    expect(await production()).not.toBe(brazil.production)
    expect(await firstSeries()).not.toEqual(brazil.series)
    expect(await firstCell()).not.toBe(brazil.cell)
    await page.screenshot({ path: screenshotPath('country-profile-colombia'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('revisions: renders the empty comparison of a single snapshot without errors', async () => {
    const { page, problems } = await site.visit('dashboards/revisions.html')
    expect(await page.locator('.materia-bigvalue .stat-value').first().textContent()).toBe('0')
    expect(await page.locator('.materia-page-status').textContent()).toBe('Page 1 of 1 · 0 rows')
    await page.screenshot({ path: screenshotPath('revisions'), fullPage: true })
    expect(await seriousViolations(page)).toEqual([])
    expect(problems).toEqual([])
    await page.close()
  })
})
