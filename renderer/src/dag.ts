// The DAG page's interactions over the server-drawn SVG: zoom (wheel) and pan (drag) by moving the
// viewBox, click selects a model and highlights everything upstream and downstream of it,
// double-click opens it in the editor. Node states (changed, stale) arrive from /dag/states.
import { getJson } from './http.ts'

function closure(start: string, edges: Map<string, string[]>): Set<string> {
  const seen = new Set<string>()
  const stack = [start]
  while (stack.length > 0) {
    const name = stack.pop() ?? ''
    for (const next of edges.get(name) ?? []) {
      if (seen.has(next)) continue
      seen.add(next)
      stack.push(next)
    }
  }
  return seen
}

const labelScaleMin = 0.4

export async function mountDag(host: HTMLElement): Promise<void> {
  const svg = host.querySelector<SVGSVGElement>('#dag-svg')
  if (svg === null) return
  const box = { x: 0, y: 0, width: Number(svg.dataset.width), height: Number(svg.dataset.height) }
  // An overview (server/routes/dag.ts) gets its labels once they are drawn at least
  // labelScaleMin of their size (12 px text at 5 px or more), and loses them zoomed back out.
  const overview = svg.classList.contains('dag-overview')
  const apply = () => {
    svg.setAttribute('viewBox', `${box.x} ${box.y} ${box.width} ${box.height}`)
    if (!overview) return
    const rect = svg.getBoundingClientRect()
    const scale = Math.min(rect.width / box.width, rect.height / box.height)
    svg.classList.toggle('dag-overview', scale < labelScaleMin)
  }
  const children = new Map<string, string[]>()
  const parents = new Map<string, string[]>()
  for (const edge of svg.querySelectorAll<SVGPathElement>('.dag-edge')) {
    const from = edge.dataset.from ?? ''
    const to = edge.dataset.to ?? ''
    const down = children.get(from) ?? []
    down.push(to)
    children.set(from, down)
    const up = parents.get(to) ?? []
    up.push(from)
    parents.set(to, up)
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

  // Model mode selects models; column mode (svg data-mode="columns") selects columns, keyed
  // model.column, and a model stays lit while any of its columns is.
  const columnMode = svg.dataset.mode === 'columns'
  const itemSelector = columnMode ? '.dag-column' : '.dag-node'
  const keyOf = (item: SVGGElement) => (columnMode ? item.dataset.key : item.dataset.model) ?? ''
  const select = (name: string | null) => {
    const related =
      name === null ? null : new Set([name, ...closure(name, children), ...closure(name, parents)])
    for (const item of svg.querySelectorAll<SVGGElement>(itemSelector)) {
      const key = keyOf(item)
      const on = related === null || related.has(key)
      item.style.opacity = on ? '1' : '0.2'
      item.dataset.related = related !== null && on ? '1' : '0'
      item.dataset.selected = key === name ? '1' : '0'
      if (!columnMode) item.querySelector('rect')?.setAttribute('stroke-width', key === name ? '3' : '1.5')
    }
    for (const edge of svg.querySelectorAll<SVGPathElement>('.dag-edge')) {
      const on =
        related === null || (related.has(edge.dataset.from ?? '') && related.has(edge.dataset.to ?? ''))
      edge.style.opacity = on ? '1' : '0.1'
      edge.style.strokeWidth = related !== null && on ? '2' : ''
    }
    host.dataset.selected = name ?? ''
  }
  svg.addEventListener('click', (event) => {
    const item = (event.target as Element).closest<SVGGElement>(itemSelector)
    select(item === null ? null : keyOf(item))
  })
  svg.addEventListener('keydown', (event) => {
    const item = (event.target as Element).closest<SVGGElement>(itemSelector)
    if (item !== null && (event.key === 'Enter' || event.key === ' ')) {
      event.preventDefault()
      select(keyOf(item))
    }
  })
  svg.addEventListener('dblclick', (event) => {
    const node = (event.target as Element).closest<SVGGElement>('.dag-node')
    if (node?.dataset.path) window.location.assign(`/models?path=${encodeURIComponent(node.dataset.path)}`)
  })
  host.dataset.interactive = '1'

  const states = await getJson<Record<string, string>>(host.dataset.states ?? '/dag/states').catch(() => ({}))
  for (const [model, state] of Object.entries(states)) {
    const node = svg.querySelector<SVGGElement>(`.dag-node[data-model="${CSS.escape(model)}"]`)
    if (node === null) continue
    node.dataset.state = state
    const rect = node.querySelector('rect')
    rect?.setAttribute('stroke', state === 'changed' ? '#f59e0b' : '#0ea5e9')
    if (state === 'stale') rect?.setAttribute('stroke-dasharray', '5 3')
  }
  host.dataset.states = 'loaded'
}
