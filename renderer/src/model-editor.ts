// The model editor: the file on disk is the source of truth. Ctrl+S saves (refused by the server
// if the file changed on disk meanwhile); external edits reload when there are no unsaved edits and
// raise a conflict notice when there are; diagnostics follow typing (debounced).
import { createEditor, monaco, showFormatProblems, showLineageFor } from './editor-setup.ts'
import { getJson, postJson } from './http.ts'

interface FileVersion {
  text: string
  mtimeMs: number
}

interface Diagnostic {
  message: string
  startOffset: number
  endOffset: number
  severity: 'error' | 'warning'
  source: string
}

type Ajax = (
  verb: string,
  path: string,
  context: { target: string; values: Record<string, string> },
) => Promise<void>

const diagnosticsDelayMs = 200
const externalEditPollMs = 1_500

function notifySaved(): void {
  const htmx = (window as unknown as { htmx?: { trigger: (element: Element, name: string) => void } }).htmx
  htmx?.trigger(document.body, 'materia:saved')
}

export async function mountModelEditor(host: HTMLElement): Promise<void> {
  const path = host.dataset.path ?? ''
  const query = `path=${encodeURIComponent(path)}`
  let file =
    host.dataset.file === undefined || host.dataset.file === 'null'
      ? await getJson<FileVersion>(`/api/file?${query}`)
      : (JSON.parse(host.dataset.file) as FileVersion)
  host.textContent = ''
  const editor = createEditor(host, file.text)
  const model = editor.getModel()
  if (model === null) throw new Error('Monaco created no model')
  if ((host.dataset.model ?? '') !== '') showLineageFor(model, host.dataset.model ?? '')
  const formatProblem = document.getElementById('editor-format-problem')
  showFormatProblems(model, {
    path,
    show: (message) => {
      formatProblem?.classList.toggle('hidden', message === null)
      if (formatProblem !== null) formatProblem.textContent = message ?? ''
    },
  })
  // The next edit may be the fix: the notice goes until Format is tried again.
  model.onDidChangeContent(() => formatProblem?.classList.add('hidden'))
  let savedVersion = model.getAlternativeVersionId()
  const dirtyBadge = document.getElementById('editor-dirty')
  const conflict = document.getElementById('editor-conflict')
  const problems = document.getElementById('editor-problems')

  const isDirty = () => model.getAlternativeVersionId() !== savedVersion
  const showDirty = () => {
    host.dataset.dirty = isDirty() ? '1' : '0'
    dirtyBadge?.classList.toggle('hidden', !isDirty())
  }
  const showConflict = (message: string | null, onKeepMine?: () => void, onReload?: () => void) => {
    if (conflict === null) return
    conflict.classList.toggle('hidden', message === null)
    conflict.textContent = message ?? ''
    if (message === null) return
    for (const [label, action] of [
      ['Reload from disk', onReload],
      ['Keep mine', onKeepMine],
    ] as const) {
      const button = document.createElement('button')
      button.className = 'btn btn-sm'
      button.textContent = label
      button.addEventListener('click', () => {
        action?.()
        showConflict(null)
      })
      conflict.append(button)
    }
  }
  const reloadFrom = (latest: FileVersion) => {
    file = latest
    model.pushEditOperations([], [{ range: model.getFullModelRange(), text: latest.text }], () => null)
    savedVersion = model.getAlternativeVersionId()
    showDirty()
  }

  let diagnosticsTimer: ReturnType<typeof setTimeout> | undefined
  const diagnose = async () => {
    const diagnostics = await postJson<Diagnostic[]>('/api/diagnostics', { path, text: model.getValue() })
    monaco.editor.setModelMarkers(
      model,
      'materia',
      diagnostics.map((diagnostic) => {
        const start = model.getPositionAt(diagnostic.startOffset)
        const end = model.getPositionAt(diagnostic.endOffset)
        return {
          message: diagnostic.message,
          severity:
            diagnostic.severity === 'error' ? monaco.MarkerSeverity.Error : monaco.MarkerSeverity.Warning,
          source: diagnostic.source,
          startLineNumber: start.lineNumber,
          startColumn: start.column,
          endLineNumber: end.lineNumber,
          endColumn: end.column,
        }
      }),
    )
    if (problems !== null) {
      problems.replaceChildren(
        ...diagnostics.map((diagnostic) => {
          const item = document.createElement('li')
          const position = model.getPositionAt(diagnostic.startOffset)
          item.className = diagnostic.severity === 'error' ? 'text-error' : 'text-warning'
          item.dataset.diagnostic = diagnostic.source
          item.textContent = `${position.lineNumber}:${position.column} ${diagnostic.message}`
          return item
        }),
      )
    }
  }
  model.onDidChangeContent(() => {
    showDirty()
    clearTimeout(diagnosticsTimer)
    diagnosticsTimer = setTimeout(() => void diagnose(), diagnosticsDelayMs)
  })
  void diagnose()

  const save = async (baseMtimeMs: number) => {
    const text = model.getValue()
    const version = model.getAlternativeVersionId()
    const result = await postJson<{ mtimeMs?: number; current?: FileVersion }>(
      '/api/file',
      { path, text, baseMtimeMs },
      'PUT',
    )
    if (result.current !== undefined) {
      const current = result.current
      showConflict(
        `${path} changed on disk since you opened it. `,
        () => void save(current.mtimeMs),
        () => reloadFrom(current),
      )
      return
    }
    file = { text, mtimeMs: result.mtimeMs ?? file.mtimeMs }
    savedVersion = version
    showDirty()
    host.dataset.savedAt = String(Date.now())
    notifySaved()
  }
  // An action, not addCommand: Monaco's commands are global and would reach a disposed editor.
  editor.addAction({
    id: 'materia.save',
    label: 'Save model',
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS],
    run: () => void save(file.mtimeMs),
  })
  document.getElementById('editor-save')?.addEventListener('click', () => void save(file.mtimeMs))
  // Preview: the first rows of the model as edited, or of the CTE under the cursor.
  const preview = () => {
    const htmx = (window as unknown as { htmx: { ajax: Ajax } }).htmx
    const position = editor.getPosition()
    const offset = position === null ? -1 : model.getOffsetAt(position)
    host.dataset.previewing = '1'
    void htmx
      .ajax('POST', '/models/preview', {
        target: '#model-preview',
        values: { path, text: model.getValue(), offset: String(offset) },
      })
      .finally(() => {
        host.dataset.previewing = '0'
      })
  }
  editor.addAction({
    id: 'materia.preview',
    label: 'Preview model or CTE under the cursor',
    keybindings: [monaco.KeyMod.CtrlCmd | monaco.KeyMod.Shift | monaco.KeyCode.Enter],
    run: preview,
  })
  document.getElementById('editor-preview')?.addEventListener('click', preview)
  document.getElementById('editor-format')?.addEventListener('click', () => {
    void editor.getAction('editor.action.formatDocument')?.run()
  })

  const poll = setInterval(async () => {
    if (!host.isConnected) {
      clearInterval(poll)
      editor.dispose()
      return
    }
    const { mtimeMs } = await getJson<{ mtimeMs: number | null }>(`/api/file/mtime?${query}`)
    if (mtimeMs === null || mtimeMs === file.mtimeMs) return
    const latest = await getJson<FileVersion>(`/api/file?${query}`)
    if (latest.text === model.getValue()) {
      file = latest
      return
    }
    if (!isDirty()) {
      reloadFrom(latest)
      return
    }
    file = { ...file, mtimeMs: latest.mtimeMs }
    showConflict(
      `${path} changed on disk while you have unsaved edits. `,
      () => undefined,
      () => reloadFrom(latest),
    )
  }, externalEditPollMs)
  editor.focus()
}
