// The model DAG: laid out left to right in layers on the server (dag-layout.ts) and drawn as SVG, so the page is
// interactive as soon as it arrives. Nodes are coloured by kind; /dag/states adds each node's state
// in the environment (changed, stale) from the plan, which takes longer on big projects and so
// arrives after the drawing. Click opens the model; selection highlights up- and downstream.
import { Hono } from 'hono'
import { columnGraph } from '../../pipeline/engine/index.ts'
import { dagColumnModeModelsMax } from '../../pipeline/limits.ts'
import type { WorkbenchContext } from '../context.ts'
import { layoutDag } from '../dag-layout.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html } from '../html.ts'
import type { ModelEntry } from '../project-index.ts'
import { changesPlan } from '../shared-plan.ts'
import { renderPage } from '../shell.ts'
import { dagColumnsSvg } from './dag-columns.ts'

const nodeWidth = 210
const nodeHeight = 30
// A drawing taller than this is shown whole at under a third of its size, where 12 px labels are
// under 4 px and unreadable: it opens as an overview, labels and arrowheads left out (laying out
// a thousand SVG texts is most of the page's first frame), and they appear once zoomed in (dag.ts).
const overviewHeightMin = 2_500

const kindColours: Record<string, string> = {
  FULL: '#3b82f6',
  VIEW: '#8b5cf6',
  SEED: '#10b981',
  INCREMENTAL_BY_TIME_RANGE: '#f59e0b',
  INCREMENTAL_BY_UNIQUE_KEY: '#ef4444',
}

export function dagSvg(models: readonly ModelEntry[]): Html {
  const byName = new Map(models.map((model) => [model.name, model]))
  const layout = layoutDag(
    models.map((model) => model.name),
    (name) => byName.get(name)?.parents ?? [],
    { nodeWidth, nodeHeight, rankGap: 70, rowGap: 12 },
  )
  const width = Math.ceil(layout.width)
  const height = Math.ceil(layout.height)
  const edges = models.flatMap((model) =>
    model.parents.flatMap((parent) => {
      const from = layout.nodes.get(parent)
      const to = layout.nodes.get(model.name)
      if (from === undefined || to === undefined) return []
      const x1 = from.x + nodeWidth
      const y1 = from.y + nodeHeight / 2
      const x2 = to.x
      const y2 = to.y + nodeHeight / 2
      const bend = (x2 - x1) / 2
      const path = `M${x1},${y1.toFixed(1)} C${x1 + bend},${y1.toFixed(1)} ${x2 - bend},${y2.toFixed(1)} ${x2},${y2.toFixed(1)}`
      // Stroke and arrowhead come from the stylesheet (.dag-edge): a thousand edges repeat no attributes.
      return [html`<path d="${path}" data-from="${parent}" data-to="${model.name}" class="dag-edge"/>`]
    }),
  )
  const nodes = models.map((model) => {
    const node = layout.nodes.get(model.name) ?? { x: 0, y: 0 }
    const x = node.x
    const y = node.y
    const label = model.name.length > 30 ? `${model.name.slice(0, 29)}…` : model.name
    return html`<g class="dag-node cursor-pointer" data-model="${model.name}" data-path="${model.path}" data-kind="${model.kind}" transform="translate(${x.toFixed(1)},${y.toFixed(1)})"
  tabindex="0" role="button" aria-label="${model.name}, ${model.kind}">
<title>${model.name} (${model.kind})</title><rect width="${nodeWidth}" height="${nodeHeight}" rx="6" fill="${kindColours[model.kind] ?? '#64748b'}" stroke="${kindColours[model.kind] ?? '#64748b'}" stroke-width="1.5"/>
<text x="8" y="19">${label}</text></g>`
  })
  const overview = height > overviewHeightMin ? ' dag-overview' : ''
  return html`<svg xmlns="http://www.w3.org/2000/svg" id="dag-svg" viewBox="0 0 ${width} ${height}" data-width="${width}" data-height="${height}" class="dag-models${overview} w-full h-[75vh] bg-base-100 rounded-box border border-base-300 select-none">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="6" markerHeight="6" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="currentColor" fill-opacity="0.5"/></marker></defs>
<g id="dag-edges">${edges}</g><g id="dag-nodes">${nodes}</g></svg>`
}

