// Draws a dashboard page from the data embedded at build time: charts with ECharts, sortable and
// paged tables, big values, and dropdowns that filter the other components client-side. No
// framework, no network: everything it needs is in the page and the bundled ECharts.
;(() => {
  const palette = ['#6b3f24', '#3fa36b', '#c08a4b', '#2f6f8f', '#a23b3b', '#7a6a9a', '#8f8f2f', '#444444']
  const payloadElement = document.getElementById('materia-data')
  if (payloadElement === null) return
  const payload = JSON.parse(payloadElement.textContent)
  const filters = new Map() // column -> selected value (as text), set by dropdowns
  const charts = []

  function assert(condition, message) {
    if (!condition) throw new Error(`assertion failed: ${message}`)
  }

  // Number formats: the same rules as pipeline/dashboards/format.ts.
  function grouped(value, digits) {
    return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  }
  function format(value, name, column) {
    if (value === null || value === undefined) return '–'
    if (typeof value !== 'number') return String(value)
    if (!Number.isFinite(value)) return '–'
    if (name === 'num0' || name === 'num1' || name === 'num2') return grouped(value, Number(name[3]))
    if (name === 'pct' || name === 'pct1') return `${grouped(value * 100, 1)}%`
    if (name === 'pct0' || name === 'pct2') return `${grouped(value * 100, Number(name[3]))}%`
    if (name === 'bags') {
      if (value === 0) return '0 bags'
      return Math.abs(value) >= 1000 ? `${grouped(value / 1000, 1)}M bags` : `${grouped(value, 0)}k bags`
    }
    if (name === 'year') return String(value)
    if (/year$/i.test(column || '') && Number.isInteger(value)) return String(value)
    return grouped(value, Number.isInteger(value) ? 0 : Math.abs(value) < 10 ? 2 : 1)
  }

  // The query's rows that pass every dropdown filter whose column the query has.
  function rowsOf(queryName, ownDropdown) {
    const query = payload.queries[queryName]
    assert(query !== undefined, `query ${queryName} embedded`)
    const active = [...filters].filter(
      ([column, dropdown]) => dropdown.id !== ownDropdown && query.columns.includes(column),
    )
    const count = query.values.length === 0 ? 0 : query.values[0].length
    const rows = []
    for (let row = 0; row < count; row++) {
      const keep = active.every(([column, dropdown]) => {
        return String(query.values[query.columns.indexOf(column)][row]) === dropdown.value
      })
      if (keep) rows.push(row)
    }
    return { columns: query.columns, values: query.values, rows }
  }
  function columnOf(view, name) {
    const values = view.values[view.columns.indexOf(name)]
    return view.rows.map((row) => values[row])
  }
  function listOf(text) {
    return (text || '').split(',').filter((part) => part !== '')
  }

  function drawBigValue(element, component) {
    const view = rowsOf(component.data)
    const props = component.props
    const value = view.rows.length > 0 ? columnOf(view, props.value)[0] : null
    element.querySelector('.stat-value').textContent = format(value, props.fmt, props.value)
    if (props.comparison !== undefined) {
      const comparison = view.rows.length > 0 ? columnOf(view, props.comparison)[0] : null
      // Changes (columns named *_yoy, *_change, *_delta) carry a sign; levels and shares do not.
      const isChange = /(yoy|change|delta)$/.test(props.comparison)
      const sign = isChange && typeof comparison === 'number' && comparison > 0 ? '+' : ''
      const text = `${sign}${format(comparison, props.comparisonFmt, props.comparison)}`
      element.querySelector('.stat-desc').textContent = `${text} ${props.comparisonTitle || props.comparison}`
    }
  }

  window.materiaDashboards = { payload, filters, charts, format, rowsOf, columnOf, listOf, palette, assert }
  window.addEventListener('DOMContentLoaded', () => {
    const draw = window.materiaDraw
    assert(typeof draw === 'object', 'chart and table script loaded')
    const redraw = () => {
      for (const component of payload.components) {
        const element = document.getElementById(component.id)
        if (component.type === 'BigValue') drawBigValue(element, component)
        else if (component.type === 'DataTable') draw.table(element, component)
        else if (component.type !== 'Dropdown') draw.chart(element, component)
      }
    }
    for (const component of payload.components.filter((candidate) => candidate.type === 'Dropdown')) {
      const select = document.getElementById(`${component.id}-select`)
      const dropdown = { id: component.id, value: select.value }
      filters.set(component.props.value, dropdown)
      select.addEventListener('change', () => {
        dropdown.value = select.value
        redraw()
      })
    }
    redraw()
    window.addEventListener('resize', () => {
      for (const chart of charts) chart.resize()
    })
  })
})()
