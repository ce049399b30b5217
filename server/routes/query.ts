// Query: run the editor's SQL against the chosen environment, page / sort / filter the cached
// result on the server, cancel, export the whole result, and the searchable query history.
import { createReadStream } from 'node:fs'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { scratchSchema } from '../../pipeline/engine/index.ts'
import { isMateriaError, MateriaError } from '../../pipeline/errors.ts'
import { chunkPreloads } from '../asset-preload.ts'
import { starterSql, type WorkbenchContext } from '../context.ts'
import { currentEnvironment, environmentRewrite } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { appendHistory, readHistory } from '../query-history.ts'
import {
  type FilterOperator,
  filterOperators,
  type QueryResult,
  type ResultFilter,
  type ResultView,
} from '../query-runner.ts'
import { firstTabs, parseQueryTabs, readQueryTabs, writeQueryTabs } from '../query-tabs.ts'
import { renderPage } from '../shell.ts'

const pageSize = 100
const historyShownMax = 50
// Conditions one result filter may combine; more is surely a mistake in the request.
const filtersMax = 32

// The view (sort and filters) a request asks for: sort=<column>, desc=1, filters=<JSON list of
// {column, operator, value}>. Columns are checked against the result by the runner.
const unsortedView: ResultView = { sortColumn: null, descending: false, filters: [] }

// A count or position from the URL: digits only ("-1", "2.5", "x" and "" are refused, naming it).
function wholeNumber(text: string | undefined, name: string, fallback: number): number {
  if (text === undefined) return fallback
  const value = Number(text)
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value))
    throw new MateriaError('usage', `${name} "${text}" is not a whole number (0 or more)`)
  return value
}

// The result a URL names: /api/query/<id>/..., the id /query/run answered with.
function resultIdOf(c: Context): number {
  const text = c.req.param('id') ?? ''
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(Number(text)))
    throw new MateriaError('usage', `"${text}" is not a result id; run the query again`)
  return Number(text)
}

function viewOf(c: Context): ResultView {
  const sort = c.req.query('sort') ?? ''
  const text = c.req.query('filters') ?? ''
  let filters: ResultFilter[] = []
  if (text !== '') {
    let parsed: unknown
    try {
      parsed = JSON.parse(text)
    } catch {
      throw new MateriaError('usage', 'filters is not JSON; send a list of {column, operator, value}')
    }
    if (!Array.isArray(parsed) || parsed.length > filtersMax) {
      throw new MateriaError('usage', `filters must be a list of at most ${filtersMax} conditions`)
    }
    filters = parsed.map((entry: unknown, index) => {
      const { column, operator, value } = (entry ?? {}) as Record<string, unknown>
      if (typeof column !== 'string' || !filterOperators.includes(operator as FilterOperator)) {
        throw new MateriaError(
          'usage',
          `filter ${index + 1} needs a column and an operator (${filterOperators.join(', ')})`,
        )
      }
      return { column, operator: operator as FilterOperator, value: String(value ?? '') }
    })
  }
  return { sortColumn: sort === '' ? null : sort, descending: c.req.query('desc') === '1', filters }
}

// The result's frame: the grid itself is drawn in the browser (result-grid.ts) from the rows and
// summary endpoints, so scrolling a million rows only ever renders the visible ones.
function chartSelect(id: string, label: string, options: readonly string[], selected: string): Html {
  return html`<label class="form-control"><span class="label-text text-xs">${label}</span>
    <select id="${id}" class="select select-sm w-40">${options.map((option) => html`<option value="${option}" ${option === selected ? html`selected` : ''}>${option === '' ? '(none)' : option}</option>`)}</select></label>`
}

// The rows the frame carries with it: the grid's first screen and more, drawn without a second
// request once the query has finished.
const resultFirstRows = 200

