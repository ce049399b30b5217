// The result grid: continuous virtual scrolling over the whole cached result (only the visible rows
// exist in the DOM; rows arrive in blocks from /api/query/:id/rows), numbers right-aligned with
// thousands separators and a few significant decimals (full precision on hover and copy), NULL
// shown distinctly, column resize, sort, multi-condition filters, cell/row selection copied as TSV,
// and a per-column summary in the header (nulls, distinct, min, max, a mini histogram).
import type { QuickChartData } from './charts.ts'
import { getJson } from './http.ts'
import { displayText, numericType, rawText } from './value-format.ts'

interface Column {
  name: string
  type: string
}

interface Summary {
  name: string
  nulls: number
  distinct: number
  min: string | null
  max: string | null
  histogram: number[] | null
  approximate: boolean // distinct is an estimate (the result is past the server's querySummaryExactRowsMax)
}

interface Filter {
  column: string
  operator: string
  value: string
}

type Row = readonly unknown[]

const rowHeightPx = 26
const headerHeightPx = 64
const blockRows = 200
// Blocks of rows kept in memory (12,800 rows): enough for scrolling back and forth over a region
// without asking again, small enough that an hour of scrolling a huge result stays bounded.
const blocksCachedMax = 64
// Chrome stops growing an element near 33.5 M px: past this the scroll position maps to rows by ratio.
const spacerHeightMaxPx = 15_000_000
// Rows one copy may fetch; a larger selection is cut here and the status line says so.
const copyRowsMax = 50_000
function tsvField(value: unknown): string {
  return rawText(value).replace(/[\t\n\r]/g, ' ')
}

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className: string,
  text = '',
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag)
  node.className = className
  if (text !== '') node.textContent = text
  return node
}

function histogramSvg(counts: readonly number[]): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg')
  svg.setAttribute('viewBox', `0 0 ${counts.length} 10`)
  svg.setAttribute('preserveAspectRatio', 'none')
  svg.setAttribute('class', 'grid-histogram')
  svg.setAttribute('aria-hidden', 'true')
  const top = Math.max(1, ...counts)
  for (const [index, count] of counts.entries()) {
    const bar = document.createElementNS('http://www.w3.org/2000/svg', 'rect')
    const height = count === 0 ? 0 : Math.max(0.6, (count / top) * 10)
    bar.setAttribute('x', String(index + 0.1))
    bar.setAttribute('width', '0.8')
    bar.setAttribute('y', String(10 - height))
    bar.setAttribute('height', String(height))
    svg.append(bar)
  }
  return svg
}

// A column's summary line: its range, nulls and distinct values.
function factsText(summary: Summary, column: Column): string {
  const range =
    summary.min === null
      ? 'all NULL'
      : numericType.test(column.type)
        ? `${displayText(summary.min, column.type, column.name)} … ${displayText(summary.max, column.type, column.name)}`
        : `${summary.min.slice(0, 12)} … ${(summary.max ?? '').slice(0, 12)}`
  const approximate = summary.approximate ? '≈' : ''
  return `${range} · ${summary.nulls.toLocaleString('en-US')} null · ${approximate}${summary.distinct.toLocaleString('en-US')} distinct`
}

// A column grows to show its summary line whole (an ellipsis would hide the distinct count), up to
// this width; a wider line keeps its ellipsis and the full text on hover.
const factsWidthMaxPx = 420

