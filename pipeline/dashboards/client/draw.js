// Charts (ECharts, SVG renderer) and data tables for dashboards.js. Each draw function reads the
// component's current rows (after dropdown filters) and redraws in place.
;(() => {
  const { format, rowsOf, columnOf, listOf, palette, charts, assert } = window.materiaDashboards
  const tableState = new Map() // component id -> { sortColumn, descending, page, search }

  // One ECharts series per y column, or per value of the `series` column when there is one.
  function seriesOf(view, props, type) {
    const xs = columnOf(view, props.x)
    const ys = listOf(props.y)
    const categories = [...new Set(xs.map(String))]
    const groups = []
    if (props.series !== undefined) {
      const names = columnOf(view, props.series)
      const values = columnOf(view, ys[0])
      for (const name of [...new Set(names.map(String))]) {
        const byX = new Map()
        for (let index = 0; index < names.length; index++) {
          if (String(names[index]) === name) byX.set(String(xs[index]), values[index])
        }
        groups.push({ name, byX })
      }
    } else {
      for (const column of ys) {
        const values = columnOf(view, column)
        groups.push({ name: label(column), byX: new Map(xs.map((x, index) => [String(x), values[index]])) })
      }
    }
    return groups.map((group) => {
      const data =
        type === 'ScatterPlot'
          ? scatterData(view, props, group)
          : categories.map((x) => group.byX.get(x) ?? null)
      return { name: group.name, data }
    })
  }
  function scatterData(view, props, group) {
    const xs = columnOf(view, props.x)
    const ys = columnOf(view, listOf(props.y)[0])
    const names = props.series === undefined ? null : columnOf(view, props.series).map(String)
    return xs
      .map((x, index) => [x, ys[index]])
      .filter((_, index) => names === null || names[index] === group.name)
  }

  function label(column) {
    return column.replaceAll('_', ' ').replace(/^./, (first) => first.toUpperCase())
  }

  function chartOption(component, view) {
    const { type, props } = component
    const series = seriesOf(view, props, type)
    const categories = [...new Set(columnOf(view, props.x).map(String))]
    const horizontal = type === 'BarChart' && props.swapXY === 'true'
    const stacked =
      (type === 'BarChart' && props.type === 'stacked') || (type === 'AreaChart' && props.type !== 'overlay')
    const valueAxis = {
      type: 'value',
      scale: type === 'ScatterPlot',
      name: props.yAxisTitle,
      axisLabel: { formatter: (value) => format(value, props.yFmt, listOf(props.y)[0]) },
    }
    const categoryAxis =
      type === 'ScatterPlot'
        ? {
            type: 'value',
            scale: true,
            name: props.xAxisTitle,
            axisLabel: { formatter: (value) => format(value, props.xFmt, props.x) },
          }
        : {
            type: 'category',
            data: categories,
            name: props.xAxisTitle,
            axisLabel: { formatter: (value) => value },
          }
    return {
      animation: false,
      color: palette,
      grid: { left: 16, right: 48, top: series.length > 1 ? 40 : 16, bottom: 8, containLabel: true },
      legend: series.length > 1 ? { top: 0, type: 'scroll' } : undefined,
      tooltip: {
        trigger: type === 'ScatterPlot' ? 'item' : 'axis',
        valueFormatter: (value) => format(value, props.yFmt, listOf(props.y)[0]),
      },
      xAxis: horizontal ? valueAxis : categoryAxis,
      yAxis: horizontal ? { ...categoryAxis, inverse: true } : valueAxis,
      series: series.map((entry) => ({
        name: entry.name,
        data: entry.data,
        type: type === 'LineChart' || type === 'AreaChart' ? 'line' : type === 'BarChart' ? 'bar' : 'scatter',
        stack: stacked ? 'total' : undefined,
        areaStyle: type === 'AreaChart' ? { opacity: 0.35 } : undefined,
        showSymbol: type === 'ScatterPlot' || categories.length < 30,
        symbolSize: type === 'ScatterPlot' ? 8 : 4,
      })),
    }
  }

  function emptyOption() {
    const textStyle = { color: '#5b4a3d', fontSize: 14, fontWeight: 'normal' }
    return { animation: false, title: { text: 'No rows to chart', left: 'center', top: 'middle', textStyle } }
  }

  function chart(element, component) {
    const target = element.querySelector('.materia-chart')
    let instance = window.echarts.getInstanceByDom(target)
    if (instance === undefined) {
      instance = window.echarts.init(target, null, { renderer: 'svg' })
      charts.push(instance)
    }
    const view = rowsOf(component.data)
    const option = view.rows.length === 0 ? emptyOption() : chartOption(component, view)
    instance.setOption(option, { notMerge: true })
  }

  function tableColumns(component, view) {
    if (component.columns.length > 0) return component.columns
    return view.columns.map((id) => ({ id }))
  }
  function sortedRows(view, state) {
    let rows = view.rows
    if (state.search !== '') {
      const needle = state.search.toLowerCase()
      rows = rows.filter((row) =>
        view.values.some((values) => String(values[row]).toLowerCase().includes(needle)),
      )
    }
    if (state.sortColumn === null) return rows
    const values = view.values[view.columns.indexOf(state.sortColumn)]
    const direction = state.descending ? -1 : 1
    return [...rows].sort((left, right) => {
      const a = values[left]
      const b = values[right]
      if (a === b) return left - right
      if (a === null) return 1
      if (b === null) return -1
      return (a < b ? -1 : 1) * direction
    })
  }

  function table(element, component) {
    const view = rowsOf(component.data)
    const pageSize = Number(component.props.rows || 10)
    const state = tableState.get(component.id) || { sortColumn: null, descending: false, page: 0, search: '' }
    tableState.set(component.id, state)
    const columns = tableColumns(component, view)
    const rows = sortedRows(view, state)
    const pageCount = Math.max(1, Math.ceil(rows.length / pageSize))
    state.page = Math.min(state.page, pageCount - 1)
    const { searchBox, tableElement, pager } = window.materiaTable
    const container = element.querySelector('.materia-table')
    container.replaceChildren(
      ...(component.props.search === 'true' ? [searchBox(element, component, state)] : []),
      tableElement(element, component, { view, columns, rows, state, pageSize }),
      pager(element, component, state, pageCount, rows.length),
    )
  }

  window.materiaDraw = { chart, table, tableState, assert }
})()