export function resultFrame(result: QueryResult, firstRows: readonly (readonly unknown[])[] = []): Html {
  return html`<div class="flex flex-col gap-2" id="result-view" data-component="result-grid" data-result-id="${result.id}"
    data-row-count="${result.rowCount}" data-columns="${JSON.stringify(result.columns)}" data-first-rows="${JSON.stringify(firstRows)}">
  <div class="flex flex-wrap items-center gap-3">
    <span id="result-summary" class="text-sm" aria-live="polite"><b data-view-count="${result.rowCount}">${result.rowCount.toLocaleString('en-US')}</b> rows · ${result.elapsedMs} ms · ${result.environment}</span>
    <form class="flex flex-wrap items-center gap-1" id="result-filter" aria-label="Filter the result">
      <label class="sr-only" for="filter-column">Filter column</label>
      <select id="filter-column" name="column" class="select select-sm w-44">${result.columns.map((column) => html`<option>${column.name}</option>`)}</select>
      <label class="sr-only" for="filter-operator">Filter operator</label>
      <select id="filter-operator" name="operator" class="select select-sm w-28">${filterOperators.map((operator) => html`<option>${operator}</option>`)}</select>
      <label class="sr-only" for="filter-value">Filter value</label>
      <input id="filter-value" name="value" class="input input-sm w-36" placeholder="value">
      <button class="btn btn-sm" id="filter-add">Add filter</button></form>
    <div id="result-filters" class="flex flex-wrap gap-1"></div>
    <div class="ml-auto flex gap-2">
      <button type="button" class="btn btn-sm" id="chart-toggle" aria-expanded="false" aria-controls="quick-chart">Chart</button>
      <a class="btn btn-sm" id="export-csv" href="/query/export/${result.id}?format=csv" download>CSV</a>
      <a class="btn btn-sm" id="export-parquet" href="/query/export/${result.id}?format=parquet" download>Parquet</a></div>
  </div>
  <form id="quick-chart" class="hidden flex flex-wrap items-end gap-2" aria-label="Quick chart">
    ${chartSelect('chart-kind', 'Chart', ['line', 'bar', 'scatter'], 'line')}
    ${chartSelect(
      'chart-x',
      'x',
      result.columns.map((column) => column.name),
      result.columns[0]?.name ?? '',
    )}
    ${chartSelect(
      'chart-y',
      'y',
      result.columns.map((column) => column.name),
      result.columns.find((column) => /INT|DOUBLE|FLOAT|DECIMAL/.test(column.type))?.name ?? '',
    )}
    ${chartSelect('chart-series', 'series', ['', ...result.columns.map((column) => column.name)], '')}
    <button class="btn btn-sm btn-primary" id="chart-draw">Draw</button>
    <div class="basis-full h-72 bg-base-100 rounded-box border border-base-300" id="quick-chart-canvas"></div></form>
  <div id="result-grid" class="result-grid rounded-box border border-base-300 bg-base-100" role="grid" tabindex="0"
    aria-label="Query result, ${result.rowCount} rows" aria-rowcount="${result.rowCount + 1}" aria-colcount="${result.columns.length + 1}"></div>
  <p class="text-xs opacity-60">Click a cell, Shift+click to extend, click a row number for whole rows; Ctrl+C copies as TSV. Drag a header's edge to resize; click its name to sort.</p>
</div>`
}

function errorAlert(message: string): Html {
  return html`<div role="alert" class="alert alert-error font-mono text-sm whitespace-pre-wrap" data-error>${message}</div>`
}

async function historyList(context: WorkbenchContext, search: string): Promise<Html> {
  const entries = await readHistory(context.historyPath, search, historyShownMax)
  if (entries.length === 0)
    return html`<p class="text-sm opacity-60">No queries${search === '' ? ' yet' : ' match'}.</p>`
  return html`<ul class="flex flex-col gap-1">${entries.map(
    (
      entry,
    ) => html`<li class="flex items-start gap-2 text-sm border-b border-base-300 py-1" data-history-entry>
      <button type="button" class="btn btn-xs" data-action="rerun" data-sql="${entry.sql}">Run again</button>
      <code class="flex-1 truncate" title="${entry.sql}">${entry.sql}</code>
      <span class="opacity-60 whitespace-nowrap">${entry.environment} · ${entry.error === null ? `${entry.rowCount ?? 0} rows` : 'error'} · ${entry.at.slice(0, 19).replace('T', ' ')}</span></li>`,
  )}</ul>`
}

