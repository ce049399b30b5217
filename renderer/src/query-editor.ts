// The query editor: Ctrl+Enter (or Run) sends the selection, or the whole editor, to the server,
// which runs it against the navbar's environment; the result grid comes back as an htmx fragment.
// Cancel interrupts the running query. "Run again" in the history loads an old query and runs it.
import { createEditor, disposeWhenDetached, monaco, showQueryLineage } from './editor-setup.ts'

interface Htmx {
  ajax: (
    verb: string,
    path: string,
    context: { target: string; values: Record<string, string> },
  ) => Promise<void>
}

interface QueryTabs {
  tabs: { title: string; sql: string }[]
  active: number
}

// Tabs are saved on the server (survives restarts, unlike storage tied to this run's port), a
// moment after the last change.
const tabsSaveDelayMs = 400
const tabsMax = 30

export async function mountQueryEditor(host: HTMLElement): Promise<void> {
  const state = JSON.parse(
    host.dataset.tabs ?? '{"tabs":[{"title":"Query 1","sql":""}],"active":0}',
  ) as QueryTabs
  host.textContent = ''
  const editor = createEditor(host, state.tabs[state.active]?.sql ?? '')
  const textModel = editor.getModel()
  if (textModel !== null) showQueryLineage(textModel)
  // Fetch the grid's code while the analyst types, not after the first result arrives.
  void import('./result-grid.ts')
  const bar = document.getElementById('query-tabs')
  // Saves go out once typing pauses, one after another (an earlier save never lands after a later
  // one), and one still waiting when the page goes away is sent at once.
  let saveTimer: ReturnType<typeof setTimeout> | undefined
  let saving: Promise<unknown> = Promise.resolve()
  const send = (keepalive: boolean) => {
    saveTimer = undefined
    const put = () =>
      fetch('/api/query/tabs', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(state),
        keepalive,
      }).then(() => {
        host.dataset.tabsSaved = String(Date.now())
      })
    saving = keepalive ? put() : saving.then(put, put)
  }
  const save = () => {
    clearTimeout(saveTimer)
    saveTimer = setTimeout(() => send(false), tabsSaveDelayMs)
  }
  window.addEventListener('pagehide', () => {
    if (saveTimer === undefined) return
    clearTimeout(saveTimer)
    send(true)
  })
  const select = (index: number) => {
    const current = state.tabs[state.active]
    if (current !== undefined) current.sql = editor.getValue()
    state.active = index
    editor.setValue(state.tabs[index]?.sql ?? '')
    drawTabs()
    save()
  }
  const drawTabs = () => {
    if (bar === null) return
    const buttons = state.tabs.map((tab, index) => {
      const button = document.createElement('button')
      button.type = 'button'
      button.setAttribute('role', 'tab')
      button.setAttribute('aria-selected', index === state.active ? 'true' : 'false')
      button.className = `tab${index === state.active ? ' tab-active' : ''}`
      button.dataset.tab = String(index)
      button.textContent = tab.title
      button.addEventListener('click', () => select(index))
      if (state.tabs.length > 1) {
        const close = document.createElement('span')
        close.className = 'ml-2 opacity-70'
        close.textContent = '×'
        close.setAttribute('aria-label', `Close ${tab.title}`)
        close.dataset.closeTab = String(index)
        close.addEventListener('click', (event) => {
          event.stopPropagation()
          state.tabs.splice(index, 1)
          state.active = Math.min(state.active, state.tabs.length - 1)
          editor.setValue(state.tabs[state.active]?.sql ?? '')
          drawTabs()
          save()
        })
        button.append(close)
      }
      return button
    })
    const add = document.createElement('button')
    add.type = 'button'
    add.className = 'tab'
    add.id = 'query-tab-add'
    add.textContent = '+'
    add.setAttribute('aria-label', 'New query tab')
    add.disabled = state.tabs.length >= tabsMax
    add.addEventListener('click', () => {
      const current = state.tabs[state.active]
      if (current !== undefined) current.sql = editor.getValue()
      const number = Math.max(0, ...state.tabs.map((tab) => Number(/\d+$/.exec(tab.title)?.[0] ?? 0))) + 1
      state.tabs.push({ title: `Query ${number}`, sql: '' })
      select(state.tabs.length - 1)
    })
    // The tab list holds tabs only (ARIA's tablist); the button that adds one sits after it.
    bar.replaceChildren(...buttons)
    document.getElementById('query-tab-add')?.remove()
    bar.after(add)
  }
  drawTabs()
  const htmx = (window as unknown as { htmx: Htmx }).htmx
  const runButton = document.getElementById('run-query')
  const cancelButton = document.getElementById('cancel-query')
  const spinner = document.getElementById('query-running')
  let runningId: string | null = null

  editor.onDidChangeModelContent(() => {
    const current = state.tabs[state.active]
    if (current === undefined || current.sql === editor.getValue()) return
    current.sql = editor.getValue()
    save()
  })

  const run = async () => {
    if (runningId !== null) return
    const model = editor.getModel()
    const selection = editor.getSelection()
    const selected = selection !== null && model !== null ? model.getValueInRange(selection) : ''
    const sql = selected.trim() !== '' ? selected : editor.getValue()
    runningId = crypto.randomUUID()
    // The suggestion list belongs to the text as typed; a run closes it (it stayed open over the
    // result before).
    editor.trigger('run', 'hideSuggestWidget', {})
    host.dataset.running = '1'
    cancelButton?.classList.remove('hidden')
    spinner?.classList.remove('hidden')
    try {
      await htmx.ajax('POST', '/query/run', { target: '#query-result', values: { sql, runId: runningId } })
    } finally {
      runningId = null
      host.dataset.running = '0'
      cancelButton?.classList.add('hidden')
      spinner?.classList.add('hidden')
    }
  }

  const cancel = async () => {
    if (runningId === null) return
    await fetch('/query/cancel', { method: 'POST', body: new URLSearchParams({ runId: runningId }) })
  }

  editor.addAction({
    id: 'materia.run-query',
    label: 'Run query',
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.Enter],
    run: () => void run(),
  })
  runButton?.addEventListener('click', () => void run())
  cancelButton?.addEventListener('click', () => void cancel())
  document.addEventListener('click', (event) => {
    const button = (event.target as HTMLElement | null)?.closest<HTMLElement>('[data-action="rerun"]')
    if (button === null || button === undefined || !host.isConnected) return
    editor.setValue(button.dataset.sql ?? '')
    void run()
  })
  disposeWhenDetached(host, editor)
  editor.focus()
}
