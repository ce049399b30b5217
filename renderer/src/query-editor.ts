// The query editor: Ctrl+Enter (or Run) sends the selection, or the whole editor, to the server,
// which runs it against the navbar's environment; the result grid comes back as an htmx fragment.
// Cancel interrupts the running query. "Run again" in the history loads an old query and runs it.
import { createEditor, disposeWhenDetached, monaco } from './editor-setup.ts'

interface Htmx {
  ajax: (
    verb: string,
    path: string,
    context: { target: string; values: Record<string, string> },
  ) => Promise<void>
}

const draftKey = 'materia-query-draft'

export async function mountQueryEditor(host: HTMLElement): Promise<void> {
  host.textContent = ''
  const editor = createEditor(host, localStorage.getItem(draftKey) ?? 'SELECT 42 AS answer\n')
  const htmx = (window as unknown as { htmx: Htmx }).htmx
  const runButton = document.getElementById('run-query')
  const cancelButton = document.getElementById('cancel-query')
  const spinner = document.getElementById('query-running')
  let runningId: string | null = null

  editor.onDidChangeModelContent(() => localStorage.setItem(draftKey, editor.getValue()))

  const run = async () => {
    if (runningId !== null) return
    const model = editor.getModel()
    const selection = editor.getSelection()
    const selected = selection !== null && model !== null ? model.getValueInRange(selection) : ''
    const sql = selected.trim() !== '' ? selected : editor.getValue()
    runningId = crypto.randomUUID()
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