export function queryRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()
  const tabsPath = join(context.root, '.materia', 'query-tabs.json')

  app.get('/query', async (c) => {
    const environment = currentEnvironment(c, context)
    return renderPage(
      c,
      context,
      '/query',
      html`<section class="flex flex-col gap-3" data-page="query"><h1 class="sr-only">Query ${environment}</h1>${chunkPreloads(context.rendererDir, 'src/query-editor.ts')}
  <div class="flex items-center gap-2">
    <button type="button" class="btn btn-primary btn-sm" data-action="run-query" id="run-query" data-shortcuts>Run (Ctrl+Enter)</button>
    <button type="button" class="btn btn-sm btn-warning hidden" data-action="cancel-query" id="cancel-query">Cancel</button>
    <span class="badge ${environment === 'prod' ? 'badge-error' : 'badge-success'}" id="query-environment"
      title="The guard refuses writes to model objects in every environment; CREATE TABLE and friends go to your scratch schema ${scratchSchema(context.env)}. Only plan and apply change an environment.">${environment} · models read-only</span>
    <span class="loading loading-spinner loading-sm hidden" id="query-running"></span>
  </div>
  <div class="flex items-center gap-1"><div role="tablist" class="tabs tabs-box tabs-sm w-fit" id="query-tabs" aria-label="Query tabs"></div></div>
  <div class="query-host rounded-box overflow-hidden border border-base-300" data-component="query-editor" id="query-editor"
    data-tabs="${JSON.stringify((await readQueryTabs(tabsPath)) ?? firstTabs(await starterSql(context, environment)))}"></div>
  <div id="query-result"></div>
  <details class="collapse collapse-arrow bg-base-100 border border-base-300" id="query-history-panel"><summary class="collapse-title font-semibold">History</summary>
    <div class="collapse-content flex flex-col gap-2">
      <input type="search" name="q" class="input input-sm w-80" placeholder="search history" id="history-search"
        hx-get="/query/history" hx-trigger="input changed delay:250ms, materia:query-ran from:body" hx-target="#query-history">
      <div id="query-history" hx-get="/query/history" hx-trigger="toggle from:#query-history-panel once">${await historyList(context, '')}</div>
    </div></details>
</section>`,
    )
  })

  app.post('/query/run', async (c) => {
    const form = await c.req.parseBody()
    const sql = String(form.sql ?? '')
    const runId = String(form.runId ?? '')
    if (!/^[\w-]{1,64}$/.test(runId))
      throw new MateriaError('usage', 'runId must be 1-64 letters, digits, - or _')
    const environment = currentEnvironment(c, context)
    const at = () => new Date().toISOString()
    const startedMs = performance.now()
    try {
      const result = await context.queries.run({
        sql,
        environment,
        runId,
        rewrite: environmentRewrite(context, environment),
      })
      await appendHistory(context.historyPath, {
        at: at(),
        environment,
        sql,
        rowCount: result.rowCount,
        elapsedMs: result.elapsedMs,
        error: null,
      })
      c.header('HX-Trigger', 'materia:query-ran')
      if (result.message !== null)
        return c.html(
          html`<div role="status" class="alert alert-success" id="result-message">${result.message}</div>`
            .text,
        )
      const first = await context.queries.rows(result.id, unsortedView, 0, resultFirstRows)
      return c.html(resultFrame(result, first.rows).text)
    } catch (error) {
      if (!isMateriaError(error)) throw error
      const elapsedMs = Math.round(performance.now() - startedMs)
      await appendHistory(context.historyPath, {
        at: at(),
        environment,
        sql,
        rowCount: null,
        elapsedMs,
        error: error.message,
      })
      c.header('HX-Trigger', 'materia:query-ran')
      return c.html(errorAlert(error.message).text)
    }
  })

  app.put('/api/query/tabs', async (c) => {
    await writeQueryTabs(tabsPath, parseQueryTabs(await c.req.json()))
    return c.body(null, 204)
  })

  app.post('/query/cancel', async (c) => {
    const form = await c.req.parseBody()
    return c.json({ cancelled: context.queries.cancel(String(form.runId ?? '')) })
  })

  // Rows for the grid's virtual scrolling: offset and limit over the view.
  app.get('/api/query/:id/rows', async (c) => {
    const offset = wholeNumber(c.req.query('offset'), 'offset', 0)
    const limit = wholeNumber(c.req.query('limit'), 'limit', pageSize)
    if (limit < 1) throw new MateriaError('usage', 'limit must be 1 or more')
    return c.json(await context.queries.rows(resultIdOf(c), viewOf(c), offset, limit))
  })

  app.get('/api/query/:id/chart', async (c) => {
    const kind = c.req.query('kind') ?? 'line'
    if (kind !== 'line' && kind !== 'bar' && kind !== 'scatter') {
      throw new MateriaError('usage', `chart kind "${kind}" is not line, bar or scatter`)
    }
    const x = c.req.query('x') ?? ''
    const y = c.req.query('y') ?? ''
    if (x === '' || y === '') throw new MateriaError('usage', 'a chart needs an x and a y column')
    const series = c.req.query('series') ?? ''
    const request = { kind, x, y, series: series === '' ? null : series } as const
    return c.json(await context.queries.chart(resultIdOf(c), viewOf(c), request))
  })

  app.get('/api/query/:id/summary', async (c) => c.json(await context.queries.summary(resultIdOf(c))))

  // The same page as JSON, for scripts and the benchmark.
  app.get('/api/query/:id/page', async (c) => {
    const page = await context.queries.page(
      resultIdOf(c),
      viewOf(c),
      wholeNumber(c.req.query('page'), 'page', 0),
      wholeNumber(c.req.query('size'), 'size', pageSize),
    )
    return c.json({ rowCount: page.rowCount, page: page.page, columns: page.result.columns, rows: page.rows })
  })

  app.get('/query/export/:id', async (c) => {
    const format = c.req.query('format') === 'parquet' ? 'parquet' : 'csv'
    const id = resultIdOf(c)
    const exported = await context.queries.export(id, viewOf(c), format)
    const stream = createReadStream(exported.path)
    stream.once('close', () => void exported.cleanup())
    c.header('Content-Type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/vnd.apache.parquet')
    c.header('Content-Disposition', `attachment; filename="result-${id}.${format}"`)
    return c.body(Readable.toWeb(stream) as ReadableStream)
  })

  app.get('/query/history', async (c) => c.html((await historyList(context, c.req.query('q') ?? '')).text))

  return app
}
