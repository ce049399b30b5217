// The DAG page's interactions: zoom (wheel) and pan (drag) by moving the viewBox, click selects a
// model (or, in column mode, a column) and highlights everything upstream and downstream of it,
// double-click opens it in the editor. Model mode draws the graph the server sends as numbers
// (server/routes/dag.ts): each model a focusable group with a rectangle, every edge in one path,
// labels only for the models in view once they are legible. Column mode's drawing comes as SVG.
// Node states (changed, stale) arrive from /dag/states.
import { getJson } from './http.ts'

interface DagGraph {
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

interface Box {
  x: number
  y: number
  width: number
  height: number
}

const svgNs = 'http://www.w3.org/2000/svg'
// The drawing is an overview (no labels, no arrowheads) while 12 px labels would show under
// labelScaleMin of their size (5 px): labels come once zoomed in, and go zoomed back out.
const labelScaleMin = 0.4
// 12 px monospace is ~7.2 px a character: 26 fit the node's 194 px between its 8 px margins. A
// longer name is drawn whole, narrowed to that width (SVG textLength): cut short, its visible text
// would no longer be part of the node's accessible name (axe: label-content-name-mismatch).
const labelFitLength = 26
const labelMargin = 8
const kindColourDefault = '#64748b'

function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new Error(`assertion failed: ${message}`)
}

function closure(start: number, edges: ReadonlyMap<number, number[]>): Set<number> {
  const seen = new Set<number>()
  const stack = [start]
  while (stack.length > 0) {
    const index = stack.pop() ?? 0
    for (const next of edges.get(index) ?? []) {
      if (seen.has(next)) continue
      seen.add(next)
      stack.push(next)
    }
  }
  return seen
}

function element<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string>,
): SVGElementTagNameMap[K] {
  const created = document.createElementNS(svgNs, tag)
  for (const [name, value] of Object.entries(attributes)) created.setAttribute(name, value)
  return created
}

// Wheel zoom and drag pan over the viewBox; `changed` runs after each move.
function attachViewBox(svg: SVGSVGElement, box: Box, changed: () => void): void {
  const apply = () => {
    svg.setAttribute('viewBox', `${box.x} ${box.y} ${box.width} ${box.height}`)
    changed()
  }
  svg.addEventListener('wheel', (event) => {
    event.preventDefault()
    const factor = event.deltaY > 0 ? 1.15 : 1 / 1.15
    const rect = svg.getBoundingClientRect()
    const px = box.x + ((event.clientX - rect.left) / rect.width) * box.width
    const py = box.y + ((event.clientY - rect.top) / rect.height) * box.height
    box.x = px - (px - box.x) * factor
    box.y = py - (py - box.y) * factor
    box.width *= factor
    box.height *= factor
    apply()
  })
  let drag: { x: number; y: number } | null = null
  svg.addEventListener('pointerdown', (event) => {
    drag = { x: event.clientX, y: event.clientY }
  })
  window.addEventListener('pointerup', () => {
    drag = null
  })
  svg.addEventListener('pointermove', (event) => {
    if (drag === null) return
    const rect = svg.getBoundingClientRect()
    box.x -= ((event.clientX - drag.x) / rect.width) * box.width
    box.y -= ((event.clientY - drag.y) / rect.height) * box.height
    drag = { x: event.clientX, y: event.clientY }
    apply()
  })
}

// Click and Enter select the item under them; `select(null)` clears.
function attachSelection(
  svg: SVGSVGElement,
  selector: string,
  select: (item: SVGGElement | null) => void,
  pathOf: (node: SVGGElement) => string | undefined,
) {
  svg.addEventListener('click', (event) => {
    select((event.target as Element).closest<SVGGElement>(selector))
  })
  svg.addEventListener('keydown', (event) => {
    const item = (event.target as Element).closest<SVGGElement>(selector)
    if (item !== null && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault()
      select(item)
    }
  })
  svg.addEventListener('dblclick', (event) => {
    const node = (event.target as Element).closest<SVGGElement>('.dag-node')
    const path = node === null ? undefined : pathOf(node)
    if (path) window.location.assign(`/models?path=${encodeURIComponent(path)}`)
  })
}

// The cubic from the right middle of node `source` to the left middle of node `target`; it ends
// level, so its arrowhead points right.
function edgePath(graph: DagGraph, source: number, target: number): string {
  const x1 = (graph.x[source] ?? 0) + graph.nodeWidth
  const y1 = (graph.y[source] ?? 0) + graph.nodeHeight / 2
  const x2 = graph.x[target] ?? 0
  const y2 = (graph.y[target] ?? 0) + graph.nodeHeight / 2
  const bend = (x2 - x1) / 2
  return `M${x1},${y1}C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`
}

function arrowPath(graph: DagGraph, target: number): string {
  const x = graph.x[target] ?? 0
  const y = (graph.y[target] ?? 0) + graph.nodeHeight / 2
  return `M${x - 7},${y - 3.5}L${x},${y}L${x - 7},${y + 3.5}z`
}

