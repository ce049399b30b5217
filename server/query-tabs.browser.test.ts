// Goal: query tabs survive a restart of the workbench (which listens on a new port, so the
// browser's storage for the old origin is gone). Method: Chromium opens two tabs with different
// SQL, the workbench stops and starts again over the same project, and a new page finds both tabs
// with their SQL. A malformed save is refused with one line.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from './renderer-build.ts'
import { pageWaitMs } from './testing/browser-workbench.ts'
import { createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench } from './workbench.ts'

let project: FixtureProject
let browser: Browser
let rendererDir: string

beforeAll(async () => {
  rendererDir = ensureRendererBuilt()
  project = createFixtureProject()
  browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
})

afterAll(async () => {
  await browser?.close()
  project?.remove()
})

describe('query tabs', () => {
  it('keeps every tab and its SQL across a restart', async () => {
    const first = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'tabs' } })
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.setDefaultTimeout(pageWaitMs)
    await page.goto(first.url)
    await page.click('[data-nav="Query"]')
    await page.waitForSelector('#query-editor .view-lines')
    await page.click('#query-tab-add')
    await page.waitForSelector('#query-tabs [data-tab="1"][aria-selected="true"]')
    await page.click('#query-editor .view-lines')
    await page.keyboard.insertText('SELECT 2 AS second_tab')
    // Saved once typing pauses: wait for the text in the file (an earlier save, of the added tab,
    // may land after the typing and still hold the empty tab).
    const tabsFile = join(project.root, '.materia', 'query-tabs.json')
    await expect
      .poll(() => readFile(tabsFile, 'utf8').catch(() => ''), { timeout: pageWaitMs })
      .toContain('second_tab')
    const reply = await page.evaluate(async () => {
      const response = await fetch('/api/query/tabs', { method: 'PUT', body: '{"tabs":[]}' })
      return { status: response.status, body: await response.json() }
    })
    expect(reply).toEqual({
      status: 400,
      body: { error: 'query tabs must be a list of 1 to 30 tabs', code: 'usage' },
    })
    await page.close()
    await first.close()

    const second = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'tabs' } })
    try {
      const again = await browser.newPage({ viewport: { width: 1440, height: 900 } })
      again.setDefaultTimeout(pageWaitMs)
      await again.goto(second.url)
      await again.click('[data-nav="Query"]')
      await again.waitForSelector('#query-editor .view-lines')
      await expect(again.locator('#query-tabs [data-tab]').count()).resolves.toBe(2)
      await expect(
        again.locator('#query-tabs [aria-selected="true"]').getAttribute('data-tab'),
      ).resolves.toBe('1')
      await expect(again.locator('#query-editor .view-lines').textContent()).resolves.toContain('second_tab')
      await again.click('#query-tabs [data-tab="0"]')
      await expect(again.locator('#query-editor .view-lines').textContent()).resolves.toContain('42')
    } finally {
      await second.close()
    }
  })
})
