// The DOM parts of a data table: the search box, the table with sortable headers, and the pager.
// Loaded after draw.js; the functions are shared through window.materiaTable.
;(() => {
  const { format } = window.materiaDashboards

  function node(tag, attributes, children) {
    const element = document.createElement(tag)
    for (const [name, value] of Object.entries(attributes || {})) {
      if (name === 'text') element.textContent = value
      else if (name === 'onclick') element.addEventListener('click', value)
      else if (name === 'oninput') element.addEventListener('input', value)
      else element.setAttribute(name, value)
    }
    for (const child of children || []) element.append(child)
    return element
  }

  function title(column) {
    return column.title || column.id.replaceAll('_', ' ').replace(/^./, (first) => first.toUpperCase())
  }

  function searchBox(element, component, state) {
    const input = node('input', {
      type: 'search',
      class: 'input input-bordered input-sm mb-2',
      placeholder: 'Search',
      'aria-label': 'Search the table',
      value: state.search,
      oninput: () => {
        state.search = input.value
        state.page = 0
        window.materiaDraw.table(element, component)
        element.querySelector('input[type=search]').focus()
      },
    })
    return input
  }

  function header(element, component, state, column, numeric) {
    const sorted = state.sortColumn === column.id
    const ariaSort = sorted ? (state.descending ? 'descending' : 'ascending') : 'none'
    const arrow = sorted ? (state.descending ? ' ▼' : ' ▲') : ''
    const button = node('button', {
      type: 'button',
      class: 'materia-sort',
      text: `${title(column)}${arrow}`,
      onclick: () => {
        state.descending = sorted ? !state.descending : false
        state.sortColumn = column.id
        window.materiaDraw.table(element, component)
      },
    })
    return node('th', { scope: 'col', 'aria-sort': ariaSort, class: numeric ? 'materia-numeric' : '' }, [
      button,
    ])
  }

  function tableElement(element, component, parts) {
    const { view, columns, rows, state, pageSize } = parts
    const numeric = (column) =>
      view.values[view.columns.indexOf(column.id)].some((value) => typeof value === 'number')
    const headers = columns.map((column) => header(element, component, state, column, numeric(column)))
    const head = node('thead', {}, [node('tr', {}, headers)])
    const start = state.page * pageSize
    const body = node(
      'tbody',
      {},
      rows.slice(start, start + pageSize).map((row) =>
        node(
          'tr',
          {},
          columns.map((column) => {
            const value = view.values[view.columns.indexOf(column.id)][row]
            const numeric = typeof value === 'number'
            return node('td', {
              class: numeric ? 'text-right tabular-nums' : '',
              text: format(value, column.fmt, column.id),
            })
          }),
        ),
      ),
    )
    if (rows.length === 0) {
      body.append(node('tr', {}, [node('td', { colspan: String(columns.length), text: 'No rows' })]))
    }
    const wrapper = node('div', { class: 'overflow-x-auto' }, [
      node('table', { class: 'table table-zebra table-sm' }, [head, body]),
    ])
    return wrapper
  }

  function pager(element, component, state, pageCount, rowCount) {
    const go = (page) => () => {
      state.page = page
      window.materiaDraw.table(element, component)
    }
    const previous = node('button', {
      type: 'button',
      class: 'btn btn-sm btn-outline btn-primary',
      text: 'Previous',
      onclick: go(state.page - 1),
    })
    const next = node('button', {
      type: 'button',
      class: 'btn btn-sm btn-outline btn-primary',
      text: 'Next',
      onclick: go(state.page + 1),
    })
    if (state.page === 0) previous.setAttribute('disabled', '')
    if (state.page >= pageCount - 1) next.setAttribute('disabled', '')
    const status = node('span', {
      class: 'materia-page-status',
      text: `Page ${state.page + 1} of ${pageCount} · ${rowCount} rows`,
    })
    return node('div', { class: 'flex items-center gap-2 mt-2 text-sm' }, [previous, status, next])
  }

  window.materiaTable = { searchBox, tableElement, pager }
})()
