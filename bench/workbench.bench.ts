// Workbench figures: server start to first meaningful paint in Chromium (home charts drawn), cold
// start in a fresh browser profile, a 1 M-row result in the browser (first rows after the query
// finished, a screen scrolled anywhere), a 1 M-row query over HTTP (run, first page, a later page,
// a sorted page), completion latency, 100 concurrent
// paged-query requests on loopback (errors and p99), plan page server time, and the DAG page of a
// generated 1,000-model project to interactive in Chromium.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Browser, chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from '../server/renderer-build.ts'
import { buildEnvironment, createFixtureProject } from '../server/testing/fixture-project.ts'
import { runQuery } from '../server/testing/query-page.ts'
import { startWorkbench, type Workbench } from '../server/workbench.ts'
import { generateProject } from './generate-project.ts'
import { type BenchOptions, figure } from './stats.ts'

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right)
  return (
    Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0) * 10) / 10
  )
}

// The bytes a cold editor page loads from the renderer build: the entry script (with Vite's
// preload helper) and the lazily imported editor chunks (Monaco's among them), with their CSS;
// `suffix` '.br' counts the brotli copies the server sends to a browser that accepts them (a
// smaller file goes as it is).
function editorAssetsKb(rendererDir: string, suffix: '' | '.br' = ''): number {
  const assets = join(rendererDir, 'assets')
  const bytes = readdirSync(assets)
    .filter((name) =>
      /^(index|editor|monaco|model-editor|query-editor|http|preload-helper)[-.].*\.(js|css)$/.test(name),
    )
    .reduce((sum, name) => {
      const compressed = statSync(join(assets, `${name}${suffix}`), { throwIfNoEntry: false })
      return sum + (compressed ?? statSync(join(assets, name))).size
    }, 0)
  return Math.round(bytes / 1024)
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now()
  const value = await work()
  return [value, Math.round((performance.now() - started) * 10) / 10]
}

function client(workbench: Workbench) {
  const headers = { authorization: `Bearer ${workbench.token}`, origin: workbench.baseUrl }
  return {
    get: (path: string) => fetch(`${workbench.baseUrl}${path}`, { headers }),
    post: (path: string, body: Record<string, string> | object, json = false) =>
      fetch(`${workbench.baseUrl}${path}`, {
        method: 'POST',
        headers: {
          ...headers,
          'content-type': json ? 'application/json' : 'application/x-www-form-urlencoded',
        },
        body: json ? JSON.stringify(body) : new URLSearchParams(body as Record<string, string>).toString(),
      }),
  }
}

// Cold start: a fresh browser profile (empty cache) opens the workbench; the figure is the time
// from navigation start to the later of the two Home charts' first draw (the charts' performance
// marks), and the wall time from the open to both drawn.
async function coldStart(workbench: Workbench, runs: number): Promise<Record<string, unknown>> {
  const inPage: number[] = []
  const wall: number[] = []
  for (let index = 0; index < runs; index += 1) {
    const profile = mkdtempSync(join(tmpdir(), 'materia-bench-profile-'))
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: chromiumPath,
      args: chromiumArgs,
      viewport: { width: 1440, height: 900 },
    })
    try {
      const page = context.pages()[0] ?? (await context.newPage())
      const startedMs = performance.now()
      await page.goto(workbench.url)
      await page.waitForSelector('[data-chart="balance"][data-rendered="1"]')
      await page.waitForSelector('[data-chart="producers"][data-rendered="1"]')
      wall.push(performance.now() - startedMs)
      inPage.push(
        await page.evaluate(() =>
          Math.max(
            ...['balance', 'producers'].map(
              (kind) => performance.getEntriesByName(`materia:chart:${kind}`)[0]?.startTime ?? Number.NaN,
            ),
          ),
        ),
      )
    } finally {
      await context.close()
      rmSync(profile, { recursive: true, force: true })
    }
  }
  return { coldStartChartsDrawnMs: figure(inPage), coldStartOpenToChartsWallMs: figure(wall) }
}

const scrollScreensScript = `(async () => {
  const scroll = document.querySelector('#result-grid .grid-scroll')
  if (scroll === null) return [Number.NaN]
  const loaded = (row) => row?.querySelector('[data-col="0"]')?.hasAttribute('data-value') === true
  const times = []
  for (const fraction of [0.13, 0.71, 0.42, 0.98, 0.05, 0.57, 0.29, 0.86]) {
    const before = scroll.querySelector('.grid-row[data-row]')?.dataset.row
    const startedMs = performance.now()
    scroll.scrollTop = fraction * (scroll.scrollHeight - scroll.clientHeight)
    await new Promise((resolve) => {
      const check = () => {
        const rows = scroll.querySelectorAll('.grid-row[data-row]')
        if (rows[0]?.dataset.row !== before && loaded(rows[0]) && loaded(rows[rows.length - 1])) resolve()
        else requestAnimationFrame(check)
      }
      requestAnimationFrame(check)
    })
    times.push(performance.now() - startedMs)
  }
  return times
})()`

