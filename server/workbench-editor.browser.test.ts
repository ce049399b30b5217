// Goal: the model and query editors help an analyst as dbt Cloud's IDE does: column lineage on
// hover and a column mode in the DAG (from the engine's column lineage), completion of models
// without their schema that is never clipped and closes when a query runs, a preview of the model
// or of the CTE under the cursor, the rendered SQL for the environment, Save and Format buttons,
// shortcut hints for the platform, and prod that cannot be dropped. Method: a temporary project
// with genuine PSD rows (plus one VIEW model using a macro) built into prod and dev_test; the
// workbench in-process on port 0; Debian's Chromium through playwright-core; screenshots under
// test-results/.
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { loadProject, renderModelQuery } from '../pipeline/engine/index.ts'
import { reloadIndex } from './context.ts'
import {
  type BrowserWorkbench,
  openBrowserWorkbench,
  pageWaitMs,
  refusalOf,
} from './testing/browser-workbench.ts'
import type { FixtureProject } from './testing/fixture-project.ts'
import type { Workbench } from './workbench.ts'

const screenshots = join(import.meta.dirname, '..', 'test-results')
const renderWindow = {
  start: new Date('2024-01-01T00:00:00Z'),
  end: new Date('2024-01-02T00:00:00Z'),
  executionTime: new Date('2024-01-02T00:00:00Z'),
}
let project: FixtureProject
let workbench: Workbench
let browser: Browser
let page: Page
let session: BrowserWorkbench

// A model whose SQL differs once rendered: @runtime_stage is one of SQLMesh's macro variables
// (docs, "Macro variables": a string naming the runtime stage, e.g. 'evaluating' while a query runs).
const kindNoteModel = `MODEL (name serving.kind_note, kind VIEW);
SELECT
  market_year,
  @runtime_stage AS stage
FROM serving.agg_world_balance
`

async function openModel(path: string): Promise<void> {
  await page.goto(`${workbench.baseUrl}/models?path=${encodeURIComponent(path)}`)
  await page.waitForSelector('#model-editor .view-lines')
}

// The editor's text as Monaco shows it (its lines hold non-breaking spaces).
async function editorText(selector: string): Promise<string> {
  const text = (await page.locator(`${selector} .view-lines`).textContent()) ?? ''
  return text.replaceAll('\u00a0', ' ')
}

// Puts the cursor on the first occurrence of `text` in the model editor.
async function clickOnText(text: string): Promise<void> {
  const point = await revealInEditor('#model-editor', text)
  await page.mouse.click(point.x, point.y)
}

// Returns a point on the second letter of `word`'s first occurrence in the editor, scrolling the
// editor with the wheel, as a user would, until that point lies in the part of the editor that shows
// text. A long line's end is in the page but clipped, and Playwright's own scrolling of the clipped
// container is undone by Monaco.
async function revealInEditor(editor: string, word: string): Promise<{ x: number; y: number }> {
  // A line's text is one span holding a span per token.
  const line = page.locator(`${editor} .view-line > span`, { hasText: word }).first()
  for (let attempt = 1; ; attempt += 1) {
    const [box, frame, text] = await Promise.all([
      line.boundingBox(),
      page.locator(`${editor} .overflow-guard`).boundingBox(),
      line.textContent(),
    ])
    // Monaco redraws lines while it settles: a span can go between two looks at it.
    if (box !== null && frame !== null && text?.includes(word)) {
      // The editor's font is monospaced.
      const charWidth = box.width / text.length
      const point = { x: box.x + charWidth * (text.indexOf(word) + 1.5), y: box.y + box.height / 2 }
      // The vertical scrollbar and overview ruler cover the editor's right edge.
      const scrollbar = 20
      const inside = { x: point.x - frame.x, y: point.y - frame.y }
      if (
        inside.y > 0 &&
        inside.y < frame.height - scrollbar &&
        inside.x > 0 &&
        inside.x < frame.width - scrollbar
      ) {
        return point
      }
      // Monaco scrolls sideways on Shift with the wheel (a wheel's own sideways delta is ignored).
      await page.mouse.move(frame.x + frame.width / 2, frame.y + frame.height / 2)
      await page.mouse.wheel(0, inside.y - frame.height / 2)
      await page.keyboard.down('Shift')
      await page.mouse.wheel(0, inside.x - frame.width / 2)
      await page.keyboard.up('Shift')
    }
    if (attempt === 10)
      throw new Error(`"${word}" stays outside the editor ${editor}: ${JSON.stringify({ box, frame })}`)
    await page.waitForTimeout(200)
  }
}

