// Query: run the editor's SQL against the chosen environment, page / sort / filter the cached
// result on the server, cancel, export the whole result, and the searchable query history.
import { createReadStream } from 'node:fs'
import { Readable } from 'node:stream'
import type { Context } from 'hono'
import { Hono } from 'hono'
import { isMateriaError, MateriaError } from '../../pipeline/errors.ts'
import type { WorkbenchContext } from '../context.ts'
import { currentEnvironment, environmentRewrite } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { appendHistory, readHistory } from '../query-history.ts'
import type { ResultPage, ResultView } from '../query-runner.ts'
import { renderPage } from '../shell.ts'

const pageSize = 100
const historyShownMax = 50

function viewOf(c: Context): ResultView {
  const sort = c.req.query('sort') ?? ''
  const filterColumn = c.req.query('fcol') ?? ''
  return {
    sortColumn: sort === '' ? null : sort,
    descending: c.req.query('desc') === '1',
    filterColumn: filterColumn === '' ? null : filterColumn,
    filterValue: c.req.query('fval') ?? '',
  }
}

function viewQuery(view: ResultView, overrides: Record<string, string | number>): string {
  const parameters = new URLSearchParams({
    sort: view.sortColumn ?? '',
    desc: view.descending ? '1' : '0',
    fcol: view.filterColumn ?? '',
    fval: view.filterValue,
  })
  for (const [key, value] of Object.entries(overrides)) parameters.set(key, String(value))
  return parameters.toString()
}

function cell(value: unknown): string {
  if (value === null) return '∅'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

export function resultGrid(page: ResultPage): Html {
  const { result, view } = page
  const pages = Math.max(1, Math.ceil(page.rowCount / page.pageSize))
  const link = (overrides: Record<string, string | number>) =>
    `/query/result/${result.id}?${viewQuery(view, overrides)}`
  const pager = (label: string, target: number, disabled: boolean, name: string) =>
    html`<button type="button" class="join-item btn btn-sm" data-pager="${name}" ${disabled ? html`disabled` : ''}
      hx-get="${link({ page: target })}" hx-target="#query-result">${label}</button>`
  const headers = result.columns.map((column) => {
    const active = view.sortColumn === column.name
    const descending = active && !view.descending
    const arrow = active ? (view.descending ? ' ▼' : ' ▲') : ''
    return html`<th><button type="button" class="link link-hover font-mono" data-sort="${column.name}"
      hx-get="${link({ sort: column.name, desc: descending ? 1 : 0, page: 0 })}" hx-target="#query-result">${column.name}${arrow}</button>
      <div class="font-normal opacity-60 text-xs">${column.type}</div></th>`
  })
  return html`<div class="flex flex-col gap-2" id="result-view" data-result-id="${result.id}" data-page="${page.page}">
  <div class="flex flex-wrap items-center gap-3">
    <span id="result-summary" class="text-sm"><b data-row-count="${page.rowCount}">${page.rowCount.toLocaleString('en-US')}</b> rows${view.filterColumn !== null && view.filterValue !== '' ? html` (of ${result.rowCount.toLocaleString('en-US')})` : ''} · ${result.elapsedMs} ms · ${result.environment}</span>
    <form class="join" hx-get="/query/result/${result.id}" hx-target="#query-result" id="result-filter">
      <input type="hidden" name="sort" value="${view.sortColumn ?? ''}"><input type="hidden" name="desc" value="${view.descending ? '1' : '0'}">
      <select name="fcol" class="select select-sm join-item w-40">${result.columns.map((column) => html`<option ${view.filterColumn === column.name ? html`selected` : ''}>${column.name}</option>`)}</select>
      <input name="fval" class="input input-sm join-item w-40" placeholder="filter value" value="${view.filterValue}">
      <button class="btn btn-sm join-item">Filter</button></form>
    <div class="ml-auto flex gap-2">
      <a class="btn btn-sm" id="export-csv" href="/query/export/${result.id}?${viewQuery(view, { format: 'csv' })}" download>CSV</a>
      <a class="btn btn-sm" id="export-parquet" href="/query/export/${result.id}?${viewQuery(view, { format: 'parquet' })}" download>Parquet</a></div>
  </div>
  <div class="overflow-auto max-h-[50vh] bg-base-100 rounded-box border border-base-300">
    <table class="table table-xs table-pin-rows" id="result-grid"><thead><tr><th class="opacity-50">#</th>${headers}</tr></thead>
    <tbody>${page.rows.map(
      (row, index) =>
        html`<tr><td class="opacity-50">${page.page * page.pageSize + index + 1}</td>${row.map((value) => html`<td class="grid-cell font-mono">${cell(value)}</td>`)}</tr>`,
    )}</tbody></table></div>
  <div class="flex items-center gap-3"><div class="join">${pager('«', 0, page.page === 0, 'first')}${pager('‹', page.page - 1, page.page === 0, 'previous')}${pager('›', page.page + 1, page.page >= pages - 1, 'next')}${pager('»', pages - 1, page.page >= pages - 1, 'last')}</div>
    <span class="text-sm" id="result-page">page ${(page.page + 1).toLocaleString('en-US')} of ${pages.toLocaleString('en-US')}</span></div>
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

  app.get('/query', async (c) => {
    const environment = currentEnvironment(c, context)
    return renderPage(
      c,
      context,
      '/query',
      html`<section class="flex flex-col gap-3" data-page="query">
  <div class="flex items-center gap-2">
    <button type="button" class="btn btn-primary btn-sm" data-action="run-query" id="run-query">Run (Ctrl+Enter)</button>
    <button type="button" class="btn btn-sm btn-warning hidden" data-action="cancel-query" id="cancel-query">Cancel</button>
    <span class="badge ${environment === 'prod' ? 'badge-error' : 'badge-success'}" id="query-environment">${environment}${environment === 'prod' ? ' · read-only' : ''}</span>
    <span class="loading loading-spinner loading-sm hidden" id="query-running"></span>
  </div>
  <div class="query-host rounded-box overflow-hidden border border-base-300" data-component="query-editor" id="query-editor"></div>
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
      const page = await context.queries.page(result.id, viewOf(c), 0, pageSize)
      return c.html(resultGrid(page).text)
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

  app.post('/query/cancel', async (c) => {
    const form = await c.req.parseBody()
    return c.json({ cancelled: context.queries.cancel(String(form.runId ?? '')) })
  })

  app.get('/query/result/:id', async (c) => {
    const page = await context.queries.page(
      Number(c.req.param('id')),
      viewOf(c),
      Number(c.req.query('page') ?? 0),
      pageSize,
    )
    return c.html(resultGrid(page).text)
  })

  // The same page as JSON, for scripts and the benchmark.
  app.get('/api/query/:id/page', async (c) => {
    const page = await context.queries.page(
      Number(c.req.param('id')),
      viewOf(c),
      Number(c.req.query('page') ?? 0),
      Number(c.req.query('size') ?? pageSize),
    )
    return c.json({ rowCount: page.rowCount, page: page.page, columns: page.result.columns, rows: page.rows })
  })

  app.get('/query/export/:id', async (c) => {
    const format = c.req.query('format') === 'parquet' ? 'parquet' : 'csv'
    const id = Number(c.req.param('id'))
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
