// What the model editor asks as the analyst types: diagnostics (DuckDB's own parser for syntax, at
// DuckDB's offset; the project for unknown models and cycles) and completion items. All offsets are
// into the whole file text, header included, so the editor can place markers exactly.
import type { DuckDBConnection } from '@duckdb/node-api'
import {
  cycleThrough,
  environmentSchema,
  maskMacros,
  modelReferences,
  quoteLiteral,
  splitModelFile,
  syntaxError,
} from '../pipeline/engine/index.ts'
import type { ModelEntry, ProjectIndex } from './project-index.ts'

export interface Diagnostic {
  readonly message: string
  readonly startOffset: number
  readonly endOffset: number
  readonly severity: 'error' | 'warning'
  readonly source: 'duckdb' | 'project' | 'header'
}

export interface CompletionItem {
  readonly label: string
  readonly kind: 'model' | 'column' | 'function' | 'keyword' | 'schema'
  readonly detail: string
  // What the editor matches the typed word against, when not the label: a model's table name
  // first, so `obt` finds serving.obt_commodity_metrics.
  readonly filterText?: string
}

// Items returned per request: enough to scroll through, small enough to send at every keystroke.
const completionItemsMax = 300

// The schemas model names live in: the project's, and the four layers.
function modelSchemas(index: ProjectIndex): Set<string> {
  const schemas = new Set([...index.models.values()].map((model) => model.schema))
  for (const layer of ['raw', 'staging', 'cleaned', 'serving']) schemas.add(layer)
  return schemas
}

// The project's models a query reads, in the order it names them first: the engine's reading of
// the query (modelReferences), for the query editor's lineage hover.
export async function modelsReadBy(query: string, index: ProjectIndex): Promise<string[]> {
  const references = await modelReferences(query, modelSchemas(index))
  return [...new Set(references.map((reference) => reference.name).filter((name) => index.models.has(name)))]
}

// A completion item with the lower-case texts a typed prefix is matched against: its label, and
// for a model the part after the schema (so a table name alone finds it).
interface Candidate {
  readonly item: CompletionItem
  readonly label: string
  readonly table: string | null
}

function candidate(item: CompletionItem): Candidate {
  const table = item.kind === 'model' ? (item.label.split('.')[1] ?? '').toLowerCase() : null
  return { item, label: item.label.toLowerCase(), table }
}

// What completion reads of an index at every keystroke, computed once per index (a reload makes a
// new index) and once per list of DuckDB's keywords and function names.
interface IndexCandidates {
  readonly schemas: ReadonlySet<string>
  readonly models: readonly ModelEntry[]
  readonly modelNames: readonly Candidate[]
}
const indexCandidates = new WeakMap<ProjectIndex, IndexCandidates>()
const wordCandidates = new WeakMap<readonly string[], readonly Candidate[]>()

function candidatesOf(index: ProjectIndex): IndexCandidates {
  const cached = indexCandidates.get(index)
  if (cached !== undefined) return cached
  const models = [...index.models.values()]
  const modelNames = models.map((model) =>
    candidate({
      label: model.name,
      kind: 'model',
      detail: `${model.kind} model`,
      filterText: `${model.table} ${model.name}`,
    }),
  )
  const computed = { schemas: modelSchemas(index), models, modelNames }
  indexCandidates.set(index, computed)
  return computed
}

function wordsOf(words: readonly string[], item: (word: string) => CompletionItem): readonly Candidate[] {
  const cached = wordCandidates.get(words)
  if (cached !== undefined) return cached
  const computed = words.map((word) => candidate(item(word)))
  wordCandidates.set(words, computed)
  return computed
}

// The first completionItemsMax candidates, in list order, whose label (or a model's table name)
// starts with the prefix.
function firstMatches(lists: readonly (readonly Candidate[])[], prefix: string): CompletionItem[] {
  const matching: CompletionItem[] = []
  for (const list of lists) {
    for (const entry of list) {
      if (matching.length === completionItemsMax) return matching
      if (entry.label.startsWith(prefix) || entry.table?.startsWith(prefix)) matching.push(entry.item)
    }
  }
  return matching
}

// Where the query starts in the file: the engine's split of header and query.
function queryStartOf(text: string): { hasHeader: boolean; queryStart: number } {
  const parts = splitModelFile(text)
  return { hasHeader: parts.header !== null, queryStart: text.length - parts.query.length }
}

