// The chart runtime a build ships: ECharts assembled from only the chart types and components its
// pages use (echarts/core + the parts, SVG renderer), bundled and minified by esbuild at build
// time, offline. The full echarts.min.js is 1.1 MB; a build of line, bar and scatter charts needs a
// third of it. All pages of a build share the one file, so a browser fetches it once.
import { join } from 'node:path'
import { build } from 'esbuild'
import type { ComponentName } from './components.ts'

// ECharts series types (echarts/charts exports) each component draws with.
const chartsOf: Partial<Record<ComponentName, readonly string[]>> = {
  LineChart: ['LineChart'],
  AreaChart: ['LineChart'],
  BarChart: ['BarChart'],
  ScatterPlot: ['ScatterChart'],
  BigValue: ['LineChart'], // its sparkline
  Sparkline: ['LineChart'],
  Histogram: ['BarChart'],
  BubbleChart: ['ScatterChart'],
  Heatmap: ['HeatmapChart', 'VisualMapComponent'],
  BoxPlot: ['BoxplotChart'],
  FunnelChart: ['FunnelChart'],
  SankeyDiagram: ['SankeyChart'],
  AreaMap: ['MapChart', 'GeoComponent', 'VisualMapComponent'],
  PointMap: ['ScatterChart', 'GeoComponent'],
}

// Every chart uses these: axes on a grid, tooltip, legend (scrolling when long), the empty-state title,
// and reference lines and areas (markLine/markArea).
const sharedComponents = [
  'GridComponent',
  'TooltipComponent',
  'LegendComponent',
  'TitleComponent',
  'MarkLineComponent',
  'MarkAreaComponent',
]

const cache = new Map<string, Promise<string>>()

/** The ECharts series types a set of components needs, sorted; empty when no page draws a chart. */
export function chartPartsFor(types: Iterable<ComponentName>): string[] {
  const parts = new Set<string>()
  for (const type of types) for (const part of chartsOf[type] ?? []) parts.add(part)
  return [...parts].sort()
}

/** The minified runtime for these parts; the same parts always give the same bytes. */
export function chartRuntime(parts: readonly string[]): Promise<string> {
  const key = parts.join(',')
  let runtime = cache.get(key)
  if (runtime === undefined) {
    runtime = bundle(parts)
    cache.set(key, runtime)
  }
  return runtime
}

async function bundle(parts: readonly string[]): Promise<string> {
  const charts = parts.filter((part) => part.endsWith('Chart'))
  const components = [...sharedComponents, ...parts.filter((part) => part.endsWith('Component'))]
  const entry = `import * as echarts from 'echarts/core'
import { ${charts.join(', ')} } from 'echarts/charts'
import { ${components.join(', ')} } from 'echarts/components'
import { SVGRenderer } from 'echarts/renderers'
echarts.use([${[...charts, ...components, 'SVGRenderer'].join(', ')}])
window.echarts = echarts
`
  const result = await build({
    stdin: { contents: entry, resolveDir: join(import.meta.dirname, '..', '..'), loader: 'js' },
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2020',
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
  })
  return `/*! Apache ECharts (Apache-2.0), parts: ${parts.join(', ')} */\n${result.outputFiles[0]!.text}`
}
