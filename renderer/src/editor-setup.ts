// Monaco for the workbench: its web worker bundled by Vite (served from our origin, as the CSP
// requires), the `materia-sql` language (DuckDB SQL, MODEL header properties, @macros), and the
// providers that ask the server for completion items and formatting.
import EditorWorker from 'monaco-esm/editor/editor.worker.js?worker'
import { getJson, postJson } from './http.ts'
import * as monaco from './monaco.ts'

export { monaco }

self.MonacoEnvironment = { getWorker: () => new EditorWorker() }

export const languageId = 'materia-sql'

const headerProperties = [
  'name',
  'kind',
  'cron',
  'grain',
  'audits',
  'description',
  'owner',
  'tags',
  'depends_on',
  'start',
  'time_column',
  'batch_size',
  'lookback',
  'unique_key',
  'path',
]
const keywords =
  `select from where group by order having join left right inner outer full cross on as and or not in
  is null case when then else end with union all distinct limit offset over partition filter cast between like
  ilike using qualify window rows range preceding following unbounded current row exists any true false asc desc
  nulls first last intersect except values lateral pivot unpivot summarize describe create table view replace
  insert into update delete set drop alter schema copy attach detach pragma explain model`.split(/\s+/)

monaco.languages.register({ id: languageId, extensions: ['.sql'], aliases: ['DuckDB SQL'] })
monaco.languages.setLanguageConfiguration(languageId, {
  comments: { lineComment: '--', blockComment: ['/*', '*/'] },
  brackets: [
    ['(', ')'],
    ['[', ']'],
    ['{', '}'],
  ],
  autoClosingPairs: [
    { open: '(', close: ')' },
    { open: '[', close: ']' },
    { open: "'", close: "'", notIn: ['string'] },
  ],
})
monaco.languages.setMonarchTokensProvider(languageId, {
  ignoreCase: true,
  keywords,
  headerProperties,
  kinds: ['full', 'view', 'seed', 'incremental_by_time_range', 'incremental_by_unique_key'],
  tokenizer: {
    root: [
      [/--.*$/, 'comment'],
      [/\/\*/, 'comment', '@comment'],
      [/@[A-Za-z_]\w*/, 'annotation'],
      [/'/, 'string', '@string'],
      [/"[^"]*"/, 'identifier.quote'],
      [/\d+(\.\d+)?/, 'number'],
      [
        /[A-Za-z_]\w*/,
        {
          cases: {
            '@kinds': 'type',
            '@headerProperties': 'attribute.name',
            '@keywords': 'keyword',
            '@default': 'identifier',
          },
        },
      ],
      [/[()[\]{},;.]/, 'delimiter'],
      [/[<>=!%&+\-*/|~^:]+/, 'operator'],
    ],
    comment: [
      [/[^/*]+/, 'comment'],
      [/\*\//, 'comment', '@pop'],
      [/[/*]/, 'comment'],
    ],
    string: [
      [/[^']+/, 'string'],
      [/''/, 'string.escape'],
      [/'/, 'string', '@pop'],
    ],
  },
})

interface CompletionItem {
  label: string
  kind: 'model' | 'column' | 'function' | 'keyword' | 'schema'
  detail: string
  filterText?: string
}

const completionKinds = {
  model: monaco.languages.CompletionItemKind.Class,
  column: monaco.languages.CompletionItemKind.Field,
  function: monaco.languages.CompletionItemKind.Function,
  keyword: monaco.languages.CompletionItemKind.Keyword,
  schema: monaco.languages.CompletionItemKind.Module,
}

monaco.languages.registerCompletionItemProvider(languageId, {
  triggerCharacters: ['.'],
  async provideCompletionItems(model, position) {
    const items = await postJson<CompletionItem[]>('/api/complete', {
      text: model.getValue(),
      offset: model.getOffsetAt(position),
    })
    const word = model.getWordUntilPosition(position)
    const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn)
    return {
      suggestions: items.map((item, index) => ({
        label: item.label,
        kind: completionKinds[item.kind],
        detail: item.detail,
        insertText: item.label,
        filterText: item.filterText ?? item.label,
        range,
        sortText: String(index).padStart(4, '0'),
      })),
    }
  },
})

// What Format could not do, per editor model: the page that owns the editor shows it. The path
// names the file in the message ("models/x.sql:2:30 cannot format the query: ...").
interface FormatProblems {
  readonly path: string
  readonly show: (message: string | null) => void
}
const formatProblems = new WeakMap<monaco.editor.ITextModel, FormatProblems>()

export function showFormatProblems(model: monaco.editor.ITextModel, problems: FormatProblems): void {
  formatProblems.set(model, problems)
}

monaco.languages.registerDocumentFormattingEditProvider(languageId, {
  async provideDocumentFormattingEdits(model) {
    const problems = formatProblems.get(model)
    const { text, error } = await postJson<{ text: string; error?: string }>('/api/format', {
      text: model.getValue(),
      ...(problems === undefined ? {} : { path: problems.path }),
    })
    problems?.show(error ?? null)
    return error === undefined ? [{ range: model.getFullModelRange(), text }] : []
  },
})

// Monaco's light theme draws header properties in pure red (#ff0000) and @macros in #808080, both
// under the 4.5:1 contrast WCAG asks of text on white: darker shades of the same hues.
monaco.editor.defineTheme('materia-light', {
  base: 'vs',
  inherit: true,
  rules: [
    { token: 'attribute.name', foreground: 'b91c1c' },
    { token: 'annotation', foreground: '57606a' },
    { token: 'operator', foreground: '4b5563' },
  ],
  colors: {},
})

// Column lineage on hover: the word under the mouse, if it is a column of the model the editor
// shows (or of a model it reads), or in the query editor of a model the query reads, with what it
// is computed from and what uses it. The server finds the column with the engine's reading of the
// SQL; both editors share this one hover.
type LineageSource = { readonly kind: 'model'; readonly name: string } | { readonly kind: 'query' }
const lineageSources = new WeakMap<monaco.editor.ITextModel, LineageSource>()

export function showLineageFor(model: monaco.editor.ITextModel, modelName: string): void {
  lineageSources.set(model, { kind: 'model', name: modelName })
}

export function showQueryLineage(model: monaco.editor.ITextModel): void {
  lineageSources.set(model, { kind: 'query' })
}

interface Lineage {
  model?: string
  column: string | null
  upstream?: string
  downstream?: string
}

monaco.languages.registerHoverProvider(languageId, {
  async provideHover(model, position) {
    const source = lineageSources.get(model)
    const word = model.getWordAtPosition(position)
    if (source === undefined || word === null) return null
    const lineage =
      source.kind === 'model'
        ? await getJson<Lineage>(
            `/api/lineage?model=${encodeURIComponent(source.name)}&word=${encodeURIComponent(word.word)}`,
          )
        : await postJson<Lineage>('/api/lineage/query', { text: model.getValue(), word: word.word })
    if (lineage.column === null) return null
    const fence = (text: string | undefined) => `\`\`\`text\n${text ?? ''}\`\`\``
    return {
      range: new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn),
      contents: [
        { value: `**Column lineage** of \`${lineage.model}.${lineage.column}\`` },
        { value: `Computed from\n\n${fence(lineage.upstream)}` },
        { value: `Used by\n\n${fence(lineage.downstream)}` },
      ],
    }
  },
})

function themeName(): string {
  return document.documentElement.dataset.theme === 'dark' ? 'vs-dark' : 'materia-light'
}

document.addEventListener('materia:theme', () => monaco.editor.setTheme(themeName()))

export function createEditor(host: HTMLElement, value: string): monaco.editor.IStandaloneCodeEditor {
  return monaco.editor.create(host, {
    value,
    language: languageId,
    theme: themeName(),
    automaticLayout: true,
    minimap: { enabled: false },
    fontSize: 13,
    scrollBeyondLastLine: false,
    tabSize: 2,
    quickSuggestions: { other: true, strings: false, comments: false },
    // Suggestions and hovers may leave the editor's box (a short query editor would clip them).
    fixedOverflowWidgets: true,
    // Our completion comes from the server; Monaco's word list would start its web worker on the
    // first keystroke for nothing.
    wordBasedSuggestions: 'off',
  })
}

// htmx navigation removes an editor's host without telling Monaco: dispose it once it is detached.
export function disposeWhenDetached(host: HTMLElement, editor: monaco.editor.IStandaloneCodeEditor): void {
  const timer = setInterval(() => {
    if (host.isConnected) return
    clearInterval(timer)
    editor.dispose()
  }, 1_000)
}
