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
  const references = await modelReferences(query, modelSchemas(index))
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
  const models = [...options.index.models.values()]
  const referenced = (
    await modelReferences(
      options.text.slice(queryStartOf(options.text).queryStart),
      modelSchemas(options.index),
    )
  )
    .map((reference) => options.index.models.get(reference.name))
    .filter((model): model is ModelEntry => model !== undefined)
  let items: CompletionItem[]
  if (dotted !== null) {
    const qualifier = (dotted[1] ?? '').toLowerCase()
    const inSchema = models.filter((model) => model.schema === qualifier)
    if (inSchema.length > 0) {
      items = inSchema.map((model) => ({
        label: model.table,
        kind: 'model',
        detail: `${model.kind} model ${model.name}`,
      }))
    } else {
      // `alias.` or `table.`: columns of the referenced models (the alias is not resolved).
      const byTable = referenced.filter((model) => model.table === qualifier)
      items = await columnsOf(
        options.connection,
        byTable.length > 0 ? byTable : referenced,
        options.environment,
      )
    }
  } else {
    items = [
      ...(await columnsOf(options.connection, referenced, options.environment)),
      ...models.map(
        (model): CompletionItem => ({
          label: model.name,
          kind: 'model',
          detail: `${model.kind} model`,
          filterText: `${model.table} ${model.name}`,
        }),
      ),
      ...options.keywords.map(
        (word): CompletionItem => ({ label: word.toUpperCase(), kind: 'keyword', detail: 'keyword' }),
      ),
      ...options.functionNames.map(
        (name): CompletionItem => ({ label: name, kind: 'function', detail: 'function' }),
      ),
    ]
  }
  // A model matches on its full name or on its table name alone (no schema typed).
  const matches = (item: CompletionItem) =>
    item.label.toLowerCase().startsWith(prefix) ||
    (item.kind === 'model' && (item.label.split('.')[1] ?? '').toLowerCase().startsWith(prefix))
  const matching = items.filter(matches)
  return matching.slice(0, completionItemsMax)
}