export async function mountResultGrid(view: HTMLElement): Promise<void> {
  const grid = view.querySelector<HTMLElement>('#result-grid')
  if (grid === null) return
  const resultId = view.dataset.resultId ?? ''
  const columns = JSON.parse(view.dataset.columns ?? '[]') as Column[]
  const widths = columns.map((column) =>
    Math.min(320, Math.max(90, column.name.length * 9 + 24, numericType.test(column.type) ? 110 : 140)),
  )
  const numberWidth = 64
  let rowCount = Number(view.dataset.rowCount ?? 0)
  let sort: { column: string; descending: boolean } | null = null
  let filters: Filter[] = []
  let blocks = new Map<number, Promise<Row[]>>()
  let loaded = new Map<number, Row[]>()
  let generation = 0
  let summaries = new Map<string, Summary>()
  const resized = new Set<number>() // columns the analyst sized: summaries leave them alone
  // Selection: rows and columns between anchor and focus (inclusive); column -1 = whole rows.
  let anchor: { row: number; column: number } | null = null
  let focus: { row: number; column: number } | null = null

  const scroll = element('div', 'grid-scroll')
  const windowNode = element('div', 'grid-window')
  const spacer = element('div', 'grid-spacer')
  scroll.append(windowNode, spacer)
  grid.replaceChildren(scroll)

  const viewQuery = (): string => {
    const parameters = new URLSearchParams()
    if (sort !== null) {
      parameters.set('sort', sort.column)
      parameters.set('desc', sort.descending ? '1' : '0')
    }
    if (filters.length > 0) parameters.set('filters', JSON.stringify(filters))
    return parameters.toString()
  }

  const block = (index: number): Promise<Row[]> => {
    let pending = blocks.get(index)
    if (pending === undefined) {
      const started = generation
      pending = getJson<{ rowCount: number; rows: Row[] }>(
        `/api/query/${resultId}/rows?offset=${index * blockRows}&limit=${blockRows}&${viewQuery()}`,
      ).then(
        (reply) => {
          if (started === generation) remember(index, reply.rows)
          return reply.rows
        },
        (error: unknown) => {
          // A failed block is asked for again by the next draw that needs it.
          if (started === generation) blocks.delete(index)
          grid.dataset.error = String(error)
          return []
        },
      )
      blocks.set(index, pending)
    }
    return pending
  }
  // Keeps at most blocksCachedMax blocks: the oldest arrived is dropped first (it is asked for
  // again if the analyst scrolls back to it).
  const remember = (index: number, rows: Row[]) => {
    loaded.set(index, rows)
    for (const oldest of loaded.keys()) {
      if (loaded.size <= blocksCachedMax) break
      loaded.delete(oldest)
      blocks.delete(oldest)
    }
  }
  // The blocks a window of rows needs, and ahead of the scroll the blocks on either side of it, so
  // a screen scrolled by wheel, key or drag is drawn from memory; asked for from the scroll event
  // itself, not a frame later.
  const want = (first: number, count: number) => {
    const top = Math.floor(first / blockRows)
    const bottom = Math.floor(Math.max(first, first + count - 1) / blockRows)
    for (let index = top; index <= bottom; index += 1) {
      if (!loaded.has(index)) void block(index).then(schedule)
    }
    for (const index of [top - 1, bottom + 1]) {
      if (index >= 0 && index * blockRows < rowCount && !blocks.has(index)) void block(index)
    }
  }

  const totalWidth = () => numberWidth + widths.reduce((sum, width) => sum + width, 0)
  const viewportRows = () => Math.max(1, Math.ceil((scroll.clientHeight - headerHeightPx) / rowHeightPx))
  const firstRow = (): number => {
    const range = spacerHeight()
    const lastFirst = Math.max(0, rowCount - viewportRows() + 1)
    if (range === 0) return 0
    return Math.min(lastFirst, Math.round((scroll.scrollTop / range) * lastFirst))
  }
  const spacerHeight = () =>
    Math.min(
      spacerHeightMaxPx,
      Math.max(0, rowCount * rowHeightPx - viewportRows() * rowHeightPx + rowHeightPx),
    )

  const inSelection = (row: number, column: number): boolean => {
    if (anchor === null || focus === null) return false
    const [top, bottom] = [Math.min(anchor.row, focus.row), Math.max(anchor.row, focus.row)]
    if (row < top || row > bottom) return false
    if (anchor.column === -1) return true
    const [left, right] = [Math.min(anchor.column, focus.column), Math.max(anchor.column, focus.column)]
    return column >= left && column <= right
  }

  const headerCell = (column: Column, index: number): HTMLElement => {
    const cell = element('div', 'grid-header-cell')
    cell.setAttribute('role', 'columnheader')
    cell.style.width = `${widths[index]}px`
    const sortButton = element('button', 'grid-sort font-mono', column.name)
    sortButton.type = 'button'
    sortButton.dataset.sort = column.name
    if (sort?.column === column.name) {
      sortButton.textContent = `${column.name} ${sort.descending ? '▼' : '▲'}`
      cell.setAttribute('aria-sort', sort.descending ? 'descending' : 'ascending')
    }
    const type = element('div', 'grid-type', column.type)
    cell.append(sortButton, type)
    const summary = summaries.get(column.name)
    if (summary !== undefined) {
      const facts = element('div', 'grid-facts')
      facts.dataset.summary = column.name
      facts.textContent = factsText(summary, column)
      facts.title = `min ${summary.min ?? 'NULL'}\nmax ${summary.max ?? 'NULL'}\nnulls ${summary.nulls}\ndistinct ≈ ${summary.distinct}`
      cell.append(facts)
      if (summary.histogram !== null) cell.append(histogramSvg(summary.histogram))
    }
    const handle = element('div', 'grid-resize')
    handle.dataset.resize = String(index)
    handle.setAttribute('aria-hidden', 'true')
    cell.append(handle)
    return cell
  }

  // The drawn window reuses its row elements: a scroll refills the text and attributes of rows
  // already in the DOM instead of building new ones, and a row is refilled only when what it shows
  // changed (its row, its data arriving, widths, selection). The header is rebuilt only when its
  // content changes (sort, summaries, widths).
  const rowPool: HTMLElement[] = []
  const rowShown = new WeakMap<HTMLElement, string>()
  let layoutVersion = 0 // bumped when widths, selection or the view change: every row is refilled
  let header: HTMLElement | null = null
  const invalidate = () => {
    layoutVersion += 1
    header = null
    schedule()
  }
  const makeRow = (): HTMLElement => {
    const row = element('div', 'grid-row')
    row.setAttribute('role', 'row')
    row.append(element('div', 'grid-cell grid-number'))
    for (const [columnIndex, column] of columns.entries()) {
      const cell = element('div', `grid-cell${numericType.test(column.type) ? ' grid-numeric' : ''}`)
      cell.setAttribute('role', 'gridcell')
      cell.dataset.col = String(columnIndex)
      row.append(cell)
    }
    return row
  }
  const fillRow = (row: HTMLElement, index: number, data: Row | undefined) => {
    const shown = `${index}:${data === undefined ? 0 : 1}:${layoutVersion}`
    if (rowShown.get(row) === shown) return
    rowShown.set(row, shown)
    row.setAttribute('aria-rowindex', String(index + 2))
    row.dataset.row = String(index)
    const number = row.firstElementChild as HTMLElement
    number.textContent = (index + 1).toLocaleString('en-US')
    number.style.width = `${numberWidth}px`
    number.dataset.rowNumber = String(index)
    for (const [columnIndex, column] of columns.entries()) {
      const cell = row.children[columnIndex + 1] as HTMLElement
      cell.style.width = `${widths[columnIndex]}px`
      cell.classList.toggle('grid-selected', inSelection(index, columnIndex))
      if (data === undefined) {
        cell.textContent = ''
        cell.removeAttribute('title')
        cell.removeAttribute('data-value')
        cell.removeAttribute('data-null')
        cell.classList.remove('grid-null')
        continue
      }
      const value = data[columnIndex]
      cell.classList.toggle('grid-null', value === null)
      if (value === null) cell.dataset.null = '1'
      else cell.removeAttribute('data-null')
      cell.textContent = displayText(value, column.type, column.name)
      cell.dataset.value = rawText(value)
      cell.title = value === null ? 'NULL' : rawText(value)
    }
  }
  const drawHeader = (): HTMLElement => {
    const width = totalWidth()
    spacer.style.width = `${width}px`
    windowNode.style.width = `${width}px`
    const row = element('div', 'grid-row grid-header')
    row.setAttribute('role', 'row')
    const corner = element('div', 'grid-header-cell grid-number', '#')
    corner.style.width = `${numberWidth}px`
    row.append(corner, ...columns.map(headerCell))
    return row
  }

  let drawScheduled = false
  let firstRowsMarked = false
  const draw = () => {
    drawScheduled = false
    const first = firstRow()
    const count = Math.min(viewportRows() + 1, Math.max(0, rowCount - first))
    spacer.style.height = `${spacerHeight()}px`
    const headerNow = header ?? drawHeader()
    while (rowPool.length < count) rowPool.push(makeRow())
    const shownRows = rowPool.slice(0, count)
    if (headerNow !== header || windowNode.childElementCount !== count + 1) {
      windowNode.replaceChildren(headerNow, ...shownRows)
    }
    header = headerNow
    let missing = false
    for (const [offset, row] of shownRows.entries()) {
      const index = first + offset
      const data = loaded.get(Math.floor(index / blockRows))?.[index % blockRows]
      if (data === undefined) missing = true
      fillRow(row, index, data)
    }
    grid.dataset.firstRow = String(first)
    want(first, count)
    if (!missing) {
      grid.dataset.ready = '1'
      // The benchmark reads when this result's first rows were on screen.
      if (!firstRowsMarked) performance.mark(`materia:grid-rows:${resultId}`)
      firstRowsMarked = true
    }
  }
  const schedule = () => {
    if (drawScheduled) return
    drawScheduled = true
    requestAnimationFrame(draw)
  }

  const reload = async () => {
    generation += 1
    blocks = new Map()
    loaded = new Map()
    grid.dataset.ready = '0'
    const reply = await getJson<{ rowCount: number; rows: Row[] }>(
      `/api/query/${resultId}/rows?offset=0&limit=${blockRows}&${viewQuery()}`,
    )
    remember(0, reply.rows)
    blocks.set(0, Promise.resolve(reply.rows))
    rowCount = reply.rowCount
    const count = view.querySelector<HTMLElement>('[data-view-count]')
    if (count !== null) {
      count.dataset.viewCount = String(rowCount)
      count.textContent = rowCount.toLocaleString('en-US')
    }
    for (const link of view.querySelectorAll<HTMLAnchorElement>('#export-csv, #export-parquet')) {
      const format = link.id === 'export-csv' ? 'csv' : 'parquet'
      link.href = `/query/export/${resultId}?format=${format}&${viewQuery()}`
    }
    grid.setAttribute('aria-rowcount', String(rowCount + 1))
    scroll.scrollTop = 0
    invalidate()
  }

  const drawFilters = () => {
    const holder = view.querySelector<HTMLElement>('#result-filters')
    if (holder === null) return
    holder.replaceChildren(
      ...filters.map((filter, index) => {
        const chip = element('span', 'badge badge-outline gap-1')
        chip.dataset.filter = String(index)
        chip.append(
          `${filter.column} ${filter.operator}${filter.operator.startsWith('is') ? '' : ` ${filter.value}`}`,
        )
        const remove = element('button', 'btn btn-ghost btn-xs px-1', '×')
        remove.type = 'button'
        remove.setAttribute('aria-label', `Remove filter ${index + 1}`)
        remove.addEventListener('click', () => {
          filters = filters.filter((_, other) => other !== index)
          drawFilters()
          void reload()
        })
        chip.append(remove)
        return chip
      }),
    )
  }

  const copySelection = async () => {
    if (anchor === null || focus === null) return
    const top = Math.min(anchor.row, focus.row)
    const bottom = Math.min(Math.max(anchor.row, focus.row), top + copyRowsMax - 1)
    const wholeRows = anchor.column === -1
    const left = wholeRows ? 0 : Math.min(anchor.column, focus.column)
    const right = wholeRows ? columns.length - 1 : Math.max(anchor.column, focus.column)
    const lines: string[] = []
    if (wholeRows) lines.push(columns.map((column) => column.name).join('\t'))
    for (let index = Math.floor(top / blockRows); index <= Math.floor(bottom / blockRows); index += 1) {
      const rows = await block(index)
      for (const [offset, row] of rows.entries()) {
        const rowIndex = index * blockRows + offset
        if (rowIndex < top || rowIndex > bottom) continue
        lines.push(
          row
            .slice(left, right + 1)
            .map(tsvField)
            .join('\t'),
        )
      }
    }
    const text = lines.join('\n')
    grid.dataset.copiedRows = String(bottom - top + 1)
    try {
      await navigator.clipboard.writeText(text)
    } catch {
      const area = document.createElement('textarea')
      area.value = text
      document.body.append(area)
      area.select()
      document.execCommand('copy')
      area.remove()
    }
  }

  scroll.addEventListener(
    'scroll',
    () => {
      want(firstRow(), viewportRows() + 1)
      schedule()
    },
    { passive: true },
  )
  new ResizeObserver(schedule).observe(scroll)

  windowNode.addEventListener('click', (event) => {
    const target = event.target as HTMLElement
    const sortButton = target.closest<HTMLElement>('[data-sort]')
    if (sortButton !== null) {
      const name = sortButton.dataset.sort ?? ''
      sort =
        sort?.column === name
          ? { column: name, descending: !sort.descending }
          : { column: name, descending: false }
      void reload()
      return
    }
    const rowNumber = target.closest<HTMLElement>('[data-row-number]')
    const cell = target.closest<HTMLElement>('[data-col]')
    const row = Number(target.closest<HTMLElement>('[data-row]')?.dataset.row ?? Number.NaN)
    if (Number.isNaN(row)) return
    const column = rowNumber !== null ? -1 : Number(cell?.dataset.col ?? -1)
    if (event.shiftKey && anchor !== null) focus = { row, column: anchor.column === -1 ? -1 : column }
    else {
      anchor = { row, column }
      focus = { row, column }
    }
    grid.focus()
    invalidate()
  })

  grid.addEventListener('keydown', (event) => {
    if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'c') {
      event.preventDefault()
      void copySelection()
    }
    const steps: Record<string, number> = {
      PageDown: viewportRows(),
      PageUp: -viewportRows(),
      ArrowDown: 1,
      ArrowUp: -1,
    }
    if (event.key in steps && !event.shiftKey) {
      event.preventDefault()
      scroll.scrollTop +=
        (steps[event.key] ?? 0) * rowHeightPx * (spacerHeight() / Math.max(1, rowCount * rowHeightPx))
    }
  })

  // Column resize: drag a header's right edge.
  windowNode.addEventListener('pointerdown', (event) => {
    const handle = (event.target as HTMLElement).closest<HTMLElement>('[data-resize]')
    if (handle === null) return
    event.preventDefault()
    const index = Number(handle.dataset.resize)
    const startX = event.clientX
    const startWidth = widths[index] ?? 100
    const move = (moved: PointerEvent) => {
      widths[index] = Math.max(48, startWidth + moved.clientX - startX)
      resized.add(index)
      invalidate()
    }
    const up = () => {
      window.removeEventListener('pointermove', move)
      window.removeEventListener('pointerup', up)
    }
    window.addEventListener('pointermove', move)
    window.addEventListener('pointerup', up)
  })

  view.querySelector<HTMLFormElement>('#result-filter')?.addEventListener('submit', (event) => {
    event.preventDefault()
    const form = new FormData(event.target as HTMLFormElement)
    filters = [
      ...filters,
      {
        column: String(form.get('column') ?? ''),
        operator: String(form.get('operator') ?? '='),
        value: String(form.get('value') ?? ''),
      },
    ]
    drawFilters()
    void reload()
  })

  const chartForm = view.querySelector<HTMLFormElement>('#quick-chart')
  view.querySelector('#chart-toggle')?.addEventListener('click', (event) => {
    const hidden = chartForm?.classList.toggle('hidden') ?? true
    ;(event.currentTarget as HTMLElement).setAttribute('aria-expanded', hidden ? 'false' : 'true')
  })
  chartForm?.addEventListener('submit', (event) => {
    event.preventDefault()
    const value = (id: string) => view.querySelector<HTMLSelectElement>(`#${id}`)?.value ?? ''
    const parameters = new URLSearchParams({
      kind: value('chart-kind'),
      x: value('chart-x'),
      y: value('chart-y'),
      series: value('chart-series'),
    })
    const canvas = view.querySelector<HTMLElement>('#quick-chart-canvas')
    if (canvas === null) return
    Promise.all([
      import('./charts.ts'),
      getJson<QuickChartData>(`/api/query/${resultId}/chart?${parameters}&${viewQuery()}`),
    ])
      .then(([charts, data]) =>
        charts.drawQuickChart(canvas, data, { x: value('chart-x'), y: value('chart-y') }),
      )
      .catch((error: unknown) => {
        canvas.textContent = String(error).replace(/^Error: [^{]*/, '')
      })
  })

  // The run's reply carries the first block: the first screen draws without waiting for /rows.
  const firstRows = JSON.parse(view.dataset.firstRows ?? '[]') as Row[]
  if (firstRows.length === Math.min(blockRows, rowCount)) {
    loaded.set(0, firstRows)
    blocks.set(0, Promise.resolve(firstRows))
  }
  schedule()
  getJson<Summary[]>(`/api/query/${resultId}/summary`)
    .then((list) => {
      summaries = new Map(list.map((summary) => [summary.name, summary]))
      const measure = document.createElement('canvas').getContext('2d')
      if (measure !== null) {
        measure.font = `11px ${getComputedStyle(grid).fontFamily}`
        for (const [index, column] of columns.entries()) {
          const summary = summaries.get(column.name)
          if (summary === undefined || resized.has(index)) continue
          // The cell's 8 px padding each side and its border.
          const needed = Math.ceil(measure.measureText(factsText(summary, column)).width) + 18
          widths[index] = Math.max(widths[index] ?? 0, Math.min(factsWidthMaxPx, needed))
        }
      }
      grid.dataset.summarized = '1'
      invalidate()
    })
    .catch(() => {
      grid.dataset.summarized = '0'
    })
}
