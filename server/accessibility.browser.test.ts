// Goal: every workbench page can be used with a keyboard and a screen reader. Method: a temporary
// project built into prod and dev, the workbench started in-process, and Debian's Chromium opening
// each page with content on it; axe-core (the WCAG rules engine) runs in the page and must find no
// critical or serious violation, in the light and the dark theme. Each page has one h1, a banner,
// a navigation and a main landmark; the DAG's nodes take the keyboard focus, and focus is visible.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from './renderer-build.ts'
import { pageWaitMs } from './testing/browser-workbench.ts'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { runQuery } from './testing/query-page.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8')

let project: FixtureProject
let workbench: Workbench
let browser: Browser
let page: Page

interface Violation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; html: string }[]
}

// axe-core's violations of impact critical or serious on the page as it stands, one line each.
async function seriousViolations(target: Page): Promise<string[]> {
  await target.evaluate(axeSource)
  const violations = await target.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: { run: (context: Document, options: object) => Promise<{ violations: Violation[] }> }
      }
    ).axe
    const result = await axe.run(document, { resultTypes: ['violations'] })
    return result.violations
  })
  return violations
    .filter((violation) => violation.impact === 'critical' || violation.impact === 'serious')
    .map(
      (violation) =>
        `${violation.impact} ${violation.id}: ${violation.help} at ${violation.nodes
          .slice(0, 3)
          .map((node) => `${node.target.join(' ')} ${node.html.slice(0, 120)}`)
          .join(', ')}`,
    )
}

async function landmarks(
  target: Page,
): Promise<{ h1: number; banner: number; navigation: number; main: number }> {
  return {
    h1: await target.locator('h1').count(),
    banner: await target.getByRole('banner').count(),
    navigation: await target.getByRole('navigation').count(),
    main: await target.getByRole('main').count(),
  }
}

// Each page, opened and brought to the state an analyst sees (a chosen table, a result, a model).
const pages: { name: string; open: (target: Page) => Promise<void> }[] = [
  {
    name: 'home',
    open: async (target) => {
      await target.goto(`${workbench.baseUrl}/`)
      await target.waitForSelector('[data-chart="producers"][data-rendered="1"]')
    },
  },
  {
    name: 'models',
    open: async (target) => {
      await target.goto(`${workbench.baseUrl}/models`)
      await target.locator('#main a[href^="/models?path="]').first().click()
      await target.waitForSelector('#model-editor .view-lines')
    },
  },
  {
    name: 'query',
    open: async (target) => {
      await target.goto(`${workbench.baseUrl}/query`)
      await target.waitForSelector('#query-editor .view-lines')
      await runQuery(target, 'SELECT * FROM serving.obt_commodity_metrics')
      await target.waitForSelector('#result-grid[data-summarized="1"]')
      // The completion list may still be open from typing: Monaco's own rows (aria-label "label,
      // detail") are not ours to name; the page is checked as it reads with the result.
      await target.keyboard.press('Escape')
      await target.waitForSelector('.suggest-widget.visible', { state: 'detached' }).catch(() => {})
      await target.locator('#result-grid').click({ position: { x: 5, y: 5 } })
    },
  },
  { name: 'plan', open: async (target) => void (await target.goto(`${workbench.baseUrl}/plan`)) },
  {
    name: 'dag',
    open: async (target) => {
      await target.goto(`${workbench.baseUrl}/dag`)
      await target.waitForSelector('.dag-node')
    },
  },
  {
    name: 'catalog',
    open: async (target) => {
      await target.goto(`${workbench.baseUrl}/catalog`)
      await target.click('[data-table="serving__dev_analyst.obt_commodity_metrics"]')
      await target.waitForSelector('#catalog-histograms [data-rendered="1"]')
    },
  },
  {
    name: 'diff',
    open: async (target) => {
      await target.goto(
        `${workbench.baseUrl}/diff?model=serving.agg_world_balance&x=market_year&y=production`,
      )
      await target.waitForSelector('#diff-chart[data-rendered="1"]')
    },
  },
  { name: 'dashboards', open: async (target) => void (await target.goto(`${workbench.baseUrl}/dashboards`)) },
  { name: 'prod-run', open: async (target) => void (await target.goto(`${workbench.baseUrl}/prod-run`)) },
]

beforeAll(async () => {
  const rendererDir = ensureRendererBuilt()
  project = createFixtureProject()
  await buildEnvironment(project.root, 'prod')
  await buildEnvironment(project.root, 'dev_analyst')
  workbench = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'analyst' } })
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  page.setDefaultTimeout(pageWaitMs)
  await page.goto(workbench.url)
})

afterAll(async () => {
  await browser?.close()
  await workbench?.close()
  project?.remove()
})

describe('accessibility', () => {
  it('finds no critical or serious axe-core violation on any page, in either theme', async () => {
    const found: string[] = []
    for (const theme of ['light', 'dark']) {
      await page.evaluate((name) => localStorage.setItem('materia-theme', name), theme)
      for (const entry of pages) {
        await entry.open(page)
        for (const line of await seriousViolations(page)) found.push(`${theme} ${entry.name}: ${line}`)
      }
    }
    expect(found).toEqual([])
  }, 300_000)

  it('gives every page one h1 and the banner, navigation and main landmarks', async () => {
    const found: Record<string, unknown> = {}
    for (const entry of pages) {
      await entry.open(page)
      found[entry.name] = await landmarks(page)
    }
    const expected = Object.fromEntries(
      pages.map((entry) => [entry.name, { h1: 1, banner: 1, navigation: 1, main: 1 }]),
    )
    expect(found).toEqual(expected)
  }, 300_000)

  it('reaches DAG nodes with the keyboard and shows where the focus is', async () => {
    await page.goto(`${workbench.baseUrl}/dag`)
    await page.waitForSelector('.dag-node')
    const node = page.locator('.dag-node').first()
    await node.focus()
    await expect(page.evaluate(() => document.activeElement?.classList.contains('dag-node'))).resolves.toBe(
      true,
    )
    // Tab moves from node to node.
    const first = await page.evaluate(() => document.activeElement?.getAttribute('data-model'))
    await page.keyboard.press('Tab')
    const second = await page.evaluate(() => document.activeElement?.getAttribute('data-model'))
    expect(second).not.toBeNull()
    expect(second).not.toBe(first)
    // Enter on a focused node does what a click does: it selects the model.
    await page.keyboard.press('Enter')
    await expect(page.locator('#dag').getAttribute('data-selected')).resolves.toBe(second)
    // A keyboard focus draws an outline, on a DAG node and on a navbar link.
    await page.locator('.dag-node').first().focus()
    const nodeOutline = await page.evaluate(() => {
      const style = getComputedStyle(document.activeElement as Element)
      return { style: style.outlineStyle, width: Number.parseFloat(style.outlineWidth) }
    })
    expect(nodeOutline.style).not.toBe('none')
    expect(nodeOutline.width).toBeGreaterThanOrEqual(2)
    await page.locator('[data-nav="Home"]').focus()
    await page.keyboard.press('Shift+Tab')
    await page.keyboard.press('Tab')
    const linkOutline = await page.evaluate(
      () => getComputedStyle(document.activeElement as Element).outlineStyle,
    )
    expect(linkOutline).not.toBe('none')
  })
})