// A 1 M-row result in the browser: the time from the run's response (the query finished) to its
// first rows on screen, then screens scrolled to anywhere in the result, each timed from the
// scroll to every visible row drawn with its values.
async function millionRows(
  browser: Browser,
  workbench: Workbench,
  runs: number,
): Promise<Record<string, unknown>> {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
  await page.goto(workbench.url)
  await page.goto(`${workbench.baseUrl}/query`)
  await page.waitForSelector('#query-editor .view-lines')
  const firstRows: number[] = []
  const screens: number[] = []
  for (let index = 0; index < runs; index += 1) {
    // A different literal each run: a new result, never a cached one.
    await runQuery(
      page,
      `SELECT range AS n, range % 97 AS k, md5(range::VARCHAR) AS h, ${index} AS run FROM range(1000000)`,
    )
    firstRows.push(
      await page.evaluate(() => {
        const id = document.querySelector<HTMLElement>('#result-view')?.dataset.resultId ?? ''
        const runs = performance
          .getEntriesByType('resource')
          .filter((entry) => entry.name.includes('/query/run')) as PerformanceResourceTiming[]
        const finished = runs.at(-1)?.responseEnd ?? Number.NaN
        const shown = performance.getEntriesByName(`materia:grid-rows:${id}`)[0]?.startTime ?? Number.NaN
        return shown - finished
      }),
    )
    // A string, not a function: the page runs it as written (tsx would add helpers it lacks).
    screens.push(...((await page.evaluate(scrollScreensScript)) as number[]))
  }
  await page.close()
  return { query1MFirstRowsAfterFinishMs: figure(firstRows), query1MScrollScreenMs: figure(screens) }
}