export async function diagnose(
  text: string,
  index: ProjectIndex,
  modelName: string | null,
): Promise<Diagnostic[]> {
  const { hasHeader, queryStart } = queryStartOf(text)
  const diagnostics: Diagnostic[] = []
  if (!hasHeader) {
    diagnostics.push({
      message: 'missing MODEL (name schema.table, kind ...); header',
      startOffset: 0,
      endOffset: Math.min(text.length, 1),
      severity: 'warning',
      source: 'header',
    })
  }
  const query = text.slice(queryStart)
  if (query.trim() === '') {
    diagnostics.push({
      message: 'empty model: write one query after the header',
      startOffset: queryStart,
      endOffset: text.length,
      severity: 'error',
      source: 'header',
    })
    return diagnostics
  }
  const parsed = await syntaxError(maskMacros(query))
  if (parsed !== null) {
    const position = queryStart + (parsed.position ?? 0)
    const wordEnd = /^\w+/.exec(text.slice(position))?.[0].length ?? 1
    diagnostics.push({
      message: parsed.message,
      startOffset: position,
      endOffset: Math.min(text.length, position + Math.max(1, wordEnd)),
      severity: 'error',
      source: 'duckdb',
    })
  }
  const references = await modelReferences(query, candidatesOf(index).schemas)
  for (const reference of references) {
    if (index.models.has(reference.name) || reference.name === modelName) continue
    diagnostics.push({
      message: `unknown model "${reference.name}"; known models in ${reference.name.split('.')[0]}: ${[...index.models.keys()].filter((name) => name.startsWith(`${reference.name.split('.')[0]}.`)).join(', ') || 'none'}`,
      startOffset: queryStart + reference.offset,
      endOffset: queryStart + reference.offset + reference.name.length,
      severity: 'error',
      source: 'project',
    })
  }
  if (modelName !== null) {
    const parents = [
      ...new Set(references.map((reference) => reference.name).filter((name) => index.models.has(name))),
    ]
    const cycle = cycleThrough(modelName, parents, (name) => index.models.get(name)?.parents ?? [])
    const first = references.find((reference) => reference.name === cycle?.[1])
    if (cycle !== null && first !== undefined) {
      diagnostics.push({
        message: `cycle: ${cycle.join(' -> ')}`,
        startOffset: queryStart + first.offset,
        endOffset: queryStart + first.offset + first.name.length,
        severity: 'error',
        source: 'project',
      })
    }
  }
  return diagnostics
}

async function columnsOf(
  connection: DuckDBConnection,
  models: readonly ModelEntry[],
  environment: string,
): Promise<CompletionItem[]> {
  if (models.length === 0) return []
  // Names come from model headers matched as identifiers, so they are safe as literals.
  const keys = models
    .flatMap((model) => [`${environmentSchema(model.schema, environment)}.${model.table}`, model.name])
    .map(quoteLiteral)
  const reader = await connection.runAndReadAll(
    `SELECT DISTINCT ON (table_name, column_name) table_name, column_name, data_type
     FROM duckdb_columns() WHERE database_name = current_database()
       AND schema_name || '.' || table_name IN (${keys.join(', ')})
     ORDER BY table_name, column_name, schema_name LIKE '%\\_\\_%' ESCAPE '\\' = ($environment <> 'prod') DESC`,
    { environment },
  )
  return reader.getRowsJson().map((row) => ({
    label: String(row[1]),
    kind: 'column',
    detail: `${String(row[2])} · ${String(row[0])}`,
  }))
}

export async function complete(options: {
  connection: DuckDBConnection
  text: string
  offset: number
  index: ProjectIndex
  environment: string
  functionNames: readonly string[]
  keywords: readonly string[]
}): Promise<CompletionItem[]> {
  const before = options.text.slice(0, options.offset)
  const dotted = /([A-Za-z_]\w*)\.(\w*)$/.exec(before)
  const prefix = (dotted?.[2] ?? /(\w*)$/.exec(before)?.[1] ?? '').toLowerCase()
  const { schemas, models, modelNames } = candidatesOf(options.index)
  const referenced = (
    await modelReferences(options.text.slice(queryStartOf(options.text).queryStart), schemas)
  )
    .map((reference) => options.index.models.get(reference.name))
    .filter((model): model is ModelEntry => model !== undefined)
  if (dotted !== null) {
    const qualifier = (dotted[1] ?? '').toLowerCase()
    const inSchema = models.filter((model) => model.schema === qualifier)
    if (inSchema.length > 0) {
      const tables = inSchema.map((model) =>
        candidate({ label: model.table, kind: 'model', detail: `${model.kind} model ${model.name}` }),
      )
      return firstMatches([tables], prefix)
    }
    // `alias.` or `table.`: columns of the referenced models (the alias is not resolved).
    const byTable = referenced.filter((model) => model.table === qualifier)
    const columns = await columnsOf(
      options.connection,
      byTable.length > 0 ? byTable : referenced,
      options.environment,
    )
    return firstMatches([columns.map(candidate)], prefix)
  }
  const columns = await columnsOf(options.connection, referenced, options.environment)
  return firstMatches(
    [
      columns.map(candidate),
      modelNames,
      wordsOf(options.keywords, (word) => ({
        label: word.toUpperCase(),
        kind: 'keyword',
        detail: 'keyword',
      })),
      wordsOf(options.functionNames, (name) => ({ label: name, kind: 'function', detail: 'function' })),
    ],
    prefix,
  )
}
