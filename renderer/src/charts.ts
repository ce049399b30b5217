// Charts drawn with ECharts (tree-shaken: line, bar and pie on the canvas renderer). A chart host
// names its kind (data-chart) and carries its data (data-json) or names its source (data-src); the data is plain JSON from the server.
import { BarChart, LineChart, PieChart, ScatterChart } from 'echarts/charts'
import { GridComponent, LegendComponent, MarkLineComponent, TooltipComponent } from 'echarts/components'
import * as echarts from 'echarts/core'
import { CanvasRenderer, SVGRenderer } from 'echarts/renderers'
import { getJson } from './http.ts'

echarts.use([
  LineChart,
  BarChart,
  PieChart,
  ScatterChart,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TooltipComponent,
  CanvasRenderer,
  SVGRenderer,
])

interface Report {
  balance: {
    years: number[]
    production: number[]
    consumption: number[]
    stocksToUse: (number | null)[]
    notes: { year: number; before: number; after: number }[]
  }
  producers: { year: number; names: string[]; production: number[]; colors: string[]; labels: string[] }
}

type Options = echarts.EChartsCoreOption

const compactNumber = new Intl.NumberFormat('en-US', { notation: 'compact', maximumFractionDigits: 1 })

const builders: Record<string, (data: unknown) => Options> = {
  balance: (data) => {
    const { balance } = data as Report
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0, left: 'center' },
      grid: { left: 56, right: 56, top: 56, bottom: 28 },
      xAxis: { type: 'category', data: balance.years.map(String) },
      yAxis: [
        {
          type: 'value',
          name: '1000 60-kg bags',
          nameTextStyle: { align: 'left' },
          axisLabel: { formatter: (value: number) => compactNumber.format(value) },
        },
        {
          type: 'value',
          name: 'stocks-to-use',
          nameTextStyle: { align: 'right' },
          axisLabel: { formatter: (value: number) => `${Math.round(value * 100)}%` },
        },
      ],
      series: [
        {
          name: 'Production',
          type: 'bar',
          data: balance.production,
          // Where the countries reporting consumption change, world totals change coverage.
          markLine: {
            symbol: 'none',
            silent: true,
            lineStyle: { type: 'dashed', color: '#b45309' },
            label: { formatter: '{b}', position: 'insideEndTop', color: '#b45309', fontSize: 10 },
            data: balance.notes.map((note) => ({
              xAxis: String(note.year),
              name: `${note.before}→${note.after} countries`,
            })),
          },
        },
        { name: 'Consumption', type: 'bar', data: balance.consumption },
        { name: 'Stocks-to-use', type: 'line', yAxisIndex: 1, data: balance.stocksToUse },
      ],
    }
  },
  // No ECharts legend: the page lists the producers beside the chart, where it cannot cover a
  // slice; each slice's label names the country, its bags and its share.
  producers: (data) => {
    const { producers } = data as Report
    return {
      color: producers.colors,
      tooltip: { trigger: 'item', formatter: '{b}: {d}%' },
      series: [
        {
          name: `Share of production ${producers.year}`,
          type: 'pie',
          radius: ['28%', '52%'],
          center: ['50%', '50%'],
          avoidLabelOverlap: true,
          minShowLabelAngle: 4,
          // Labels keep their whole text (ECharts would cut "58.1M bags" at the card's edge) on
          // two spaced lines.
          label: {
            fontSize: 11,
            lineHeight: 15,
            overflow: 'none',
            alignTo: 'edge',
            edgeDistance: 8,
            formatter: (item: { name: string; dataIndex: number }) =>
              `${item.name}\n${producers.labels[item.dataIndex] ?? ''}`,
          },
          labelLayout: { hideOverlap: true },
          data: producers.names.map((name, index) => ({ name, value: producers.production[index] })),
        },
      ],
    }
  },
  // A histogram of one column: equal-width bins from low to high, each bar's count of rows.
  histogram: (data) => {
    const { low, high, counts, column } = data as {
      low: number
      high: number
      counts: number[]
      column: string
    }
    const width = (high - low) / Math.max(1, counts.length)
    const edges = counts.map((_, index) => low + index * width)
    return {
      grid: { left: 44, right: 12, top: 22, bottom: 40 },
      tooltip: {
        trigger: 'axis',
        formatter: (items: { dataIndex: number; value: number }[]) => {
          const item = items[0]
          if (item === undefined) return ''
          const from = edges[item.dataIndex] ?? low
          return `${compactNumber.format(from)} – ${compactNumber.format(from + width)}: ${item.value.toLocaleString('en-US')} rows`
        },
      },
      xAxis: {
        type: 'category',
        // One bin per whole value (years, counts) reads as the value itself: 2021, not 2K.
        data: edges.map((edge) =>
          width === 1 && Number.isInteger(edge) ? String(edge) : compactNumber.format(edge),
        ),
        name: column,
        nameLocation: 'middle',
        nameGap: 24,
        axisLabel: { fontSize: 10, hideOverlap: true },
        axisTick: { alignWithLabel: false },
      },
      yAxis: {
        type: 'value',
        name: 'rows',
        nameTextStyle: { align: 'right' },
        minInterval: 1,
        axisLabel: { fontSize: 10, formatter: (value: number) => compactNumber.format(value) },
      },
      series: [{ type: 'bar', data: counts, barCategoryGap: '8%' }],
    }
  },
  // Overlaid series: { x: [...], series: [{ name, values: [...] }] }. Where the environments agree
  // the lines coincide: the first is a wide pale band, the next dashed with markers on top of it,
  // so both stay visible.
  overlay: (data) => {
    const { x, series } = data as { x: string[]; series: { name: string; values: (number | null)[] }[] }
    return {
      tooltip: { trigger: 'axis' },
      legend: { top: 0 },
      grid: { left: 64, right: 20, top: 40, bottom: 30 },
      xAxis: { type: 'category', data: x },
      yAxis: { type: 'value', axisLabel: { formatter: (value: number) => compactNumber.format(value) } },
      series: series.map((entry, index) => ({
        name: entry.name,
        type: 'line',
        data: entry.values,
        z: index + 2,
        symbol: index === 0 ? 'none' : 'circle',
        symbolSize: 7,
        lineStyle: index === 0 ? { width: 8, opacity: 0.35, cap: 'round' } : { width: 2, type: [6, 4] },
      })),
    }
  },
}

