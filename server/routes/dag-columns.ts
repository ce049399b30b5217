// The DAG's column mode: each model node lists its output columns, and an edge joins a column to
// each column of another model it is computed from (the engine's columnGraph, the same walk as
// `materia lineage`). Sources that are not models (read_csv, landing tables) end the lines: they
// have no node. Clicking a column highlights everything it reads and everything that reads it.
import type { ColumnGraph } from '../../pipeline/engine/index.ts'
import { layoutDag } from '../dag-layout.ts'
import { type Html, html } from '../html.ts'
import type { ModelEntry } from '../project-index.ts'

const nodeWidth = 230
const titleHeight = 26
const columnHeight = 18

function label(text: string, length: number): string {
  return text.length > length ? `${text.slice(0, length - 1)}…` : text
}

export function dagColumnsSvg(models: readonly ModelEntry[], graph: ColumnGraph): Html {
  const byName = new Map(models.map((model) => [model.name, model]))
  const columnsOf = (name: string) => graph.columns.get(name) ?? []
  const heightOf = (name: string) => titleHeight + Math.max(1, columnsOf(name).length) * columnHeight + 6
  const layout = layoutDag(
    models.map((model) => model.name),
    (name) => byName.get(name)?.parents ?? [],
    { nodeWidth, nodeHeight: titleHeight + columnHeight, rankGap: 90, rowGap: 16, heightOf },
  )
  // Where a column's row sits: its node's corner plus its position in the list.
  const rowY = (model: string, column: string): number | null => {
    const node = layout.nodes.get(model)
    const position = columnsOf(model).indexOf(column)
    if (node === undefined || position < 0) return null
    return node.y + titleHeight + position * columnHeight + columnHeight / 2
  }
  const edges = graph.edges.flatMap((edge) => {
    const from = layout.nodes.get(edge.source.model)
    const to = layout.nodes.get(edge.target.model)
    const y1 = rowY(edge.source.model, edge.source.column)
    const y2 = rowY(edge.target.model, edge.target.column)
    if (from === undefined || to === undefined || y1 === null || y2 === null) return []
    const x1 = from.x + nodeWidth
    const x2 = to.x
    const bend = (x2 - x1) / 2
    const path = `M${x1},${y1} C${x1 + bend},${y1} ${x2 - bend},${y2} ${x2},${y2}`
    return [
      html`<path d="${path}" data-from="${edge.source.model}.${edge.source.column}" data-to="${edge.target.model}.${edge.target.column}" class="dag-edge dag-column-edge" fill="none" stroke="currentColor" stroke-opacity="0.35" stroke-width="1"/>`,
    ]
  })
  const nodes = models.map((model) => {
    const node = layout.nodes.get(model.name) ?? { x: 0, y: 0 }
    const columns = graph.columns.get(model.name)
    const rows =
      columns === null || columns === undefined
        ? html`<text x="8" y="${titleHeight + 12}" font-size="11" font-style="italic" fill="currentColor" fill-opacity="0.7">columns unknown (SELECT * over a source)</text>`
        : columns.map(
            (
              column,
              position,
            ) => html`<g class="dag-column" data-model="${model.name}" data-column="${column}" data-key="${model.name}.${column}" tabindex="0" role="button" aria-label="column ${model.name}.${column}" transform="translate(0,${titleHeight + position * columnHeight})">
<rect x="4" width="${nodeWidth - 8}" height="${columnHeight - 2}" rx="3" fill="currentColor" fill-opacity="0.04"/><text x="10" y="12" font-size="11" font-family="monospace" fill="currentColor">${label(column, 32)}</text></g>`,
          )
    return html`<g class="dag-node" data-model="${model.name}" data-path="${model.path}" data-kind="${model.kind}" transform="translate(${node.x.toFixed(1)},${node.y.toFixed(1)})">
<title>${model.name} (${model.kind})</title><rect width="${nodeWidth}" height="${heightOf(model.name)}" rx="6" fill="#64748b" fill-opacity="0.08" stroke="#64748b" stroke-width="1.2"/>
<text x="8" y="17" font-size="12" font-weight="bold" font-family="monospace" fill="currentColor">${label(model.name, 30)}</text>${rows}</g>`
  })
  const width = Math.ceil(layout.width)
  const height = Math.ceil(layout.height)
  return html`<svg xmlns="http://www.w3.org/2000/svg" id="dag-svg" data-mode="columns" viewBox="0 0 ${width} ${height}" data-width="${width}" data-height="${height}" class="w-full h-[75vh] bg-base-100 rounded-box border border-base-300 select-none">
<g id="dag-edges">${edges}</g><g id="dag-nodes">${nodes}</g></svg>`
}
