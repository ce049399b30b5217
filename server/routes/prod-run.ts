// "Run in prod": pick a pipeline, review the confirmation (commit, steps, server type, cost), start
// it on an ephemeral worker, and watch its status (creating -> provisioning -> running ->
// destroying -> done/failed) and log stream in over SSE; below, the history of prod runs. The run
// lives in the server process, so the analyst keeps editing meanwhile.
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { MateriaError } from '../../pipeline/errors.ts'
import { billedHours } from '../../pipeline/remote/placement.ts'
import { blocksEveryRun, formatPlan, type RemoteSetting } from '../../pipeline/remote/remote-run.ts'
import type { RunRecord } from '../../pipeline/remote/run-history.ts'
import type { WorkbenchContext } from '../context.ts'
import { type Html, html, raw } from '../html.ts'
import type { ProdRun, ProdRunEvent, ProdRuns } from '../prod-runs.ts'
import { renderPage } from '../shell.ts'

const euros = (value: number | null) => (value === null ? '-' : `EUR ${value.toFixed(4)}`)

function minutes(ms: number): string {
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${(ms / 60_000).toFixed(1)} min`
}

export function historyTable(records: readonly RunRecord[]): Html {
  if (records.length === 0) return html`<p class="opacity-70" id="prod-run-history">No prod runs yet.</p>`
  const rows = records.map(
    (record) => html`<tr data-run="${record.runId}">
      <td>${record.startedAt.replace('T', ' ').slice(0, 19)}</td><td>${record.pipeline}</td>
      <td class="font-mono text-xs">${record.commit}</td><td>${minutes(record.durationMs)}</td>
      <td><span class="badge ${record.outcome === 'done' ? 'badge-success' : 'badge-error'}">${record.outcome}</span></td>
      <td>${euros(record.costEur)}</td><td class="text-xs">${record.outcome === 'done' ? '' : record.message}</td></tr>`,
  )
  return html`<table class="table table-sm" id="prod-run-history"><thead><tr><th>When (UTC)</th><th>Pipeline</th>
    <th>Commit</th><th>Duration</th><th>Outcome</th><th>Cost</th><th></th></tr></thead><tbody>${rows}</tbody></table>`
}

function confirmation(run: ProdRun): Html {
  const { plan } = run
  return html`<div class="card bg-base-200 p-4 gap-2" id="prod-run-confirm" data-run="${plan.runId}">
  <h3 class="font-bold">Run ${plan.pipeline} in prod?</h3>
  <dl class="grid grid-cols-[auto_1fr] gap-x-4 text-sm">
    <dt>Commit</dt><dd class="font-mono" data-field="commit">${plan.commit}</dd>
    <dt>Steps</dt><dd data-field="steps">${plan.steps.join(' → ')}</dd>
    <dt>Server</dt><dd data-field="server">${plan.serverType}${plan.location ? ` (${plan.location})` : ''}</dd>
    <dt>Estimate</dt><dd data-field="cost">~${plan.expectedMinutes} min, billed as ${billedHours(plan.expectedMinutes)} h × ${euros(plan.hourlyEur)}/h = ${euros(plan.costEur)}</dd>
  </dl>
  <form hx-post="/prod-run/start" hx-target="#prod-run-live" class="flex gap-2">
    <input type="hidden" name="run" value="${plan.runId}">
    <button class="btn btn-primary btn-sm" data-action="confirm-prod-run">Run in prod</button>
  </form></div>`
}

function live(run: ProdRun): Html {
  return html`<div id="prod-run-live-body" data-component="prod-run-log" data-events="/prod-run/${run.plan.runId}/events">
  <p class="text-sm">${formatPlan(run.plan)}</p>
  <p>Status: <span class="badge badge-info" data-field="status">${run.status}</span></p>
  <pre class="bg-base-200 p-2 text-xs h-80 overflow-auto" data-field="log">${run.lines.join('\n')}</pre></div>`
}

// Every missing setting at once, with what it is for, before anything is clicked. Only the code's
// repository can be done without (by uploading the working tree); the rest keep Review disabled.
function missingSettings(missing: readonly RemoteSetting[]): Html {
  if (missing.length === 0) return html``
  return html`<div role="alert" class="rounded-box border border-warning bg-warning/10 p-4 flex flex-col gap-2" id="prod-run-missing">
  <p class="font-semibold">A run in prod needs these environment variables, which are not set here:</p>
  <ul class="list-disc pl-5 text-sm">${missing.map((setting) => html`<li data-missing="${setting.name}"><code class="font-mono font-semibold">${setting.name}</code>: ${setting.purpose}</li>`)}</ul>
  <p class="text-sm">Export them before starting the workbench (for example esc run &lt;env&gt; -- npm start); secrets are read from the environment only.</p></div>`
}

export function prodRunRoutes(context: WorkbenchContext, runs: ProdRuns): Hono {
  const app = new Hono()
  app.get('/prod-run', async (c) => {
    const active = runs.active()
    const missing = runs.missingSettings()
    const blocked = missing.some(blocksEveryRun)
    const content = html`<section class="flex flex-col gap-4 max-w-5xl" data-page="prod-run">
  <h1 class="text-2xl font-bold">Run in prod</h1>
  <p class="text-sm opacity-80">Runs ${context.index.name} on a fresh cloud worker that is destroyed afterwards.</p>
  ${missingSettings(missing)}
  <form hx-post="/prod-run/plan" hx-target="#prod-run-plan" class="flex items-center gap-2">
    <label class="text-sm" for="prod-run-pipeline">Pipeline</label>
    <select name="pipeline" id="prod-run-pipeline" class="select select-sm w-40">${['all', 'extract', 'transform', 'publish'].map((name) => html`<option value="${name}">${name}</option>`)}</select>
    <label class="label text-sm"><input type="checkbox" name="upload" value="1" class="checkbox checkbox-sm"> my working tree (--upload)</label>
    <button class="btn btn-sm" data-action="review-prod-run" ${blocked ? raw('disabled') : ''}>Review…</button>
  </form>
  <div id="prod-run-plan"></div>
  <div id="prod-run-live">${active.map(live)}</div>
  <h2 class="font-bold">History</h2>
  <div hx-get="/prod-run/history" hx-trigger="materia:prod-run-ended from:body" hx-swap="innerHTML">${historyTable(await runs.history())}</div>
</section>`
    return renderPage(c, context, '/prod-run', content)
  })
  app.post('/prod-run/plan', async (c) => {
    const form = await c.req.parseBody()
    const run = await runs.plan(String(form.pipeline ?? 'all'), form.upload === '1')
    return c.html(confirmation(run).text)
  })
  app.post('/prod-run/start', async (c) => {
    const form = await c.req.parseBody()
    const run = runs.start(String(form.run ?? ''))
    c.header('HX-Trigger', 'materia:prod-run-started')
    return c.html(live(run).text)
  })
  app.get('/prod-run/history', async (c) => c.html(historyTable(await runs.history()).text))
  app.get('/prod-run/:id/events', (c) => {
    const run = runs.get(c.req.param('id'))
    if (run === undefined || run.status === 'planned') {
      throw new MateriaError('usage', `no started run ${c.req.param('id')}`)
    }
    return streamSSE(c, async (stream) => {
      const queue: ProdRunEvent[] = [
        { kind: 'status', status: run.status === 'planned' ? 'creating' : run.status },
        ...run.lines.map((line): ProdRunEvent => ({ kind: 'line', line })),
      ]
      const finished = run.status === 'done' || run.status === 'failed'
      if (finished)
        queue.push({ kind: 'end', status: run.status === 'done' ? 'done' : 'failed', message: run.message })
      let wake: (() => void) | null = null
      const unsubscribe = finished
        ? () => {}
        : runs.subscribe(run.plan.runId, (event) => {
            queue.push(event)
            wake?.()
          })
      let aborted = false
      stream.onAbort(() => {
        aborted = true
        unsubscribe()
        wake?.()
      })
      let lastStatus = ''
      try {
        while (!aborted) {
          const event = queue.shift()
          if (event === undefined) {
            await new Promise<void>((resolve) => {
              wake = resolve
            })
            wake = null
            continue
          }
          // The replayed status and the first live one can be the same: send it once.
          if (event.kind === 'status' && event.status === lastStatus) continue
          if (event.kind === 'status') lastStatus = event.status
          const data =
            event.kind === 'line'
              ? event.line
              : event.kind === 'status'
                ? event.status
                : `${event.status} ${event.message}`
          await stream.writeSSE({ event: event.kind, data })
          if (event.kind === 'end') break
        }
      } finally {
        unsubscribe()
      }
    })
  })
  return app
}
