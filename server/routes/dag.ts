// The model DAG: laid out left to right in layers on the server (dag-layout.ts) and sent as numbers
// that the browser draws as SVG (renderer/src/dag.ts). Nodes are coloured by kind; /dag/states adds
// each node's state in the environment (changed, stale) from the plan, which takes longer on big
// projects and so arrives after the drawing. Click selects a model and highlights up- and
// downstream; double-click opens it.
import { Hono } from 'hono'
import { columnGraph } from '../../pipeline/engine/index.ts'
import { dagColumnModeModelsMax } from '../../pipeline/limits.ts'
import { chunkPreloads } from '../asset-preload.ts'
import type { WorkbenchContext } from '../context.ts'
import { layoutDag } from '../dag-layout.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html, jsonData } from '../html.ts'
import type { ModelEntry, ProjectIndex } from '../project-index.ts'
import { changesPlan } from '../shared-plan.ts'
import { renderPage } from '../shell.ts'
import { dagColumnsSvg } from './dag-columns.ts'

const nodeWidth = 210
const nodeHeight = 30
const kindColours: Record<string, string> = {
  FULL: '#3b82f6',
  VIEW: '#8b5cf6',
  SEED: '#10b981',
  INCREMENTAL_BY_TIME_RANGE: '#f59e0b',
  INCREMENTAL_BY_UNIQUE_KEY: '#ef4444',
}

// What the browser needs to draw the model DAG (renderer/src/dag.ts), as columns: one array per
// field, node i at (x[i], y[i]), edge j from node from[j] to node to[j]. Shipping the drawing as
// markup cost the browser most of a second for 1,000 models (670 KB of SVG, some 6,000 elements
// and their whitespace to parse, style, scan and paint); the numbers take 95 KB, and the browser
// draws from them a node as a group and a rectangle, and every edge in one path.
export interface DagGraph {
  readonly nodeWidth: number
  readonly nodeHeight: number
  readonly colours: Readonly<Record<string, string>>
  readonly names: readonly string[]
  readonly paths: readonly string[]
  readonly kinds: readonly string[]
  readonly x: readonly number[]
  readonly y: readonly number[]
  readonly from: readonly number[]
  readonly to: readonly number[]
}

export function dagGraph(models: readonly ModelEntry[]): { graph: DagGraph; width: number; height: number } {
  const byName = new Map(models.map((model) => [model.name, model]))
  const layout = layoutDag(
    models.map((model) => model.name),
    (name) => byName.get(name)?.parents ?? [],
    { nodeWidth, nodeHeight, rankGap: 70, rowGap: 12 },
  )
  const indexOf = new Map(models.map((model, index) => [model.name, index]))
  const from: number[] = []
  const to: number[] = []
  for (const [index, model] of models.entries()) {
    for (const parent of model.parents) {
      const source = indexOf.get(parent)
      if (source === undefined) continue
      from.push(source)
      to.push(index)
    }
  }
  const tenth = (value: number) => Math.round(value * 10) / 10
  const graph: DagGraph = {
    nodeWidth,
    nodeHeight,
    colours: kindColours,
    names: models.map((model) => model.name),
    paths: models.map((model) => model.path),
    kinds: models.map((model) => model.kind),
    x: models.map((model) => tenth(layout.nodes.get(model.name)?.x ?? 0)),
    y: models.map((model) => tenth(layout.nodes.get(model.name)?.y ?? 0)),
    from,
    to,
  }
  return { graph, width: Math.ceil(layout.width), height: Math.ceil(layout.height) }
}

// The drawing's frame: an empty SVG sized to the layout, and the graph in a JSON data block. It
// depends on the index only, so it is kept per index: a reload (a save, a new file) makes a new index and so a
// new drawing.
const drawings = new WeakMap<ProjectIndex, Html>()

export function dagSvg(index: ProjectIndex): Html {
  const cached = drawings.get(index)
  if (cached !== undefined) return cached
  const { graph, width, height } = dagGraph([...index.models.values()])
  const drawing = html`<svg xmlns="http://www.w3.org/2000/svg" id="dag-svg" viewBox="0 0 ${width} ${height}" data-width="${width}" data-height="${height}" class="dag-models w-full h-[75vh] bg-base-100 rounded-box border border-base-300 select-none"></svg>
${jsonData('dag-graph', graph)}`
  drawings.set(index, drawing)
  return drawing
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
    const drawing = columnMode ? await columnDrawing(context, models) : dagSvg(context.index)
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
${chunkPreloads(context.rendererDir, 'src/dag.ts')}${columnMode ? html`<p class="text-xs opacity-70">Each model lists its columns; a line joins a column to each column it is computed from. Click a column to highlight its lineage.</p>` : legend()}<div data-component="dag" data-states="/dag/states" id="dag">${drawing}</div></section>`,
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