// Draws every model and edge: the edges and their arrowheads as one path each, an empty path for
// a selection's edges, and each model a clone of its kind's prototype (three attributes set per
// model, not fourteen). Returns the models' groups, in the graph's order.
function drawGraph(
  graph: DagGraph,
  svg: SVGSVGElement,
  highlight: { readonly edges: SVGPathElement; readonly arrows: SVGPathElement },
): SVGGElement[] {
  const edges = element('path', {
    class: 'dag-edges',
    d: graph.from.map((source, edge) => edgePath(graph, source, graph.to[edge] ?? 0)).join(''),
  })
  const arrows = element('path', {
    class: 'dag-arrows',
    d: graph.to.map((target) => arrowPath(graph, target)).join(''),
  })
  const prototypes = new Map<string, SVGGElement>()
  const prototypeOf = (kind: string): SVGGElement => {
    const known = prototypes.get(kind)
    if (known !== undefined) return known
    const colour = graph.colours[kind] ?? kindColourDefault
    const made = element('g', { class: 'dag-node', 'data-kind': kind, tabindex: '0', role: 'button' })
    made.append(
      element('rect', {
        width: String(graph.nodeWidth),
        height: String(graph.nodeHeight),
        rx: '6',
        fill: colour,
        stroke: colour,
        'stroke-width': '1.5',
      }),
    )
    prototypes.set(kind, made)
    return made
  }
  const nodes: SVGGElement[] = []
  const layer = element('g', { id: 'dag-nodes' })
  for (const [index, name] of graph.names.entries()) {
    const kind = graph.kinds[index] ?? ''
    const node = prototypeOf(kind).cloneNode(true) as SVGGElement
    node.setAttribute('data-model', name)
    node.setAttribute('transform', `translate(${graph.x[index]},${graph.y[index]})`)
    node.setAttribute('aria-label', `${name}, ${kind}`)
    layer.append(node)
    nodes.push(node)
  }
  svg.append(edges, arrows, highlight.edges, highlight.arrows, layer)
  return nodes
}

// Labels the models in `box` that have none yet; `labelled` marks those done.
function labelInView(graph: DagGraph, nodes: readonly SVGGElement[], labelled: Uint8Array, box: Box): void {
  for (const [index, node] of nodes.entries()) {
    if (labelled[index] === 1) continue
    const x = graph.x[index] ?? 0
    const y = graph.y[index] ?? 0
    const inView =
      x + graph.nodeWidth >= box.x &&
      x <= box.x + box.width &&
      y + graph.nodeHeight >= box.y &&
      y <= box.y + box.height
    if (!inView) continue
    const name = graph.names[index] ?? ''
    const text = element('text', { x: String(labelMargin), y: '19' })
    if (name.length > labelFitLength) {
      text.setAttribute('textLength', String(graph.nodeWidth - 2 * labelMargin))
      text.setAttribute('lengthAdjust', 'spacingAndGlyphs')
    }
    text.textContent = name
    node.append(text)
    labelled[index] = 1
  }
}

// Up- and downstream of each model, by index.
function neighbours(graph: DagGraph): { children: Map<number, number[]>; parents: Map<number, number[]> } {
  const children = new Map<number, number[]>()
  const parents = new Map<number, number[]>()
  const push = (map: Map<number, number[]>, key: number, value: number) => {
    const list = map.get(key)
    if (list === undefined) map.set(key, [value])
    else list.push(value)
  }
  for (const [edge, source] of graph.from.entries()) {
    push(children, source, graph.to[edge] ?? 0)
    push(parents, graph.to[edge] ?? 0, source)
  }
  return { children, parents }
}

