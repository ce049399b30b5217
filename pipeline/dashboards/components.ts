// The components a page may use, with Evidence's names and props. One table drives validation
// (unknown component, unknown or missing prop, column checks) and tells the renderer what to embed.

export type ComponentName =
  | 'BigValue'
  | 'LineChart'
  | 'BarChart'
  | 'AreaChart'
  | 'ScatterPlot'
  | 'DataTable'
  | 'Column'
  | 'Dropdown'
  | 'ButtonGroup'
  | 'ButtonGroupItem'
  | 'TextInput'
  | 'Slider'
  | 'DateRange'
  | 'Value'
  | 'Alert'

export interface ComponentSpec {
  readonly props: readonly string[] // every prop it accepts
  readonly required: readonly string[]
  readonly columns: readonly string[] // props naming columns of `data` (comma lists allowed)
  readonly enums: Readonly<Record<string, readonly string[]>>
  readonly children: readonly ComponentName[]
}

const chartProps = ['data', 'x', 'y', 'series', 'title', 'xAxisTitle', 'yAxisTitle', 'yFmt', 'xFmt', 'height']
const chartColumns = ['x', 'y', 'series']

export const componentSpecs: Readonly<Record<ComponentName, ComponentSpec>> = {
  BigValue: {
    props: ['data', 'value', 'title', 'fmt', 'comparison', 'comparisonFmt', 'comparisonTitle'],
    required: ['data', 'value'],
    columns: ['value', 'comparison'],
    enums: {},
    children: [],
  },
  LineChart: {
    props: chartProps,
    required: ['data', 'x', 'y'],
    columns: chartColumns,
    enums: {},
    children: [],
  },
  AreaChart: {
    props: [...chartProps, 'type'],
    required: ['data', 'x', 'y'],
    columns: chartColumns,
    enums: { type: ['stacked', 'overlay'] },
    children: [],
  },
  BarChart: {
    props: [...chartProps, 'type', 'swapXY'],
    required: ['data', 'x', 'y'],
    columns: chartColumns,
    enums: { type: ['stacked', 'grouped'], swapXY: ['true', 'false'] },
    children: [],
  },
  ScatterPlot: {
    props: [...chartProps, 'tooltipTitle'],
    required: ['data', 'x', 'y'],
    columns: [...chartColumns, 'tooltipTitle'],
    enums: {},
    children: [],
  },
  DataTable: {
    props: ['data', 'rows', 'search', 'title'],
    required: ['data'],
    columns: [],
    enums: { search: ['true', 'false'] },
    children: ['Column'],
  },
  Column: { props: ['id', 'title', 'fmt'], required: ['id'], columns: ['id'], enums: {}, children: [] },
  Dropdown: {
    props: ['name', 'data', 'value', 'title', 'defaultValue'],
    required: ['name', 'data', 'value'],
    columns: ['value'],
    enums: {},
    children: [],
  },
  ButtonGroup: {
    props: ['name', 'data', 'value', 'title', 'defaultValue'],
    required: ['name'],
    columns: ['value'],
    enums: {},
    children: ['ButtonGroupItem'],
  },
  ButtonGroupItem: {
    props: ['value', 'valueLabel'],
    required: ['value'],
    columns: [],
    enums: {},
    children: [],
  },
  TextInput: {
    props: ['name', 'title', 'placeholder', 'defaultValue'],
    required: ['name'],
    columns: [],
    enums: {},
    children: [],
  },
  Slider: {
    props: ['name', 'title', 'min', 'max', 'step', 'defaultValue', 'fmt'],
    required: ['name', 'min', 'max'],
    columns: [],
    enums: {},
    children: [],
  },
  DateRange: {
    props: ['name', 'data', 'dates', 'title'],
    required: ['name', 'data', 'dates'],
    columns: ['dates'],
    enums: {},
    children: [],
  },
  Value: {
    props: ['data', 'column', 'row', 'fmt'],
    required: ['data', 'column'],
    columns: ['column'],
    enums: {},
    children: [],
  },
  Alert: {
    props: ['status'],
    required: [],
    columns: [],
    enums: { status: ['info', 'success', 'warning', 'error'] },
    children: [],
  },
}

export function isComponentName(name: string): name is ComponentName {
  return Object.hasOwn(componentSpecs, name)
}

export const topLevelComponents: readonly ComponentName[] = (
  Object.keys(componentSpecs) as ComponentName[]
).filter((name) => name !== 'Column' && name !== 'ButtonGroupItem')