// Hovers the token until Monaco shows its lineage hover: a hover lasts only while the pointer stays
// on the word, and a late layout change on a busy machine (a panel or badge drawn after the editor)
// can move the word from under a single hover.
async function hoverForLineage(word: string, editor = '#model-editor'): Promise<Locator> {
  const hover = page.locator('.monaco-hover:has-text("Column lineage")')
  for (let attempt = 1; ; attempt += 1) {
    const point = await revealInEditor(editor, word)
    await page.mouse.move(point.x, point.y)
    try {
      await hover.waitFor({ timeout: 10_000 })
      return hover
    } catch (error) {
      if (attempt === 5) throw error
      await page.mouse.move(0, 0)
    }
  }
}

beforeAll(async () => {
  session = await openBrowserWorkbench({
    user: 'test',
    environments: ['prod', 'dev_test'],
    context: { viewport: { width: 1440, height: 900 } },
    prepare: (root) => writeFileSync(join(root, 'models/serving/kind_note.sql'), kindNoteModel),
  })
  ;({ project, workbench, browser, page } = session)
  await page.goto(workbench.url)
})

afterAll(() => session?.close())

describe('model editor and DAG: column lineage', () => {
  it('shows a column lineage on hover over a column in the model editor', async () => {
    await openModel('models/serving/agg_world_balance.sql')
    const hover = await hoverForLineage('stocks_to_use')
    const text = ((await hover.textContent()) ?? '').replaceAll('\u00a0', ' ')
    expect(text).toContain('serving.agg_world_balance.stocks_to_use')
    expect(text).toContain('<- serving.obt_commodity_metrics.ending_stocks')
    expect(text).toContain('staging.stg_psd_coffee.value')
    // Downstream: the VIEW model reads market_year, not stocks_to_use.
    expect(text).toContain('(no column uses it)')
    await page.screenshot({ path: join(screenshots, 'editor-lineage-hover.png') })
  })

  it('answers a word that is no column with nothing, and an unknown model with one line', async () => {
    const replies = await page.evaluate(async () => {
      const ask = async (query: string) => {
        const response = await fetch(`/api/lineage?${query}`)
        return { status: response.status, body: await response.json() }
      }
      return [
        await ask('model=serving.agg_world_balance&word=FROM'),
        await ask('model=serving.nope&word=market_year'),
      ]
    })
    expect(replies[0]).toEqual({ status: 200, body: { column: null } })
    expect(replies[1]?.status).toBe(400)
    expect(replies[1]?.body.error).toBe('unknown model "serving.nope"; open a model file to see lineage')
  })

  it('shows the same column lineage on hover in the query editor, for the models the query reads', async () => {
    await page.goto(`${workbench.baseUrl}/query`)
    await page.waitForSelector('#query-editor .view-lines')
    await page.click('#query-editor .view-lines')
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.insertText(
      'SELECT b.market_year, b.stocks_to_use\nFROM "serving"."agg_world_balance" AS b\nWHERE b.market_year > 2020',
    )
    await page.keyboard.press('Escape')
    const hover = await hoverForLineage('stocks_to_use', '#query-editor')
    const text = ((await hover.textContent()) ?? '').replaceAll('\u00a0', ' ')
    expect(text).toContain('serving.agg_world_balance.stocks_to_use')
    expect(text).toContain('<- serving.obt_commodity_metrics.ending_stocks')
    expect(text).toContain('staging.stg_psd_coffee.value')
    // A word that is no column of a model the query reads gets no lineage; a query that reads no
    // model has none to offer; text past the size limit is refused in one line.
    const replies = await page.evaluate(async () => {
      const ask = async (body: unknown) => {
        const response = await fetch('/api/lineage/query', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        })
        return { status: response.status, body: await response.json() }
      }
      return [
        await ask({ text: 'SELECT stocks_to_use FROM serving.agg_world_balance', word: 'WHERE' }),
        await ask({ text: 'SELECT 1 AS stocks_to_use', word: 'stocks_to_use' }),
        await ask({ text: `SELECT '${'x'.repeat(1_100_000)}'`, word: 'x' }),
      ]
    })
    expect(replies[0]).toEqual({ status: 200, body: { column: null } })
    expect(replies[1]).toEqual({ status: 200, body: { column: null } })
    expect(replies[2]?.status).toBe(400)
    expect(replies[2]?.body.error).toMatch(/^query is larger than querySqlBytesMax/)
  })

  it('draws the DAG in column mode with edges between columns, and highlights a column lineage', async () => {
    await page.goto(`${workbench.baseUrl}/dag`)
    await page.waitForSelector('#dag[data-interactive="1"]')
    await page.click('[data-dag-mode="columns"]')
    const column = page.locator('.dag-column[data-key="serving.agg_world_balance.stocks_to_use"]')
    await column.waitFor()
    await page.waitForSelector('#dag[data-interactive="1"]')
    const edges = page.locator(
      '.dag-column-edge[data-from="serving.obt_commodity_metrics.ending_stocks"][data-to="serving.agg_world_balance.stocks_to_use"]',
    )
    await expect(edges.count()).resolves.toBe(1)
    await expect(
      page.locator('.dag-node[data-model="staging.stg_psd_coffee"] .dag-column').count(),
    ).resolves.toBe(9)
    await column.click()
    await page.waitForSelector('.dag-column[data-key="staging.stg_psd_coffee.value"][data-related="1"]')
    await expect(
      page
        .locator('.dag-column[data-key="serving.agg_world_balance.market_year"]')
        .getAttribute('data-related'),
    ).resolves.toBe('0')
    await page.screenshot({ path: join(screenshots, 'dag-columns.png') })
  })
})