function mountModels(host: HTMLElement, svg: SVGSVGElement): SVGGElement[] {
  const graph = JSON.parse(
    host.querySelector<HTMLTemplateElement>('#dag-graph')?.content.textContent ?? '',
  ) as DagGraph
  const count = graph.names.length
  assert(graph.x.length === count && graph.y.length === count, 'a position for every model')
  assert(graph.from.length === graph.to.length, 'both ends of every edge')
  // Measured before the nodes exist, so that this layout does not have to style them.
  const frame = svg.getBoundingClientRect()
  // A selection's edges and their arrowheads, drawn over the dimmed ones.
  const highlight = {
    edges: element('path', { class: 'dag-highlight', d: '' }),
    arrows: element('path', { class: 'dag-highlight-arrows', d: '' }),
  }
  const nodes = drawGraph(graph, svg, highlight)

  // Labels for the models in view, drawn as the view reaches them; an overview has none.
  const box: Box = { x: 0, y: 0, width: Number(svg.dataset.width), height: Number(svg.dataset.height) }
  const labelled = new Uint8Array(count)
  const label = (rect: DOMRect) => {
    const overview = Math.min(rect.width / box.width, rect.height / box.height) < labelScaleMin
    svg.classList.toggle('dag-overview', overview)
    if (!overview) labelInView(graph, nodes, labelled, box)
  }
  attachViewBox(svg, box, () => label(svg.getBoundingClientRect()))
  label(frame)

  // A hovered model names itself in a tooltip, made on the first hover.
  svg.addEventListener('pointerover', (event) => {
    const node = (event.target as Element).closest<SVGGElement>('.dag-node')
    if (node === null || node.querySelector('title') !== null) return
    const title = element('title', {})
    title.textContent = `${node.dataset.model} (${node.dataset.kind})`
    node.prepend(title)
  })

  const { children, parents } = neighbours(graph)
  const indexOf = new Map(graph.names.map((name, index) => [name, index]))
  const select = (item: SVGGElement | null) => {
    const selected = item === null ? null : (indexOf.get(item.dataset.model ?? '') ?? null)
    const related =
      selected === null
        ? null
        : new Set([selected, ...closure(selected, children), ...closure(selected, parents)])
    svg.classList.toggle('dag-selecting', related !== null)
    for (const [index, node] of nodes.entries()) {
      node.dataset.related = related?.has(index) ? '1' : '0'
      node.dataset.selected = index === selected ? '1' : '0'
      node.firstElementChild?.setAttribute('stroke-width', index === selected ? '3' : '1.5')
    }
    const lit = graph.from.flatMap((source, edge) => {
      const target = graph.to[edge] ?? 0
      return related?.has(source) && related.has(target) ? [[source, target] as const] : []
    })
    highlight.edges.setAttribute('d', lit.map(([source, target]) => edgePath(graph, source, target)).join(''))
    highlight.arrows.setAttribute('d', lit.map(([, target]) => arrowPath(graph, target)).join(''))
    host.dataset.selected = selected === null ? '' : (graph.names[selected] ?? '')
  }
  attachSelection(
    svg,
    '.dag-node',
    select,
    (node) => graph.paths[indexOf.get(node.dataset.model ?? '') ?? -1],
  )
  return nodes
}

// Column mode: the server drew every column and edge; a column stays lit while any column it reads
// or that reads it is selected, and its model with it.
function mountColumns(host: HTMLElement, svg: SVGSVGElement): void {
  const children = new Map<string, string[]>()
  const parents = new Map<string, string[]>()
  const lines = [...svg.querySelectorAll<SVGPathElement>('.dag-edge')]
  for (const line of lines) {
    const from = line.dataset.from ?? ''
    const to = line.dataset.to ?? ''
    children.set(from, (children.get(from) ?? []).concat(to))
    parents.set(to, (parents.get(to) ?? []).concat(from))
  }
  const reach = (start: string, edges: ReadonlyMap<string, string[]>) => {
    const seen = new Set<string>()
    const stack = [start]
    while (stack.length > 0) {
      for (const next of edges.get(stack.pop() ?? '') ?? []) {
        if (seen.has(next)) continue
        seen.add(next)
        stack.push(next)
      }
    }
    return seen
  }
  attachViewBox(
    svg,
    { x: 0, y: 0, width: Number(svg.dataset.width), height: Number(svg.dataset.height) },
    () => {},
  )
  attachSelection(
    svg,
    '.dag-column',
    (item) => {
      const name = item === null ? null : (item.dataset.key ?? '')
      const related =
        name === null ? null : new Set([name, ...reach(name, children), ...reach(name, parents)])
      for (const column of svg.querySelectorAll<SVGGElement>('.dag-column')) {
        const key = column.dataset.key ?? ''
        const on = related === null || related.has(key)
        column.style.opacity = on ? '1' : '0.2'
        column.dataset.related = related !== null && on ? '1' : '0'
        column.dataset.selected = key === name ? '1' : '0'
      }
      for (const line of lines) {
        const on =
          related === null || (related.has(line.dataset.from ?? '') && related.has(line.dataset.to ?? ''))
        line.style.opacity = on ? '1' : '0.1'
        line.style.strokeWidth = related !== null && on ? '2' : ''
      }
      host.dataset.selected = name ?? ''
    },
    (node) => node.dataset.path,
  )
}

// Resolves after the browser has painted what is in the DOM now: the next frame's paint comes
// after its animation frame callbacks, so a task queued from one runs once that frame is on screen.
function painted(): Promise<void> {
  return new Promise((resolve) => requestAnimationFrame(() => setTimeout(resolve, 0)))
}

export async function mountDag(host: HTMLElement): Promise<void> {
  const svg = host.querySelector<SVGSVGElement>('#dag-svg')
  if (svg === null) return
  const columnMode = svg.dataset.mode === 'columns'
  const nodes = columnMode ? [...svg.querySelectorAll<SVGGElement>('.dag-node')] : mountModels(host, svg)
  if (columnMode) mountColumns(host, svg)
  await painted()
  host.dataset.interactive = '1'

  const states = await getJson<Record<string, string>>(host.dataset.states ?? '/dag/states').catch(() => ({}))
  const byName = new Map(nodes.map((node) => [node.dataset.model ?? '', node]))
  for (const [model, state] of Object.entries(states)) {
    const node = byName.get(model)
    if (node === undefined) continue
    node.dataset.state = state
    const rect = node.querySelector('rect')
    rect?.setAttribute('stroke', state === 'changed' ? '#f59e0b' : '#0ea5e9')
    if (state === 'stale') rect?.setAttribute('stroke-dasharray', '5 3')
  }
  host.dataset.states = 'loaded'
}
