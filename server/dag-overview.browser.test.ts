// Goal: the DAG of a large project opens as an overview that the browser draws quickly (labels and
// arrowheads, unreadable at that size, left out); zoomed in, the models in view get labels, and
// those a pan brings into view get theirs. Method: a generated 400-model project (bench's
// generator) served by the workbench in-process on port 0, read in Debian's Chromium at 1440x900;
// the wheel zooms in and a drag pans as an analyst would.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { generateProject } from '../bench/generate-project.ts'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from './renderer-build.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let root: string
let workbench: Workbench
let browser: Browser
let page: Page

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'materia-dag-overview-'))
  generateProject(root, { models: 400 })
  workbench = await startWorkbench({
    projectRoot: root,
    rendererDir: ensureRendererBuilt(),
    env: { USER: 'dag' },
  })
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  page = await (await browser.newContext({ viewport: { width: 1440, height: 900 } })).newPage()
  await page.goto(workbench.url)
}, 120_000)

afterAll(async () => {
  await browser?.close()
  await workbench?.close()
  if (root !== undefined) rmSync(root, { recursive: true, force: true })
})

const style = (selector: string, property: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((node, name) => getComputedStyle(node).getPropertyValue(name), property)

const labelled = () => page.locator('.dag-node text').count()

describe('DAG of a large project', () => {
  it('opens as an overview without labels and arrowheads, labels the models in view zoomed in, and more after a pan', async () => {
    await page.goto(`${workbench.baseUrl}/dag`)
    await page.waitForSelector('#dag[data-interactive="1"]')
    await expect(page.locator('.dag-node').count()).resolves.toBe(400)
    await expect(page.locator('#dag-svg.dag-overview').count()).resolves.toBe(1)
    await expect(labelled()).resolves.toBe(0)
    await expect(style('.dag-arrows', 'display')).resolves.toBe('none')
    // Every node still names its model to the keyboard and screen readers.
    await expect(page.locator('.dag-node').first().getAttribute('aria-label')).resolves.toMatch(/^\w+\.\w+, /)

    const box = await page.locator('#dag-svg').boundingBox()
    if (box === null) throw new Error('no DAG drawing')
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
    // Each wheel step zooms in by 1.15; a bounded number of steps reaches legible labels.
    for (let step = 0; step < 40 && (await page.locator('#dag-svg.dag-overview').count()) > 0; step += 1) {
      await page.mouse.wheel(0, -100)
    }
    await expect(page.locator('#dag-svg.dag-overview').count()).resolves.toBe(0)
    await expect(style('.dag-arrows', 'display')).resolves.not.toBe('none')
    // Only the models in view are labelled, each with its own name.
    const inView = await labelled()
    expect(inView).toBeGreaterThan(0)
    expect(inView).toBeLessThan(400)
    const named = await page
      .locator('.dag-node:has(text)')
      .evaluateAll((nodes) =>
        nodes.every((node) => node.getAttribute('data-model') === node.querySelector('text')?.textContent),
      )
    expect(named).toBe(true)
    // Dragging the view down the drawing brings other models into view, and they get labels.
    await page.mouse.down()
    await page.mouse.move(box.x + box.width / 2, box.y + 10, { steps: 5 })
    await page.mouse.up()
    await expect.poll(labelled).toBeGreaterThan(inView)

    // Zoomed back out, the labels go again.
    for (let step = 0; step < 60 && (await page.locator('#dag-svg.dag-overview').count()) === 0; step += 1) {
      await page.mouse.wheel(0, 100)
    }
    await expect(page.locator('#dag-svg.dag-overview').count()).resolves.toBe(1)
    await expect(style('.dag-node text', 'display')).resolves.toBe('none')
  })

  it('draws the same DAG when the navbar swaps it in', async () => {
    await page.goto(workbench.url)
    await page.click('[data-nav="DAG"]')
    await page.waitForSelector('#dag[data-interactive="1"]')
    await expect(page.locator('.dag-node').count()).resolves.toBe(400)
    await expect(page.locator('#dag-svg .dag-edges').getAttribute('d')).resolves.toMatch(/^M[\d.]+,[\d.]+C/)
  })
})