describe('completion', () => {
  it('offers a model by its table name without the schema, and inserts the full name', async () => {
    await page.goto(`${workbench.baseUrl}/query`)
    await page.waitForSelector('#query-editor .view-lines')
    await page.click('#query-editor .view-lines')
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.insertText('SELECT * FROM ')
    await page.keyboard.type('obt')
    // Asked for explicitly: the list then comes from one request for the whole word.
    await page.keyboard.press('Control+Space')
    await page.waitForSelector(
      '.suggest-widget.visible .monaco-list-row[aria-label*="serving.obt_commodity_metrics"]',
    )
    await page.keyboard.press('Enter')
    await expect
      .poll(() => editorText('#query-editor'))
      .toContain('SELECT * FROM serving.obt_commodity_metrics')
  })

  it('is never clipped by a short editor', async () => {
    await page.goto(`${workbench.baseUrl}/query`)
    await page.waitForSelector('#query-editor .view-lines')
    await page.setViewportSize({ width: 1024, height: 700 })
    onTestFinished(() => page.setViewportSize({ width: 1440, height: 900 }))
    await page.click('#query-editor .view-lines')
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.type('SELECT s')
    // Asked for explicitly: typed suggestions may be dismissed while the answer is slow to come.
    await page.keyboard.press('Control+Space')
    const widget = page.locator('.suggest-widget.visible')
    await widget.waitFor()
    await page.screenshot({ path: join(screenshots, 'completion-short-editor.png') })
    const host = await page.locator('#query-editor').boundingBox()
    const box = await widget.boundingBox()
    expect(host).not.toBeNull()
    expect(box).not.toBeNull()
    // The list reaches below the editor and what is there is the list, not the page behind it.
    expect((box?.y ?? 0) + (box?.height ?? 0)).toBeGreaterThan((host?.y ?? 0) + (host?.height ?? 0) + 10)
    const onTop = await page.evaluate(
      ([x, y]) => document.elementFromPoint(x ?? 0, y ?? 0)?.closest('.suggest-widget') !== null,
      [(box?.x ?? 0) + 20, (box?.y ?? 0) + (box?.height ?? 0) - 6],
    )
    expect(onTop).toBe(true)
    await page.keyboard.press('Escape')
  })

  it('closes when the query runs', async () => {
    await page.goto(`${workbench.baseUrl}/query`)
    await page.waitForSelector('#query-editor .view-lines')
    await page.click('#query-editor .view-lines')
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.type('SELECT 42 AS s')
    await page.keyboard.press('Control+Space')
    await page.waitForSelector('.suggest-widget.visible')
    await page.keyboard.press('Control+Enter')
    await page.waitForSelector('#result-grid[data-ready="1"]')
    await expect(page.locator('[data-view-count]').getAttribute('data-view-count')).resolves.toBe('1')
    await expect(page.locator('.suggest-widget.visible').count()).resolves.toBe(0)
  })
})

