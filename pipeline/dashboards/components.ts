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
  | 'Delta'
  | 'Sparkline'
  | 'Histogram'
  | 'BubbleChart'
  | 'Heatmap'
  | 'BoxPlot'
  | 'FunnelChart'
  | 'SankeyDiagram'
  | 'AreaMap'
  | 'PointMap'
  | 'ReferenceLine'
  | 'ReferenceArea'
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
    props: ['data', 'value', 'title', 'fmt', 'comparison', 'comparisonFmt', 'comparisonTitle', 'sparkline'],
    required: ['data', 'value'],
    columns: ['value', 'comparison', 'sparkline'],
    enums: {},
    children: [],
  },
  LineChart: {
    props: chartProps,
    required: ['data', 'x', 'y'],
    columns: chartColumns,
    enums: {},
    children: ['ReferenceLine', 'ReferenceArea'],
  },
  AreaChart: {
    props: [...chartProps, 'type'],
    required: ['data', 'x', 'y'],
    columns: chartColumns,
    enums: { type: ['stacked', 'overlay'] },
    children: ['ReferenceLine', 'ReferenceArea'],
  },
  BarChart: {
    props: [...chartProps, 'type', 'swapXY'],
    required: ['data', 'x', 'y'],
    columns: chartColumns,
    enums: { type: ['stacked', 'grouped'], swapXY: ['true', 'false'] },
    children: ['ReferenceLine', 'ReferenceArea'],
  },
  ScatterPlot: {
    props: [...chartProps, 'tooltipTitle'],
    required: ['data', 'x', 'y'],
    columns: [...chartColumns, 'tooltipTitle'],
    enums: {},
    children: ['ReferenceLine', 'ReferenceArea'],
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
  Delta: {
    props: ['data', 'column', 'row', 'fmt'],
    required: ['data', 'column'],
    columns: ['column'],
    enums: {},
    children: [],
  },
  Sparkline: {
    props: ['data', 'dateCol', 'valueCol', 'height'],
    required: ['data', 'dateCol', 'valueCol'],
    columns: ['dateCol', 'valueCol'],
    enums: {},
    children: [],
  },
  Histogram: {
    props: ['data', 'x', 'bins', 'title', 'xFmt', 'height'],
    required: ['data', 'x'],
    columns: ['x'],
    enums: {},
    children: [],
  },
  BubbleChart: {
    props: [...chartProps, 'size'],
    required: ['data', 'x', 'y', 'size'],
    columns: [...chartColumns, 'size'],
    enums: {},
    children: ['ReferenceLine', 'ReferenceArea'],
  },
  Heatmap: {
    props: ['data', 'x', 'y', 'value', 'title', 'valueFmt', 'height'],
    required: ['data', 'x', 'y', 'value'],
    columns: ['x', 'y', 'value'],
    enums: {},
    children: [],
  },
  BoxPlot: {
    props: [
      'data',
      'name',
      'min',
      'intervalBottom',
      'midpoint',
      'intervalTop',
      'max',
      'title',
      'yFmt',
      'height',
    ],
    required: ['data', 'name', 'intervalBottom', 'midpoint', 'intervalTop'],
    columns: ['name', 'min', 'intervalBottom', 'midpoint', 'intervalTop', 'max'],
    enums: {},
    children: [],
  },
  FunnelChart: {
    props: ['data', 'nameCol', 'valueCol', 'title', 'valueFmt', 'height'],
    required: ['data', 'nameCol', 'valueCol'],
    columns: ['nameCol', 'valueCol'],
    enums: {},
    children: [],
  },
  SankeyDiagram: {
    props: ['data', 'sourceCol', 'targetCol', 'valueCol', 'title', 'valueFmt', 'height'],
    required: ['data', 'sourceCol', 'targetCol', 'valueCol'],
    columns: ['sourceCol', 'targetCol', 'valueCol'],
    enums: {},
    children: [],
  },
  // Evidence's maps, on the bundled world map (world-map.ts): no geoJsonUrl, no basemap tiles.
  AreaMap: {
    props: ['data', 'areaCol', 'value', 'valueFmt', 'title', 'height'],
    required: ['data', 'areaCol', 'value'],
    columns: ['areaCol', 'value'],
    enums: {},
    children: [],
  },
  PointMap: {
    props: ['data', 'lat', 'long', 'value', 'pointName', 'valueFmt', 'title', 'height'],
    required: ['data', 'lat', 'long'],
    columns: ['lat', 'long', 'value', 'pointName'],
    enums: {},
    children: [],
  },
  ReferenceLine: { props: ['x', 'y', 'label'], required: [], columns: [], enums: {}, children: [] },
  ReferenceArea: {
    props: ['xMin', 'xMax', 'yMin', 'yMax', 'label'],
    required: [],
    columns: [],
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

const childOnly: readonly string[] = ['Column', 'ButtonGroupItem', 'ReferenceLine', 'ReferenceArea']

export function isChildOnly(name: string): boolean {
  return childOnly.includes(name)
}

export const topLevelComponents: readonly ComponentName[] = (
  Object.keys(componentSpecs) as ComponentName[]
).filter((name) => !childOnly.includes(name))
