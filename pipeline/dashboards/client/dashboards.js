// Draws a dashboard page from the data embedded at build time: charts with ECharts, sortable and
// paged tables, big values, and dropdowns that filter the other components client-side. No
// framework, no network: everything it needs is in the page and the bundled ECharts.
;(() => {
  const palette = ['#6b3f24', '#3fa36b', '#c08a4b', '#2f6f8f', '#a23b3b', '#7a6a9a', '#8f8f2f', '#444444']
  const payloadElement = document.getElementById('materia-data')
  if (payloadElement === null) return
  const payload = JSON.parse(payloadElement.textContent)
  const filters = new Map() // column -> selected value (as text), set by dropdowns
  const inputs = new Map() // input name -> { value } or { start, end }, all as text
  for (const input of payload.inputs || []) inputs.set(input.name, { ...input.defaults })
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
  // A query that reads inputs was run at build time for every combination of their values; the
  // key is the same JSON of values, in the query's input order, as pipeline/dashboards/inputs.ts makes.
  function queryOf(queryName) {
    const embedded = payload.queries[queryName]
    assert(embedded !== undefined, `query ${queryName} embedded`)
    if (embedded.variants === undefined) return embedded
    const key = JSON.stringify(
      embedded.inputs.map((inputKey) => {
        const [name, field] = inputKey.split('.')
        return inputs.get(name)[field]
      }),
    )
    const values = embedded.variants[key]
    assert(values !== undefined, `query ${queryName} has a result for ${key}`)
    return { columns: embedded.columns, values: filtered(embedded, values) }
  }

  // A TextInput's WHERE conditions, applied here to the rows the build ran without them, with the
  // same meaning as in SQL (and as pipeline/dashboards/text-filter.ts): LIKE's % is any run of
  // characters and _ any one, ILIKE ignores case, NULL never matches.
  function likeExpression(pattern, ignoreCase) {
    const source = [...pattern]
      .map((character) =>
        character === '%'
          ? '.*'
          : character === '_'
            ? '.'
            : character.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&'),
      )
      .join('')
    return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's')
  }
  function matches(cell, filter) {
    if (cell === null || cell === undefined) return false
    const pattern = filter.template.replace(
      /\$\{\s*inputs\.([A-Za-z_]\w*)\.(value|start|end)\s*\}/g,
      (_whole, name) => inputs.get(name)?.value ?? '',
    )
    const text = String(cell)
    if (filter.operator === '=') return text === pattern
    if (filter.operator === '<>') return text !== pattern
    const found = likeExpression(pattern, filter.operator.endsWith('ilike')).test(text)
    return filter.operator.startsWith('not ') ? !found : found
  }
  function filtered(embedded, values) {
    const filters = embedded.filters || []
    if (filters.length === 0) return values
    const count = values.length === 0 ? 0 : values[0].length
    const columns = filters.map((filter) => values[embedded.columns.indexOf(filter.column)])
    const kept = []
    for (let row = 0; row < count; row++) {
      if (filters.every((filter, at) => matches(columns[at][row], filter))) kept.push(row)
    }
    return values.map((column) => kept.map((row) => column[row]))
  }
  function rowsOf(queryName, ownDropdown) {
    const query = queryOf(queryName)
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

  function drawTexts() {
    for (const text of payload.texts || []) {
      let value
      if (text.input !== undefined) {
        const [name, field] = text.input.split('.')
        value = inputs.get(name)[field]
      } else {
        const view = queryOf(text.query)
        const values = view.values[view.columns.indexOf(text.column)]
        value = values === undefined ? null : values[text.row]
      }
      document.getElementById(text.id).textContent = format(value ?? null, text.format, text.column)
    }
  }

  // Input controls: each change sets the input's value and redraws everything.
  function listen(component, redraw) {
    const element = document.getElementById(component.id)
    const state = inputs.get(component.props.name)
    if (state === undefined) return
    const set = (field, value) => {
      state[field] = value
      redraw()
    }
    if (component.type === 'ButtonGroup') {
      for (const button of element.querySelectorAll('button[data-value]')) {
        button.addEventListener('click', () => {
          for (const other of element.querySelectorAll('button[data-value]')) {
            other.setAttribute('aria-pressed', String(other === button))
            other.classList.toggle('btn-active', other === button)
            other.classList.toggle('btn-primary', other === button)
          }
          set('value', button.dataset.value)
        })
      }
    } else if (component.type === 'TextInput') {
      const field = document.getElementById(`${component.id}-field`)
      field.addEventListener('input', () => set('value', field.value))
    } else if (component.type === 'Slider') {
      const field = document.getElementById(`${component.id}-field`)
      field.addEventListener('input', () => {
        document.getElementById(`${component.id}-output`).textContent = field.value
        set('value', String(Number(field.value)))
      })
    } else if (component.type === 'DateRange') {
      const start = document.getElementById(`${component.id}-start`)
      const end = document.getElementById(`${component.id}-end`)
      const change = () => {
        // The range never runs backwards: moving one end past the other moves both.
        if (start.selectedIndex > end.selectedIndex) end.selectedIndex = start.selectedIndex
        state.start = start.value
        set('end', end.value)
      }
      start.addEventListener('change', change)
      end.addEventListener('change', change)
    }
  }

  window.materiaDashboards = {
    payload,
    filters,
    inputs,
    charts,
    format,
    rowsOf,
    columnOf,
    listOf,
    palette,
    assert,
  }
  window.addEventListener('DOMContentLoaded', () => {
    const draw = window.materiaDraw
    assert(typeof draw === 'object', 'chart and table script loaded')
    const controls = ['Dropdown', 'ButtonGroup', 'TextInput', 'Slider', 'DateRange']
    const redraw = () => {
      for (const component of payload.components) {
        const element = document.getElementById(component.id)
        if (component.type === 'BigValue') {
          drawBigValue(element, component)
          if (component.props.sparkline !== undefined) draw.chart(element, component)
        } else if (component.type === 'DataTable') draw.table(element, component)
        else if (!controls.includes(component.type)) draw.chart(element, component)
      }
      drawTexts()
    }
    for (const component of payload.components) listen(component, redraw)
    for (const component of payload.components.filter((candidate) => candidate.type === 'Dropdown')) {
      const select = document.getElementById(`${component.id}-select`)
      const dropdown = { id: component.id, value: select.value }
      filters.set(component.props.value, dropdown)
      select.addEventListener('change', () => {
        dropdown.value = select.value
        const state = inputs.get(component.props.name)
        if (state !== undefined) state.value = select.value
        redraw()
      })
    }
    redraw()
    const resize = () => {
      for (const chart of charts) chart.resize()
    }
    window.addEventListener('resize', resize)
    // A chart drawn in a closed <Details> or a hidden tab has no size until it is shown.
    document.addEventListener('toggle', resize, true)
    for (const tab of document.querySelectorAll('.materia-tabs input[role="tab"]'))
      tab.addEventListener('change', resize)
  })
})()