describe('preview and rendered SQL', () => {
  it('previews the CTE under the cursor, then the whole model as edited, in the environment', async () => {
    await openModel('models/serving/obt_commodity_metrics.sql')
    await clickOnText('any_value(commodity_name)')
    await page.keyboard.press('Control+Shift+Enter')
    await page.waitForSelector('#model-preview-result[data-preview="pivoted"] #result-grid[data-ready="1"]')
    await expect(page.locator('#model-preview-result h2').textContent()).resolves.toContain(
      'CTE pivoted of serving.obt_commodity_metrics',
    )
    await expect(
      page.locator('#model-preview [data-view-count]').getAttribute('data-view-count'),
    ).resolves.toBe('9')
    await expect(page.locator('#model-preview [data-sort="world_production_share"]').count()).resolves.toBe(0)

    // An unsaved edit in the final SELECT: the preview runs the editor's text, not the file.
    await clickOnText('world_production_share')
    await page.keyboard.press('End')
    await page.keyboard.type(',\n1 AS unsaved_marker')
    await page.keyboard.press('Escape')
    await page.click('#editor-preview')
    await page.waitForSelector(
      '#model-preview-result[data-preview="serving.obt_commodity_metrics"] [data-sort="unsaved_marker"]',
    )
    await expect(page.locator('#model-preview #result-summary').textContent()).resolves.toContain('dev_test')
    await page.screenshot({ path: join(screenshots, 'editor-preview.png') })

    // A query DuckDB cannot read: one line saying so, nothing else.
    await clickOnText('unsaved_marker')
    await page.keyboard.press('End')
    await page.keyboard.type(' FROM FROM')
    await page.keyboard.press('Escape')
    await page.click('#editor-preview')
    await page.waitForSelector('#model-preview [data-error]')
    await expect(page.locator('#model-preview [data-error]').textContent()).resolves.toMatch(/syntax error/i)
  })

  it('shows the model SQL rendered by the engine for the environment', async () => {
    page.once('dialog', (dialog) => void dialog.accept())
    await openModel('models/serving/kind_note.sql')
    const rendered = page.locator('#panel-rendered')
    await rendered.waitFor()
    const text = (await rendered.textContent()) ?? ''
    expect(text).toContain(`'evaluating' AS stage`)
    expect(text).toContain('"serving__dev_test"."agg_world_balance"')
    expect(text).not.toContain('@runtime_stage')
  })
})