// Column mode needs the engine's reading of every query, so it needs a project that loads.
async function columnDrawing(context: WorkbenchContext, models: readonly ModelEntry[]): Promise<Html> {
  const project = context.project
  if (project === null) {
    return html`<div role="alert" class="alert alert-warning">Column mode needs a project that loads: ${context.index.loadError ?? 'unknown error'}</div>`
  }
  if (models.length > dagColumnModeModelsMax) {
    return html`<div role="alert" class="alert">Column mode draws at most ${dagColumnModeModelsMax} models (dagColumnModeModelsMax); this project has ${models.length}. Use materia lineage MODEL.COLUMN, or hover a column in the model editor.</div>`
  }
  const loaded = models.filter((model) => project.models.has(model.name))
  const graph = await columnGraph(
    project,
    loaded.map((model) => model.name),
  )
  return dagColumnsSvg(loaded, graph)
}

function legend(): Html {
  return html`<div class="flex flex-wrap gap-3 text-xs items-center">${Object.entries(kindColours).map(
    ([kind, colour]) =>
      html`<span class="flex items-center gap-1"><span class="inline-block w-3 h-3 rounded" style="background:${colour}"></span>${kind}</span>`,
  )}<span class="flex items-center gap-1"><span class="inline-block w-3 h-3 rounded border-2 border-warning"></span>changed</span>
  <span class="flex items-center gap-1"><span class="inline-block w-3 h-3 rounded border-2 border-dashed border-info"></span>stale (upstream changed)</span>
  <span class="opacity-60">scroll to zoom · drag to pan · click or Enter selects · double-click opens · Tab moves between models</span></div>`
}

export function dagRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()

  app.get('/dag', async (c) => {
    const startedMs = performance.now()
    const models = [...context.index.models.values()]
    const columnMode = c.req.query('mode') === 'columns'
    const drawing = columnMode ? await columnDrawing(context, models) : dagSvg(models)
    c.header('Server-Timing', `dag;dur=${(performance.now() - startedMs).toFixed(1)}`)
    const modeLink = (mode: 'models' | 'columns', text: string) => {
      const href = mode === 'columns' ? '/dag?mode=columns' : '/dag'
      const active = (mode === 'columns') === columnMode
      return html`<a href="${href}" hx-get="${href}" hx-target="#main" hx-select="#main > *" hx-push-url="true" role="tab"
        aria-selected="${active ? 'true' : 'false'}" class="tab${active ? ' tab-active' : ''}" data-dag-mode="${mode}">${text}</a>`
    }
    return renderPage(
      c,
      context,
      '/dag',
      html`<section class="flex flex-col gap-2" data-page="dag"><div class="flex items-center gap-3"><h1 class="text-2xl font-bold">Model DAG</h1><span class="badge badge-ghost">${models.length} models</span>
<div role="tablist" class="tabs tabs-box tabs-sm ml-auto" aria-label="DAG mode">${modeLink('models', 'Models')}${modeLink('columns', 'Columns')}</div></div>
${columnMode ? html`<p class="text-xs opacity-70">Each model lists its columns; a line joins a column to each column it is computed from. Click a column to highlight its lineage.</p>` : legend()}<div data-component="dag" data-states="/dag/states" id="dag">${drawing}</div></section>`,
    )
  })

  // Node states in the chosen environment, from the plan: { model: 'changed' | 'stale' }.
  app.get('/dag/states', async (c) => {
    if (context.project === null || (context.project.problems?.length ?? 0) > 0) return c.json({})
    const plan = await changesPlan(context, context.project, currentEnvironment(c, context))
    const states: Record<string, string> = {}
    for (const model of plan.models) {
      if (model.change === 'added' || model.change === 'directly_modified') states[model.name] = 'changed'
      else if (model.change === 'indirectly_modified' || model.change === 'restated')
        states[model.name] = 'stale'
    }
    return c.json(states)
  })

  return app
}