export async function run(options: BenchOptions = { runs: 3 }): Promise<Record<string, unknown>> {
  const rendererDir = ensureRendererBuilt()
  const project = createFixtureProject()
  const generatedRoot = mkdtempSync(join(tmpdir(), 'materia-dag-bench-'))
  const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
  const figures: Record<string, unknown> = {}
  try {
    await buildEnvironment(project.root, 'prod')
    await buildEnvironment(project.root, 'dev_bench')
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } })

    const note = (text: string) => process.stderr.write(`  workbench bench: ${text}\n`)
    note('start')
    // Server start -> first meaningful paint (both home charts drawn).
    const startedMs = performance.now()
    const workbench = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'bench' } })
    figures.serverStartMs = Math.round(performance.now() - startedMs)
    await page.goto(workbench.url)
    await page.waitForSelector('[data-chart="balance"][data-rendered="1"]')
    await page.waitForSelector('[data-chart="producers"][data-rendered="1"]')
    figures.startToFirstMeaningfulPaintMs = Math.round(performance.now() - startedMs)
    figures.firstContentfulPaintMs = await page.evaluate(
      () => performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? null,
    )

    note('paint measured')
    Object.assign(figures, await coldStart(workbench, options.runs))
    note('cold start measured')
    Object.assign(figures, await millionRows(browser, workbench, options.runs))
    note('1M rows in the browser measured')
    // Editors ready cold: a fresh browser context (no cache, no storage) per run, from navigation
    // to Monaco showing the model's text, or the query editor's lines and tabs.
    const coldEditor = async (path: string, ready: string): Promise<number> => {
      const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
      try {
        const coldPage = await context.newPage()
        const separator = path.includes('?') ? '&' : '?'
        const [, ms] = await timed(async () => {
          await coldPage.goto(`${workbench.baseUrl}${path}${separator}token=${workbench.token}`)
          await coldPage.waitForSelector(ready)
        })
        return ms
      } finally {
        await context.close()
      }
    }
    const modelEditorMs: number[] = []
    const queryEditorMs: number[] = []
    for (let index = 0; index < options.runs; index += 1) {
      modelEditorMs.push(
        await coldEditor(
          `/models?path=${encodeURIComponent('models/serving/agg_world_balance.sql')}`,
          '#model-editor .view-line:has-text("stocks_to_use")',
        ),
      )
      queryEditorMs.push(await coldEditor('/query', '#query-editor .view-lines >> nth=0'))
    }
    figures.modelEditorReadyColdMs = figure(modelEditorMs)
    figures.queryEditorReadyColdMs = figure(queryEditorMs)
    figures.editorRendererAssetsKb = editorAssetsKb(rendererDir)
    figures.editorRendererAssetsBrotliKb = editorAssetsKb(rendererDir, '.br')

    note('editors measured')
    const api = client(workbench)
    // A 1 M-row query: run (materialized once), first page, a later page, sorted pages.
    const sql = 'SELECT range AS n, range % 97 AS k, md5(range::VARCHAR) AS h FROM range(1000000)'
    const [runReply, runMs] = await timed(() => api.post('/query/run', { sql, runId: 'bench-1m' }))
    const id = /data-result-id="(\d+)"/.exec(await runReply.text())?.[1]
    if (id === undefined) throw new Error('the 1 M-row query returned no result grid')
    figures.query1MRunMs = runMs
    figures.query1MFirstPageMs = (
      await timed(async () => (await api.get(`/api/query/${id}/page?page=0`)).json())
    )[1]
    figures.query1MLaterPageMs = (
      await timed(async () => (await api.get(`/api/query/${id}/page?page=7500`)).json())
    )[1]
    figures.query1MFirstSortedPageMs = (
      await timed(async () => (await api.get(`/api/query/${id}/page?page=0&sort=h`)).json())
    )[1]
    figures.query1MLaterSortedPageMs = (
      await timed(async () => (await api.get(`/api/query/${id}/page?page=4000&sort=h`)).json())
    )[1]

    note('1M query measured')
    // Completion: the server's answer for a column prefix after `serving.agg_world_balance`.
    const text = 'SELECT pro FROM serving.agg_world_balance'
    const completions: number[] = []
    for (let index = 0; index < 40; index += 1) {
      completions.push(
        (await timed(async () => (await api.post('/api/complete', { text, offset: 10 }, true)).json()))[1],
      )
    }
    figures.completionMedianMs = percentile(completions, 0.5)
    figures.completionP95Ms = percentile(completions, 0.95)

    note('completion measured')
    // 100 concurrent paged-query requests on loopback.
    const latencies: number[] = []
    let errors = 0
    await Promise.all(
      Array.from({ length: 100 }, async (_, index) => {
        const [reply, ms] = await timed(() => api.get(`/api/query/${id}/page?page=${(index * 97) % 10_000}`))
        if (!reply.ok) errors += 1
        await reply.arrayBuffer()
        latencies.push(ms)
      }),
    )
    figures.concurrentPagedRequests = 100
    figures.concurrentErrors = errors
    figures.concurrentP50Ms = percentile(latencies, 0.5)
    figures.concurrentP99Ms = percentile(latencies, 0.99)

    note('concurrency measured')
    // Plan page render after an edit (server time from Server-Timing).
    const modelPath = join(project.root, 'models/serving/agg_world_balance.sql')
    writeFileSync(
      modelPath,
      readFileSync(modelPath, 'utf8').replace(
        'count(*) AS country_count,',
        'count(*) AS country_count,\n  max(exports) AS largest_exports,',
      ),
    )
    await api.post('/environment', { environment: 'dev_bench' })
    const planTimes: number[] = []
    for (let index = 0; index < 5; index += 1) {
      const reply = await api.get('/plan')
      await reply.text()
      planTimes.push(Number(/dur=([\d.]+)/.exec(reply.headers.get('server-timing') ?? '')?.[1] ?? Number.NaN))
    }
    figures.planPageServerMedianMs = percentile(planTimes, 0.5)
    await workbench.close()

    note('plan measured')
    // The DAG page of a generated 1,000-model project, to interactive in Chromium.
    generateProject(generatedRoot, { models: 1_000 })
    const generated = await startWorkbench({
      projectRoot: generatedRoot,
      rendererDir,
      env: { USER: 'bench' },
    })
    const dagPage = await browser.newPage({ viewport: { width: 1400, height: 900 } })
    await dagPage.goto(generated.url)
    const dagMs: number[] = []
    for (let index = 0; index < options.runs; index += 1) {
      await dagPage.goto('about:blank')
      const [, ms] = await timed(async () => {
        await dagPage.goto(`${generated.baseUrl}/dag`)
        await dagPage.waitForSelector('#dag[data-interactive="1"]')
      })
      dagMs.push(ms)
    }
    figures.dag1000ModelsToInteractiveMs = figure(dagMs)
    figures.dag1000Nodes = await dagPage.locator('.dag-node').count()
    await generated.close()
    return figures
  } finally {
    await browser.close()
    project.remove()
    rmSync(generatedRoot, { recursive: true, force: true })
  }
}