// The editor build leaves Monaco's unused modules out (renderer/monaco-omit.ts): the editing
// features kept must still work, and the stand-ins must never be reached.
describe('Monaco editing features', () => {
  it('finds, toggles comments, folds and shows a problem on hover, with no page error', async () => {
    const errors: string[] = []
    const onError = (error: Error) => errors.push(error.message)
    page.on('pageerror', onError)
    onTestFinished(() => {
      page.off('pageerror', onError)
    })
    await openModel('models/serving/kind_note.sql')

    await clickOnText('market_year')
    await page.keyboard.press('Control+F')
    await page.waitForSelector('#model-editor .find-widget.visible')
    await page.keyboard.insertText('stage')
    // "@runtime_stage AS stage": two matches.
    await expect
      .poll(() => page.locator('#model-editor .find-widget .matchesCount').textContent())
      .toMatch(/of 2$/)
    await page.keyboard.press('Escape')
    await page.waitForSelector('#model-editor .find-widget.visible', { state: 'detached' })

    await clickOnText('market_year')
    await page.keyboard.press('Control+/')
    await expect.poll(() => editorText('#model-editor')).toMatch(/-- market_year,/)
    await page.keyboard.press('Control+/')
    await expect.poll(() => editorText('#model-editor')).not.toMatch(/-- market_year,/)

    // SELECT's indented lines fold under it.
    await clickOnText('SELECT')
    await page.keyboard.press('Control+Shift+BracketLeft')
    await page.waitForSelector('#model-editor .codicon-folding-collapsed')
    await expect.poll(() => editorText('#model-editor')).not.toContain('market_year')
    await page.keyboard.press('Control+Shift+BracketRight')
    await expect.poll(() => editorText('#model-editor')).toContain('market_year')

    await page.keyboard.press('Control+End')
    await page.keyboard.type(' JOIN')
    await page.waitForSelector('#model-editor .squiggly-error')
    const problem = page.locator('.monaco-hover:has-text("No quick fixes available")')
    for (let attempt = 1; ; attempt += 1) {
      const box = await page.locator('#model-editor .squiggly-error').first().boundingBox()
      if (box !== null) await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2)
      try {
        await problem.waitFor({ timeout: 10_000 })
        break
      } catch (error) {
        if (attempt === 5) throw error
        await page.mouse.move(0, 0)
      }
    }
    await page.mouse.move(0, 0)
    // Back to the saved text, so that leaving the page asks nothing.
    for (let undo = 0; (await page.locator('#model-editor').getAttribute('data-dirty')) !== '0'; undo += 1) {
      if (undo === 20) throw new Error('the typed text did not undo')
      await page.click('#model-editor .view-lines')
      await page.keyboard.press('Control+Z')
    }
    expect(errors).toEqual([])
  })
})