export async function mountChart(host: HTMLElement): Promise<void> {
  const build = builders[host.dataset.chart ?? '']
  if (build === undefined) throw new Error(`unknown chart "${host.dataset.chart}"`)
  // Small data sets come inline (data-json, HTML-escaped by the server); larger ones by URL.
  const inline = host.dataset.json
  let data: unknown
  try {
    data = inline ? JSON.parse(inline) : await getJson<unknown>(host.dataset.src ?? '')
  } catch (error) {
    host.innerHTML = ''
    const message = document.createElement('div')
    message.className = 'alert'
    message.textContent = String(error).includes('404')
      ? 'No serving models built yet: run the main job (materia start) or apply a plan.'
      : String(error)
    host.append(message)
    return
  }
  // One chart at a time per host: a theme change disposes it and draws a new one in the new theme,
  // and the resize observer always resizes the current one (never a disposed one).
  const draw = () => {
    const theme = document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light'
    // SVG for these small charts (ECharts' handbook: less memory, sharp when zoomed; canvas pays
    // off past about a thousand elements, so the quick chart of a result keeps it). Their text
    // is in the page, where tests and assistive tools can read it.
    const next = echarts.init(host, theme === 'dark' ? 'dark' : undefined, { renderer: 'svg' })
    // The page's own background shows through, so the chart matches the card it sits on.
    next.setOption({ backgroundColor: 'transparent', ...build(data) })
    host.dataset.chartTheme = theme
    return next
  }
  let chart = draw()
  host.dataset.rendered = '1'
  // The benchmark reads when each chart was first drawn (ms since navigation start).
  performance.mark(`materia:chart:${host.dataset.chart ?? ''}`)
  const observer = new ResizeObserver(() => {
    if (!chart.isDisposed()) chart.resize()
  })
  observer.observe(host)
  const retheme = () => {
    if (!host.isConnected) {
      observer.disconnect()
      document.removeEventListener('materia:theme', retheme)
      chart.dispose()
      return
    }
    chart.dispose()
    chart = draw()
  }
  document.addEventListener('materia:theme', retheme)
}

export interface QuickChartData {
  kind: 'line' | 'bar' | 'scatter'
  x: unknown[]
  y: (number | null)[]
  series: string[]
  truncated: boolean
}

// A quick chart of a query result: one ECharts series per distinct series value, x on a category
// axis for line and bar (the server sorted and summed them), on a value axis for scatter.
export function drawQuickChart(
  host: HTMLElement,
  data: QuickChartData,
  labels: { x: string; y: string },
): void {
  echarts.getInstanceByDom(host)?.dispose()
  const names = [...new Set(data.series)]
  const categories = [...new Set(data.x.map(String))]
  const series = names.map((name) => {
    if (data.kind === 'scatter') {
      const points = data.x.flatMap((x, index) =>
        data.series[index] === name ? [[Number(x), data.y[index] ?? null]] : [],
      )
      return { name: name || labels.y, type: 'scatter', symbolSize: 6, data: points }
    }
    const byX = new Map<string, number | null>()
    for (const [index, x] of data.x.entries())
      if (data.series[index] === name) byX.set(String(x), data.y[index] ?? null)
    return { name: name || labels.y, type: data.kind, data: categories.map((x) => byX.get(x) ?? null) }
  })
  const theme = document.documentElement.dataset.theme === 'dark' ? 'dark' : undefined
  const chart = echarts.init(host, theme)
  chart.setOption({
    backgroundColor: 'transparent',
    tooltip: { trigger: data.kind === 'scatter' ? 'item' : 'axis' },
    legend: { type: 'scroll', top: 0 },
    grid: { left: 70, right: 20, top: 40, bottom: 40 },
    xAxis:
      data.kind === 'scatter'
        ? { type: 'value', name: labels.x, nameLocation: 'middle', nameGap: 25, scale: true }
        : { type: 'category', data: categories, name: labels.x, nameLocation: 'middle', nameGap: 25 },
    yAxis: { type: 'value', name: labels.y, scale: data.kind === 'scatter' },
    series,
  })
  host.dataset.rendered = '1'
  host.dataset.series = String(series.length)
  new ResizeObserver(() => {
    if (!chart.isDisposed()) chart.resize()
  }).observe(host)
}
