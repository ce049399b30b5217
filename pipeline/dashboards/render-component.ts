// The server-side HTML of each component: containers the browser script fills (charts, tables,
// big values), and the parts that need no script (alerts, the dropdown's <select>).
import type { ComponentName } from './components.ts'
import { formatCell } from './format.ts'
import { escapeHtml } from './html.ts'
import type { InputDefinition } from './inputs.ts'
import type { QueryResult } from './query.ts'

const chartHeightPxDefault = 320

const chartLabels: Partial<Record<ComponentName, string>> = {
  LineChart: 'Line chart',
  BarChart: 'Bar chart',
  AreaChart: 'Area chart',
  ScatterPlot: 'Scatter plot',
  Histogram: 'Histogram',
  BubbleChart: 'Bubble chart',
  Heatmap: 'Heatmap',
  BoxPlot: 'Box plot',
  FunnelChart: 'Funnel chart',
  SankeyDiagram: 'Sankey diagram',
  AreaMap: 'Map',
  PointMap: 'Map',
}
const mapHeightPxDefault = 440

export function renderComponentShell(
  id: string,
  type: ComponentName,
  props: Readonly<Record<string, string>>,
  note = '', // plain text under a chart, e.g. the areas a map could not place
): string {
  const title = props.title === undefined ? '' : `<h3 class="materia-title">${escapeHtml(props.title)}</h3>`
  const label = chartLabels[type]
  if (label !== undefined) {
    const isMap = type === 'AreaMap' || type === 'PointMap'
    const height = Number(props.height ?? (isMap ? mapHeightPxDefault : chartHeightPxDefault))
    const subject = isMap
      ? (props.value ?? props.pointName ?? '')
      : props.y === undefined
        ? (props.x ?? props.valueCol ?? props.name ?? '')
        : `${props.y} by ${props.x}`
    const name = escapeHtml(`${label}: ${props.title ?? subject}`)
    const caption =
      note === '' ? '' : `<figcaption class="materia-note text-sm">${escapeHtml(note)}</figcaption>`
    return `<figure class="materia-card" id="${id}" data-component="${type}">${title}<div class="materia-chart" role="img" aria-label="${name}" style="height:${height}px"></div>${caption}</figure>`
  }
  if (type === 'Sparkline') {
    const height = Number(props.height ?? 40)
    return `<span class="materia-sparkline inline-block align-middle" id="${id}" data-component="Sparkline"><span class="materia-chart block" role="img" aria-label="${escapeHtml(`Sparkline of ${props.valueCol}`)}" style="width:160px;height:${height}px"></span></span>`
  }
  if (type === 'DataTable') {
    return `<section class="materia-card" id="${id}" data-component="DataTable">${title}<div class="materia-table"></div></section>`
  }
  // BigValue: the browser fills in the value so that dropdown filters apply to it too.
  return `<div class="materia-bigvalue stats shadow" id="${id}" data-component="BigValue"><div class="stat"><div class="stat-title">${escapeHtml(props.title ?? props.value ?? '')}</div><div class="stat-value">–</div><div class="stat-desc"></div>${props.sparkline === undefined ? '' : `<div class="materia-chart" role="img" aria-label="${escapeHtml(`Trend of ${props.value}`)}" style="height:48px"></div>`}</div></div>`
}

export function renderDropdown(
  id: string,
  props: Readonly<Record<string, string>>,
  result: QueryResult,
): string {
  const column = result.values[result.columns.indexOf(props.value!)]!
  const values = [...new Set(column.filter((value) => value !== null))]
  const raw = values.map(String)
  const selected =
    props.defaultValue !== undefined && raw.includes(props.defaultValue) ? props.defaultValue : raw[0]
  const optionHtml = values
    .map((value, index) => {
      const attribute = `value="${escapeHtml(raw[index]!)}"${raw[index] === selected ? ' selected' : ''}`
      return `<option ${attribute}>${escapeHtml(formatCell(value, null, props.value))}</option>`
    })
    .join('')
  const title = escapeHtml(props.title ?? props.name!)
  return `<div class="materia-dropdown" id="${id}" data-component="Dropdown"><label class="materia-dropdown-label" for="${id}-select">${title}</label><select class="select select-bordered" id="${id}-select" name="${escapeHtml(props.name!)}">${optionHtml}</select></div>`
}

// ButtonGroup, TextInput, Slider and DateRange: plain form controls the browser script listens to.
// Their starting state is the input's default, so the page reads right before any script runs.
export function renderInput(
  id: string,
  type: ComponentName,
  props: Readonly<Record<string, string>>,
  input: InputDefinition,
): string {
  const title = escapeHtml(props.title ?? input.name)
  const open = `<div class="materia-input" id="${id}" data-component="${type}" data-input="${escapeHtml(input.name)}">`
  if (type === 'ButtonGroup') {
    const buttons = input.options
      .map((option) => {
        const pressed = option.value === input.defaults.value
        return `<button type="button" class="btn btn-sm join-item${pressed ? ' btn-active btn-primary' : ''}" aria-pressed="${pressed}" data-value="${escapeHtml(option.value)}">${escapeHtml(option.label)}</button>`
      })
      .join('')
    return `${open}<span class="materia-dropdown-label mr-2" id="${id}-label">${title}</span><div class="join" role="group" aria-labelledby="${id}-label">${buttons}</div></div>`
  }
  if (type === 'TextInput') {
    const placeholder =
      props.placeholder === undefined ? '' : ` placeholder="${escapeHtml(props.placeholder)}"`
    return `${open}<label class="materia-dropdown-label" for="${id}-field">${title}</label><input class="input input-bordered" type="text" id="${id}-field" value="${escapeHtml(input.defaults.value ?? '')}"${placeholder}></div>`
  }
  if (type === 'Slider') {
    const values = input.domains.value!
    const value = input.defaults.value!
    return `${open}<label class="materia-dropdown-label" for="${id}-field">${title}: <output id="${id}-output">${escapeHtml(value)}</output></label><input class="range range-sm" type="range" id="${id}-field" min="${escapeHtml(values[0]!)}" max="${escapeHtml(values.at(-1)!)}" step="${escapeHtml(props.step ?? '1')}" value="${escapeHtml(value)}"></div>`
  }
  // DateRange: the dates in the data, as a from/to pair of lists.
  const options = (selected: string) =>
    input.options
      .map(
        (option) =>
          `<option value="${escapeHtml(option.value)}"${option.value === selected ? ' selected' : ''}>${escapeHtml(option.label)}</option>`,
      )
      .join('')
  return `${open}<span class="materia-dropdown-label">${title}</span><label class="sr-only" for="${id}-start">${title} from</label><select class="select select-bordered" id="${id}-start">${options(input.defaults.start!)}</select> – <label class="sr-only" for="${id}-end">${title} to</label><select class="select select-bordered" id="${id}-end">${options(input.defaults.end!)}</select></div>`
}

// Alert classes are built from the status; the stylesheet keeps these: alert-info alert-success
// alert-warning alert-error.
export function renderAlert(status: string, innerHtml: string): string {
  return `<div role="alert" class="alert alert-${escapeHtml(status)} my-3"><span>${innerHtml}</span></div>`
}
