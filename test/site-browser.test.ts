// Goal: the public site's own pages (landing, methodology, pricing, dashboards index) load from a
// sub-path with relative URLs only, without errors or serious accessibility violations, and the
// pricing page wires Paddle.js only when configured. Method: site-fixture.ts builds and serves
// the site; Chromium visits each page. Screenshots go to test-results/dashboards/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type SiteFixture, screenshotPath, seriousViolations, startSite } from './site-fixture.ts'

let site: SiteFixture

beforeAll(async () => {
  site = await startSite()
})

afterAll(async () => {
  await site?.close()
})

const pages = ['index.html', 'methodology.html', 'pricing.html', 'dashboards/index.html']

describe('the public site in Chromium', () => {
  for (const path of pages) {
    it(`${path}: loads from a sub-path without errors, foreign requests or serious a11y violations`, async () => {
      const { page, problems } = await site.visit(path)
      await page.screenshot({ path: screenshotPath(`site-${path.replaceAll('/', '-')}`), fullPage: true })
      expect(
        await page
          .locator('header img[src$="wordmark.svg"]')
          .evaluate((image: HTMLImageElement) => image.naturalWidth),
      ).toBeGreaterThan(0)
      expect(await seriousViolations(page)).toEqual([])
      expect(problems).toEqual([])
      await page.close()
    })
  }

  it('the landing page links to every public dashboard, and each link works', async () => {
    const { page, problems } = await site.visit('index.html')
    const links = await page
      .locator('.materia-index a')
      .evaluateAll((anchors) => anchors.map((anchor) => (anchor as HTMLAnchorElement).href))
    expect(links.map((link) => link.replace(site.baseUrl, ''))).toEqual([
      'dashboards/world-balance.html',
      'dashboards/top-producers.html',
      'dashboards/coffee-map.html',
      'dashboards/country-profile.html',
      'dashboards/revisions.html',
    ])
    await page.locator('.materia-index a').first().click()
    await page.waitForURL(/world-balance/)
    expect(await page.locator('h1').textContent()).toBe('World coffee balance')
    expect(problems).toEqual([])
    await page.close()
  })

  it('pricing without Paddle settings shows no checkout button and loads no Paddle script', async () => {
    const { page } = await site.visit('pricing.html')
    expect(await page.locator('[data-price-id]').count()).toBe(0)
    expect(await page.locator('script[src*="paddle"]').count()).toBe(0)
    await page.close()
  })
})
