// Plan and apply from the window. The plan page shows the same Plan `materia plan --json` prints
// (buildPlan: nothing runs); Apply rebuilds that plan and applies it in the background with live
// progress over SSE; Cancel aborts after the running statement; prod asks for typed confirmation.
// The navbar's stale badge counts the models changed since the environment's last apply.
import { Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import {
  applyPlan,
  auditOptionsForApply,
  buildPlan,
  definitionOf,
  formatInterval,
  loadTests,
  type Plan,
  type PlanModel,
  type Project,
  readState,
  runTests,
  snapshotKey,
  type TestResult,
} from '../../pipeline/engine/index.ts'
import { isMateriaError, MateriaError } from '../../pipeline/errors.ts'
import { reloadIndex, type WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { changesPlan } from '../shared-plan.ts'
import { renderPage } from '../shell.ts'
import { lineDiff, unifiedHunks } from '../text-diff.ts'

function requireProject(context: WorkbenchContext): Project {
  if (context.project === null || (context.project.problems?.length ?? 0) > 0) {
    throw new MateriaError('plan', `the project does not load: ${context.index.loadError ?? 'unknown error'}`)
  }
  return context.project
}

const changeTitles: [PlanModel['change'], string][] = [
  ['added', 'Added'],
  ['directly_modified', 'Directly modified'],
  ['indirectly_modified', 'Indirectly modified'],
  ['metadata', 'Metadata only'],
  ['restated', 'Restated'],
]

function categoryBadge(model: PlanModel): Html {
  if (model.category === null) return html``
  const style = model.category === 'BREAKING' ? 'badge-error' : 'badge-success'
  return html`<span class="badge badge-sm ${style}" data-category="${model.category}">${model.category}</span>`
}

// The environment's stored definition of the model against the project's, both in the same form
// (the engine's rendered query, as plan compares them), as a unified diff with 3 lines of context.
async function modelDiff(
  context: WorkbenchContext,
  project: Project,
  plan: Plan,
  name: string,
): Promise<Html> {
  const state = await readState(context.db, context.connection)
  const current = state.environments.get(plan.environment)?.models.get(name)
  const before =
    current === undefined ? '' : (state.snapshots.get(snapshotKey(name, current.version))?.query ?? '')
  if (!project.models.has(name)) return html``
  const after = (await definitionOf(project, name)).query
  const hunks = unifiedHunks(lineDiff(before.trim(), after.trim()))
  const style = { same: 'opacity-70', added: 'bg-success/20', removed: 'bg-error/20' } as const
  const mark = { same: ' ', added: '+', removed: '-' } as const
  return html`<pre class="text-xs bg-base-200 rounded p-2 overflow-auto max-h-96" data-diff="${name}" tabindex="0">${hunks.map(
    (hunk) =>
      html`${hunk.skippedBefore > 0 ? html`<div class="opacity-50 italic" data-diff-skipped="${hunk.skippedBefore}">⋯ ${hunk.skippedBefore} unchanged line(s)</div>` : ''}<div class="text-info" data-diff-hunk>@@ -${hunk.beforeStart},${hunk.beforeCount} +${hunk.afterStart},${hunk.afterCount} @@</div>${hunk.lines.map(
        (line) =>
          html`<div class="${style[line.kind]}" data-diff-line="${line.kind}">${mark[line.kind]} ${line.text}</div>`,
      )}`,
  )}${hunks.length === 0 ? html`<div class="opacity-60">the query is unchanged; only properties differ</div>` : ''}</pre>`
}

// Unit tests of the changed models (the engine's test loader: each test names its model).
function testsFor(project: Project, models: ReadonlySet<string>): { names: string[]; error: string | null } {
  try {
    return {
      names: loadTests(project)
        .filter((test) => models.has(test.model))
        .map((test) => test.name),
      error: null,
    }
  } catch (error) {
    if (!isMateriaError(error)) throw error
    return { names: [], error: error.message }
  }
}

function testResults(results: readonly TestResult[]): Html {
  const failed = results.filter((result) => !result.passed).length
  return html`<div class="flex flex-col gap-1" id="test-results" data-failed="${failed}" data-passed="${results.length - failed}">
  <div class="text-sm font-semibold ${failed === 0 ? 'text-success' : 'text-error'}">${results.length - failed} passed, ${failed} failed</div>
  <ul class="text-sm font-mono">${results.map(
    (result) =>
      html`<li data-test="${result.name}" data-passed="${result.passed ? '1' : '0'}"><span class="${result.passed ? 'text-success' : 'text-error'}">${result.passed ? '✓' : '✗'}</span> ${result.name} <span class="opacity-60">${Math.round(result.durationMs)} ms</span>${result.passed ? '' : html`<pre class="whitespace-pre-wrap text-xs text-error">${result.message}</pre>`}</li>`,
  )}</ul></div>`
}

export async function planView(context: WorkbenchContext, environment: string): Promise<Html> {
  const project = requireProject(context)
  const plan = await buildPlan(context.db, project, { environment })
  const changed = plan.models.filter((model) => model.change !== 'unchanged')
  const groups = changeTitles
    .map(([change, title]) => ({ title, models: changed.filter((model) => model.change === change) }))
    .filter((group) => group.models.length > 0)
  const diffs = await Promise.all(
    changed
      .filter((model) => model.change === 'directly_modified')
      .map(
        async (model) =>
          html`<div><div class="font-mono text-sm">${model.name}</div>${await modelDiff(context, project, plan, model.name)}</div>`,
      ),
  )
  const builds = plan.steps.filter((step) => step.kind !== 'swap_view' && step.kind !== 'drop_view')
  const tests = testsFor(project, new Set(changed.map((model) => model.name)))
  const confirm =
    environment === 'prod'
      ? html`<input name="confirm" class="input input-sm w-48" placeholder="type prod to confirm" autocomplete="off" id="prod-confirm">`
      : html``
  return html`<div class="flex flex-col gap-4" id="plan-view" data-plan-empty="${plan.empty ? '1' : '0'}">
  <div class="flex items-center gap-3"><h1 class="text-2xl font-bold">Plan for ${environment}</h1>
    ${plan.empty ? html`<span class="badge badge-ghost" id="plan-empty">no changes, nothing to do</span>` : html`<span class="badge badge-warning">${changed.length} model(s) change</span>`}</div>
  ${plan.warnings.map((warning) => html`<div role="alert" class="alert alert-warning text-sm">${warning}</div>`)}
  <div class="grid gap-4 lg:grid-cols-2">
    <div class="card bg-base-100 shadow-sm"><div class="card-body p-4 gap-2"><h2 class="card-title text-base">Changes</h2>
      ${groups.length === 0 ? html`<p class="opacity-60 text-sm">none</p>` : ''}
      ${groups.map(
        (group) =>
          html`<div><div class="font-semibold text-sm">${group.title} (${group.models.length})</div><ul class="text-sm">${group.models.map(
            (model) =>
              html`<li class="flex flex-wrap gap-2 items-center py-0.5" data-plan-model="${model.name}"><span class="font-mono">${model.name}</span>${categoryBadge(model)}<span class="opacity-70">${model.note ?? ''}</span>${model.reusedFrom === null ? '' : html`<span class="badge badge-ghost badge-sm">reuses ${model.reusedFrom}</span>`}</li>`,
          )}</ul></div>`,
      )}
      ${plan.removed.length > 0 ? html`<div><div class="font-semibold text-sm">Removed</div><ul class="text-sm font-mono">${plan.removed.map((name) => html`<li>${name}</li>`)}</ul></div>` : ''}
    </div></div>
    <div class="card bg-base-100 shadow-sm"><div class="card-body p-4 gap-2"><h2 class="card-title text-base">Tables to build (${builds.length})</h2>
      <ul class="text-sm font-mono" id="plan-builds">${builds.map((step) => {
        const what =
          step.kind === 'create_table'
            ? `${step.replace ? 'rebuild' : 'create'} ${formatInterval(step.interval)}`
            : step.kind === 'backfill'
              ? `backfill ${step.batches.length} batch(es) ${step.batches.length > 0 ? formatInterval([step.batches[0]![0], step.batches.at(-1)![1]]) : ''}`
              : step.kind === 'merge_by_key'
                ? `merge ${formatInterval(step.interval)}`
                : `clone of ${step.sourceVersion}`
        return html`<li><span>${step.model}</span> <span class="opacity-60">${what}</span></li>`
      })}</ul>
      <h2 class="card-title text-base">Tests to run (${tests.names.length})</h2>
      ${tests.error === null ? '' : html`<div role="alert" class="alert alert-error text-sm">${tests.error}</div>`}
      <ul class="text-sm font-mono" id="plan-tests">${tests.names.map((name) => html`<li>${name}</li>`)}</ul>
      ${tests.names.length > 0 ? html`<form hx-post="/plan/tests" hx-target="#plan-test-results" class="flex items-center gap-2">${tests.names.map((name) => html`<input type="hidden" name="test" value="${name}">`)}<button class="btn btn-sm" id="run-tests">Run tests</button></form>` : ''}
      <div id="plan-test-results"></div></div></div>
  </div>
  ${diffs.length > 0 ? html`<div class="card bg-base-100 shadow-sm"><div class="card-body p-4 gap-2"><h2 class="card-title text-base">Diffs against ${environment}</h2>${diffs}</div></div>` : ''}
  <form class="flex items-center gap-2" hx-post="/plan/apply" hx-target="#apply-progress" id="apply-form">
    <input type="hidden" name="environment" value="${environment}">${confirm}
    <button class="btn btn-primary btn-sm" id="apply-button" ${plan.empty ? html`disabled` : ''}>Apply to ${environment}</button></form>
</div>`
}

function progressPanel(jobId: string): Html {
  return html`<div class="card bg-base-100 shadow-sm" id="apply-job" data-job="${jobId}"><div class="card-body p-4 gap-2">
  <div class="flex items-center gap-2"><h2 class="card-title text-base">Applying</h2>
    <span class="loading loading-spinner loading-sm" id="apply-spinner"></span>
    <button type="button" class="btn btn-sm btn-warning ml-auto" id="apply-cancel" hx-post="/plan/apply/${jobId}/cancel" hx-swap="none">Cancel</button></div>
  <ul class="text-sm font-mono" data-component="apply-progress" data-src="/plan/apply/${jobId}/events" id="apply-events"></ul>
</div></div>`
}

export function planRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()

  app.get('/plan', async (c) => {
    const environment = currentEnvironment(c, context)
    const startedMs = performance.now()
    await reloadIndex(context) // files may have changed outside the editor
    const view = await planView(context, environment)
    c.header('Server-Timing', `plan;dur=${(performance.now() - startedMs).toFixed(1)}`)
    // The plan is built again when an apply ends (materia:applied), so the header and the Apply
    // button tell the truth; the apply's progress sits outside the part that is replaced.
    return renderPage(
      c,
      context,
      '/plan',
      html`<section data-page="plan" class="flex flex-col gap-4"><div id="plan-body" hx-get="/plan/body" hx-trigger="materia:applied from:body" hx-swap="innerHTML">${view}</div><div id="apply-progress"></div></section>`,
    )
  })

  app.get('/plan/body', async (c) => {
    await reloadIndex(context)
    return c.html((await planView(context, currentEnvironment(c, context))).text)
  })

  app.post('/plan/tests', async (c) => {
    const form = await c.req.parseBody({ all: true })
    const names = ([] as unknown[]).concat(form.test ?? []).map(String)
    if (names.length === 0) throw new MateriaError('usage', 'no test to run: the plan lists none')
    return c.html(testResults(await runTests(requireProject(context), { names })).text)
  })

  app.get('/plan/stale', async (c) => {
    if (context.project === null || (context.project.problems?.length ?? 0) > 0)
      return c.html('<span class="badge badge-error">project does not load</span>')
    const environment = currentEnvironment(c, context)
    const plan = await changesPlan(context, context.project, environment)
    const count =
      plan.models.filter((model) => model.change === 'added' || model.change === 'directly_modified').length +
      plan.removed.length
    if (count === 0) return c.html('')
    return c.html(
      html`<a href="/plan" class="badge badge-warning whitespace-nowrap block truncate max-w-full" id="stale-count" data-count="${count}" title="${count} model${count === 1 ? '' : 's'} changed since last apply">${count} model${count === 1 ? '' : 's'} changed<span class="hidden 2xl:inline">&nbsp;since last apply</span></a>`
        .text,
    )
  })

  app.post('/plan/apply', async (c) => {
    const form = await c.req.parseBody()
    const environment = String(form.environment ?? '')
    if (environment !== currentEnvironment(c, context)) {
      throw new MateriaError(
        'plan',
        `the page shows ${currentEnvironment(c, context)}, not ${environment}; reload the plan`,
      )
    }
    if (environment === 'prod' && form.confirm !== 'prod') {
      throw new MateriaError('plan', 'applying to prod needs confirmation: type prod in the box, then Apply')
    }
    const running = context.applyJobs.running()
    if (running !== null)
      throw new MateriaError('apply', `an apply to ${running.environment} is already running`)
    const project = requireProject(context)
    const job = context.applyJobs.start(environment, async (started, emit) => {
      const plan = await buildPlan(context.db, project, { environment })
      const result = await applyPlan(context.db, project, plan, {
        signal: started.controller.signal,
        onEvent: (event) => emit({ kind: 'event', event, atMs: Date.now() - started.startedMs }),
        ...auditOptionsForApply(project),
      })
      return `applied to ${environment}: ${result.modelsBuilt} model(s) built, ${result.rowsWritten} row(s) written, ${result.viewsChanged} view(s) switched`
    })
    // materia:applied fires in the browser when the apply's stream ends (apply-progress.ts).
    return c.html(progressPanel(job.id).text)
  })

  app.post('/plan/apply/:id/cancel', async (c) => {
    const job = context.applyJobs.get(c.req.param('id'))
    job?.controller.abort()
    return c.body(null, 204)
  })

  app.get('/plan/apply/:id/events', async (c) => {
    const job = context.applyJobs.get(c.req.param('id'))
    if (job === undefined) throw new MateriaError('apply', `no apply job ${c.req.param('id')}`)
    return streamSSE(c, async (stream) => {
      const queue = [...job.events]
      let wake: (() => void) | null = null
      const listener = (event: (typeof job.events)[number]) => {
        queue.push(event)
        wake?.()
      }
      job.listeners.add(listener)
      stream.onAbort(() => {
        job.listeners.delete(listener)
        wake?.()
      })
      try {
        for (;;) {
          const event = queue.shift()
          if (event === undefined) {
            if (stream.aborted) return
            await new Promise<void>((resolve) => {
              wake = resolve
            })
            wake = null
            continue
          }
          await stream.writeSSE({ event: event.kind, data: JSON.stringify(event) })
          if (event.kind !== 'event') return
        }
      } finally {
        job.listeners.delete(listener)
      }
    })
  })

  return app
}