describe('editor buttons, hints and environments', () => {
  // String.replace reads $&, $' and $` in a replacement string as the match and the text around it:
  // the page put its own placeholder into a model's SQL that held them (a regex ending in +$').
  it("shows a model's SQL that holds $&, $' or $` as it is on disk", async () => {
    // The page reads the file at each request: kind_note's text, changed on disk for this test.
    const path = join(project.root, 'models/serving/kind_note.sql')
    const sql =
      "MODEL (name serving.kind_note, kind VIEW);\nSELECT REGEXP_EXTRACT('a/b', '[^/]+$', 0) AS last, '$& $` $$' AS signs\n"
    writeFileSync(path, sql)
    onTestFinished(() => writeFileSync(path, kindNoteModel))
    await openModel('models/serving/kind_note.sql')
    await expect
      .poll(() => editorText('#model-editor'))
      .toContain("'[^/]+$', 0) AS last, '$& $` $$' AS signs")
    expect(await editorText('#model-editor')).not.toContain('<!--')
  })

  it('formats with the Format button and saves with the Save button', async () => {
    const path = join(project.root, 'models/serving/kind_note.sql')
    await openModel('models/serving/kind_note.sql')
    await page.click('#model-editor .view-lines')
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    await page.keyboard.insertText(
      'MODEL (name serving.kind_note, kind VIEW);\nselect market_year, @runtime_stage as stage from serving.agg_world_balance\n',
    )
    await page.click('#editor-format')
    await expect.poll(() => editorText('#model-editor')).toContain('SELECT')
    await page.click('#editor-save')
    await page.waitForSelector('#model-editor[data-dirty="0"]')
    const saved = readFileSync(path, 'utf8')
    expect(saved).toContain('SELECT')
    expect(saved).toMatch(/FROM\s+serving\.agg_world_balance/)
    expect(saved).not.toContain('select market_year')
  })

  it('says where Format stopped when the SQL cannot be formatted, and leaves the text as typed', async () => {
    await openModel('models/serving/kind_note.sql')
    await page.click('#model-editor .view-lines')
    await page.keyboard.press('Control+A')
    await page.keyboard.press('Delete')
    const typed =
      'MODEL (name serving.kind_note, kind VIEW);\nselect market_year from serving.agg_world_balance where (market_year\n'
    await page.keyboard.insertText(typed)
    await page.click('#editor-format')
    const notice = page.locator('#editor-format-problem')
    await notice.waitFor({ state: 'visible' })
    expect(await notice.textContent()).toMatch(
      /^models\/serving\/kind_note\.sql:\d+:\d+ cannot format the query: .+; fix the SQL or format it by hand$/,
    )
    expect(await editorText('#model-editor')).toContain('select market_year from')
    await page.screenshot({ path: join(screenshots, 'model-editor-format-problem.png') })
    // The next keystroke may be the fix: the notice goes, and a Format that works says nothing.
    await page.click('#model-editor .view-lines')
    await page.keyboard.press('Control+End')
    await page.keyboard.insertText(')')
    await notice.waitFor({ state: 'hidden' })
    await page.click('#editor-format')
    await expect.poll(() => editorText('#model-editor')).toContain('SELECT')
    expect(await notice.isHidden()).toBe(true)
    for (let undo = 0; (await page.locator('#model-editor').getAttribute('data-dirty')) !== '0'; undo += 1) {
      if (undo === 40) throw new Error('the typed text did not undo')
      await page.click('#model-editor .view-lines')
      await page.keyboard.press('Control+Z')
    }
  })

  it('keeps every editor button clear of the side panel at 1024×700', async () => {
    await page.setViewportSize({ width: 1024, height: 700 })
    onTestFinished(() => page.setViewportSize({ width: 1440, height: 900 }))
    await openModel('models/serving/kind_note.sql')
    await page.locator('#model-panel > *').first().waitFor()
    await page.screenshot({ path: join(screenshots, 'model-editor-1024.png') })
    for (const id of ['editor-preview', 'editor-format', 'editor-save']) {
      const box = await page.locator(`#${id}`).boundingBox()
      expect(box, id).not.toBeNull()
      const onTop = await page.evaluate(
        ([x, y]) => document.elementFromPoint(x ?? 0, y ?? 0)?.closest('button')?.id ?? '',
        [(box?.x ?? 0) + (box?.width ?? 0) / 2, (box?.y ?? 0) + (box?.height ?? 0) / 2],
      )
      expect(onTop, id).toBe(id)
    }
  })

  it('names the shortcut keys of the platform', async () => {
    await openModel('models/serving/kind_note.sql')
    await expect(
      page.locator('#model-editor').locator('xpath=..').locator('[data-shortcuts]').textContent(),
    ).resolves.toContain('Ctrl+S save')
    const mac = await browser.newContext({ viewport: { width: 1440, height: 900 } })
    mac.setDefaultTimeout(pageWaitMs)
    await mac.addInitScript(() =>
      Object.defineProperty(Navigator.prototype, 'platform', { get: () => 'MacIntel' }),
    )
    const macPage = await mac.newPage()
    await macPage.goto(workbench.url)
    await macPage.goto(
      `${workbench.baseUrl}/models?path=${encodeURIComponent('models/serving/kind_note.sql')}`,
    )
    await expect(macPage.locator('[data-shortcuts]').first().textContent()).resolves.toContain('⌘S save')
    await macPage.goto(`${workbench.baseUrl}/query`)
    await expect(macPage.locator('#run-query').textContent()).resolves.toContain('⌘Enter')
    await mac.close()
  })

  it('refuses to drop prod, in one line', async () => {
    const reply = await page.evaluate(async () => {
      const response = await fetch('/environment/drop', {
        method: 'POST',
        body: new URLSearchParams({ name: 'prod' }),
      })
      return { status: response.status, body: await response.json() }
    })
    expect(reply.status).toBe(400)
    expect(reply.body.error).toMatch(/^prod cannot be dropped from the workbench/)
  })
})

