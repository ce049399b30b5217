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
      series: series.map((entry, index) => ({
        name: entry.name,
        data: entry.data,
        type: type === 'LineChart' || type === 'AreaChart' ? 'line' : type === 'BarChart' ? 'bar' : 'scatter',
        stack: stacked ? 'total' : undefined,
        areaStyle: type === 'AreaChart' ? { opacity: 0.35 } : undefined,
        showSymbol: type === 'ScatterPlot' || categories.length < 30,
        symbolSize: type === 'ScatterPlot' ? 8 : 4,
        ...(index === 0 ? annotations(component) : {}),
      })),
    }
  }

  // <ReferenceLine x= y= label=/> and <ReferenceArea xMin= xMax= yMin= yMax= label=/> children.
  function annotations(component) {
    const lines = []
    const areas = []
    for (const child of component.columns) {
      const label = { formatter: child.label || '', position: 'insideEndTop' }
      if (child.component === 'ReferenceLine') {
        if (child.y !== undefined) lines.push({ yAxis: Number(child.y), label })
        if (child.x !== undefined) lines.push({ xAxis: child.x, label })
      } else if (child.component === 'ReferenceArea') {
        const start = {}
        const end = {}
        if (child.xMin !== undefined) start.xAxis = child.xMin
        if (child.xMax !== undefined) end.xAxis = child.xMax
        if (child.yMin !== undefined) start.yAxis = Number(child.yMin)
        if (child.yMax !== undefined) end.yAxis = Number(child.yMax)
        areas.push([{ ...start, name: child.label || '' }, end])
      }
    }
    if (lines.length === 0 && areas.length === 0) return {}
    return {
      markLine:
        lines.length === 0
          ? undefined
          : { symbol: 'none', data: lines, lineStyle: { type: 'dashed', color: '#a23b3b' } },
      markArea:
        areas.length === 0 ? undefined : { data: areas, itemStyle: { color: 'rgba(192,138,75,0.15)' } },
    }
  }

  // Charts that are not x/y series: each builds its own option from the current rows.
  function otherOption(component, view) {
    const { type, props } = component
    const base = { animation: false, color: palette, tooltip: { trigger: 'item' } }
    const column = (name) => columnOf(view, name)
    if (type === 'Histogram') {
      const values = column(props.x).filter((value) => typeof value === 'number')
      const bins = Number(props.bins || 10)
      const min = Math.min(...values)
      const width = (Math.max(...values) - min) / bins || 1
      const counts = Array.from({ length: bins }, () => 0)
      for (const value of values) counts[Math.min(bins - 1, Math.floor((value - min) / width))]++
      const labels = counts.map((_, index) => format(min + index * width, props.xFmt, props.x))
      return {
        ...base,
        grid: { left: 16, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: labels },
        yAxis: { type: 'value', name: 'count' },
        series: [{ type: 'bar', data: counts, barCategoryGap: '2%' }],
      }
    }
    if (type === 'BubbleChart') {
      const sizes = column(props.size)
      const largest = Math.max(...sizes.filter((value) => typeof value === 'number'), 1)
      return {
        ...base,
        grid: { left: 16, right: 48, top: 16, bottom: 8, containLabel: true },
        xAxis: {
          type: 'value',
          scale: true,
          name: props.xAxisTitle,
          axisLabel: { formatter: (value) => format(value, props.xFmt, props.x) },
        },
        yAxis: {
          type: 'value',
          scale: true,
          name: props.yAxisTitle,
          axisLabel: { formatter: (value) => format(value, props.yFmt, props.y) },
        },
        series: [
          {
            type: 'scatter',
            data: column(props.x).map((x, index) => [
              x,
              column(props.y)[index],
              sizes[index],
              props.series ? column(props.series)[index] : '',
            ]),
            symbolSize: (point) => 6 + 34 * Math.sqrt(Math.max(0, point[2]) / largest),
            ...annotations(component),
          },
        ],
      }
    }
    if (type === 'Heatmap') {
      const xs = [...new Set(column(props.x).map(String))]
      const ys = [...new Set(column(props.y).map(String))]
      const values = column(props.value)
      const numbers = values.filter((value) => typeof value === 'number')
      return {
        ...base,
        grid: { left: 16, right: 16, top: 16, bottom: 56, containLabel: true },
        xAxis: { type: 'category', data: xs },
        yAxis: { type: 'category', data: ys },
        visualMap: {
          min: Math.min(...numbers),
          max: Math.max(...numbers),
          orient: 'horizontal',
          left: 'center',
          bottom: 0,
          calculable: false,
          inRange: { color: ['#f6efe6', '#c08a4b', '#6b3f24'] },
          formatter: (value) => format(value, props.valueFmt, props.value),
        },
        series: [
          {
            type: 'heatmap',
            data: column(props.x).map((x, index) => [
              xs.indexOf(String(x)),
              ys.indexOf(String(column(props.y)[index])),
              values[index],
            ]),
          },
        ],
      }
    }
    if (type === 'BoxPlot') {
      const names = column(props.name).map(String)
      const pick = (name, fallback) => (props[name] === undefined ? column(fallback) : column(props[name]))
      const lows = pick('min', props.intervalBottom)
      const highs = pick('max', props.intervalTop)
      return {
        ...base,
        grid: { left: 16, right: 24, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: 'category', data: names },
        yAxis: {
          type: 'value',
          scale: true,
          axisLabel: { formatter: (value) => format(value, props.yFmt, props.midpoint) },
        },
        series: [
          {
            type: 'boxplot',
            data: names.map((_, index) => [
              lows[index],
              column(props.intervalBottom)[index],
              column(props.midpoint)[index],
              column(props.intervalTop)[index],
              highs[index],
            ]),
          },
        ],
      }
    }
    if (type === 'FunnelChart') {
      return {
        ...base,
        tooltip: {
          trigger: 'item',
          valueFormatter: (value) => format(value, props.valueFmt, props.valueCol),
        },
        series: [
          {
            type: 'funnel',
            left: '10%',
            width: '80%',
            label: { formatter: '{b}' },
            data: column(props.nameCol).map((name, index) => ({
              name: String(name),
              value: column(props.valueCol)[index],
            })),
          },
        ],
      }
    }
    if (type === 'SankeyDiagram') {
      const sources = column(props.sourceCol).map(String)
      const targets = column(props.targetCol).map(String)
      const values = column(props.valueCol)
      return {
        ...base,
        tooltip: {
          trigger: 'item',
          valueFormatter: (value) => format(value, props.valueFmt, props.valueCol),
        },
        series: [
          {
            type: 'sankey',
            left: 8,
            right: 120,
            data: [...new Set([...sources, ...targets])].map((name) => ({ name })),
            links: sources.map((source, index) => ({ source, target: targets[index], value: values[index] })),
            lineStyle: { color: 'gradient', opacity: 0.4 },
          },
        ],
      }
    }
    // Sparkline, and a BigValue's trend: a bare line over every row, in the order of the x column
    // (a BigValue's data often runs newest first, so that its first row is the value shown).
    const x = type === 'Sparkline' ? props.dateCol : props.sparkline
    const y = type === 'Sparkline' ? props.valueCol : props.value
    const xs = column(x)
    const ys = column(y)
    const order = xs.map((_, index) => index).sort((left, right) => compare(xs[left], xs[right]))
    return {
      animation: false,
      color: palette,
      grid: { left: 2, right: 2, top: 4, bottom: 4 },
      xAxis: { type: 'category', show: false, data: order.map((index) => String(xs[index])) },
      yAxis: { type: 'value', show: false, scale: true },
      series: [
        {
          type: 'line',
          data: order.map((index) => ys[index]),
          // One row makes no line: show its point so that the trend is never an empty box.
          showSymbol: order.length === 1,
          symbol: 'circle',
          symbolSize: 6,
          lineStyle: { width: 1.5 },
        },
      ],
    }
  }

  function compare(left, right) {
    if (left === right) return 0
    if (left === null) return 1
    if (right === null) return -1
    return left < right ? -1 : 1
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
    const xy = ['LineChart', 'AreaChart', 'BarChart', 'ScatterPlot']
    const option =
      view.rows.length === 0
        ? emptyOption()
        : xy.includes(component.type)
          ? chartOption(component, view)
          : otherOption(component, view)
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
