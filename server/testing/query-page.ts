// Browser-test support for the query page: type SQL into the editor, run it, and wait for this run's
// result (a new result id) or its error, never a previous run's grid.
import type { Page } from 'playwright-core'

export async function runQuery(page: Page, sql: string): Promise<void> {
  const view = page.locator('#result-view')
  const previous = (await view.count()) === 0 ? '' : await view.getAttribute('data-result-id')
  await page.evaluate(() => document.querySelector('#query-result [data-error]')?.remove())
  await page.click('#query-editor .view-lines')
  await page.keyboard.press('Control+A')
  await page.keyboard.press('Delete')
  // One input event, as a paste: typing key by key is slow and lets completion interfere.
  await page.keyboard.insertText(sql)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Control+Enter')
  await page.waitForFunction((before) => {
    if (document.querySelector('#query-result [data-error]') !== null) return true
    const next = document.querySelector<HTMLElement>('#result-view')
    const grid = document.querySelector<HTMLElement>('#result-grid')
    return next !== null && next.dataset.resultId !== before && grid?.dataset.ready === '1'
  }, previous)
}

// The first result cell's full-precision value, or the error the query ended with.
export async function firstCell(page: Page): Promise<string> {
  const error = page.locator('#query-result [data-error]')
  if ((await error.count()) > 0) return (await error.textContent()) ?? ''
  return (await page.locator('#result-grid [data-row="0"] [data-col="0"]').getAttribute('data-value')) ?? ''
}