// A cold editor page starts its editor first: the requests that can wait (the side panel, which
// renders SQL or builds a plan on the server, and the navbar's stale badge) go out only once the
// editor has mounted, which sends the model's first diagnostics request.
describe('cold start order', () => {
  it('sends the model panel and stale badge requests after the editor has mounted', async () => {
    await openModel('models/serving/agg_world_balance.sql')
    const requestStarts = () =>
      page.evaluate(() => {
        const first = (part: string) =>
          performance.getEntriesByType('resource').find((entry) => entry.name.includes(part))?.startTime ?? -1
        return {
          diagnostics: first('/api/diagnostics'),
          panel: first('/models/panel'),
          stale: first('/plan/stale'),
        }
      })
    await expect.poll(async () => Math.min(...Object.values(await requestStarts()))).toBeGreaterThan(0)
    const starts = await requestStarts()
    expect(starts.panel).toBeGreaterThanOrEqual(starts.diagnostics)
    expect(starts.stale).toBeGreaterThanOrEqual(starts.diagnostics)
  })

  // The page hints Monaco's style sheets; the editor's import adds them as <link rel="stylesheet"
  // crossorigin> and waits for them: a hint in another request mode is not reused, and the import
  // waited for a second fetch of each.
  it('fetches each editor style sheet once in a fresh browser profile', async () => {
    for (const path of [
      `/models?path=${encodeURIComponent('models/serving/agg_world_balance.sql')}&`,
      '/query?',
    ]) {
      const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
      onTestFinished(() => context.close())
      const cold = await context.newPage()
      await cold.goto(`${workbench.baseUrl}${path}token=${workbench.token}`)
      await cold.waitForSelector('.monaco-editor .view-lines')
      const styleSheets = await cold.evaluate(() =>
        performance
          .getEntriesByType('resource')
          .map((entry) => new URL(entry.name).pathname)
          .filter((name) => /^\/assets\/.*\.css$/.test(name)),
      )
      expect(styleSheets.filter((name) => name.includes('monaco-')).length, path).toBeGreaterThan(0)
      expect(styleSheets.length, `${path}: ${styleSheets.join(', ')}`).toBe(new Set(styleSheets).size)
    }
  })
})

describe('a new model from the workbench', () => {
  it('creates models/<schema>/<name>.sql with a header that loads, and opens it; a taken or bad name is refused', async () => {
    const path = join(project.root, 'models', 'serving', 'coffee_prices.sql')
    onTestFinished(async () => {
      rmSync(path, { force: true })
      await reloadIndex(workbench.context)
    })
    await openModel('models/serving/kind_note.sql')
    const refusal = (name: string) =>
      refusalOf(
        page,
        { input: '#new-model', button: '#create-model', endpoint: '/models/new', alerts: '#new-model-error' },
        name,
      )
    expect(await refusal('serving.kind_note')).toBe(
      'model serving.kind_note exists already, in models/serving/kind_note.sql; open it from the tree',
    )
    expect(await refusal('coffee prices')).toBe(
      '"coffee prices" is not a model name; use schema.name, e.g. serving.coffee_prices',
    )
    await page.fill('#new-model', 'Serving.Coffee_Prices')
    await page.click('#create-model')
    await page.waitForURL(/\/models\?path=models%2Fserving%2Fcoffee_prices\.sql$/)
    await page.waitForSelector('#model-editor .view-lines')
    expect(await page.locator('#editor-path').textContent()).toBe('models/serving/coffee_prices.sql')
    expect(await editorText('#model-editor')).toContain('name serving.coffee_prices')
    expect(await page.locator('#model-tree a[data-path="models/serving/coffee_prices.sql"]').count()).toBe(1)
    await page.screenshot({ path: join(screenshots, 'model-editor-new-model.png') })
    // The file on disk is a model the engine loads, renders and would build.
    const loaded = await loadProject(project.root)
    expect(loaded.models.get('serving.coffee_prices')?.kind.name).toBe('FULL')
    expect(await renderModelQuery(loaded, 'serving.coffee_prices', renderWindow)).toMatch(/SELECT\s+1 AS id/)
    expect(readFileSync(path, 'utf8')).toBe(
      'MODEL (\n  name serving.coffee_prices,\n  kind FULL\n);\n\nSELECT\n  1 AS id\n',
    )
    // A second create of the same name: refused, the file as it was.
    writeFileSync(path, 'MODEL (name serving.coffee_prices, kind VIEW);\nSELECT 2 AS id\n')
    expect(await refusal('serving.coffee_prices')).toBe(
      'model serving.coffee_prices exists already, in models/serving/coffee_prices.sql; open it from the tree',
    )
    expect(readFileSync(path, 'utf8')).toBe(
      'MODEL (name serving.coffee_prices, kind VIEW);\nSELECT 2 AS id\n',
    )
  })

  it('says a path that names no file is not one, instead of "no model files yet"', async () => {
    await page.goto(`${workbench.baseUrl}/models?path=${encodeURIComponent('models/serving/nope.sql')}`)
    expect(await page.locator('[data-page="models"] [role="alert"]').first().textContent()).toBe(
      'models/serving/nope.sql is not a file of this project; choose one in the tree.',
    )
    expect(await page.locator('#model-tree a[data-path]').count()).toBeGreaterThan(0)
  })
})
