// What the model editor asks as the analyst types: diagnostics (DuckDB's own parser for syntax, at
// DuckDB's offset; the project for unknown models and cycles) and completion items. All offsets are
// into the whole file text, header included, so the editor can place markers exactly.
import type { DuckDBConnection } from '@duckdb/node-api'
import { environmentSchema } from '../pipeline/engine/project.ts'
import { syntaxError } from '../pipeline/engine/sql-ast.ts'
import type { ModelEntry, ProjectIndex } from './project-index.ts'
import { quoteLiteral } from './sql-text.ts'

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
}

// Items returned per request: enough to scroll through, small enough to send at every keystroke.
const completionItemsMax = 300

// The header `MODEL ( ... );` and where the query starts; header null when the file has none.
export function splitModelFile(text: string): {
  header: { start: number; end: number } | null
  queryStart: number
} {
  const match = /^(\s|--[^\n]*\n)*MODEL\s*\(/i.exec(text)
  if (match === null) return { header: null, queryStart: 0 }
  let depth = 0
  let quote: string | null = null
  for (let index = match[0].length - 1; index < text.length; index += 1) {
    const char = text[index]
    if (quote !== null) {
      if (char === quote) quote = null
      continue
    }
    if (char === "'" || char === '"') quote = char
    else if (char === '(') depth += 1
    else if (char === ')') {
      depth -= 1
      if (depth === 0) {
        const semicolon = /^\s*;/.exec(text.slice(index + 1))
        const end = index + 1 + (semicolon?.[0].length ?? 0)
        return { header: { start: match[0].length - match[0].trimStart().length, end }, queryStart: end }
      }
    }
  }
  return { header: { start: 0, end: text.length }, queryStart: text.length }
}

// Macros (@start_ds, @VAR('x', 1), @this_model ...) become string literals of the same length, so
// DuckDB can parse the query and its error offsets still point into the file.
export function maskMacros(query: string): string {
  return query.replace(/@[A-Za-z_]\w*(\((?:[^()]|\([^()]*\))*\))?/g, (macro) =>
    macro.length >= 2 ? `'${'x'.repeat(macro.length - 2)}'` : macro,
  )
}

// `schema.table` references in code (not strings or comments), with offsets.
export function modelSchemas(index: ProjectIndex): Set<string> {
  const schemas = new Set([...index.models.values()].map((model) => model.schema))
  for (const layer of ['raw', 'staging', 'cleaned', 'serving']) schemas.add(layer)
  return schemas
}

export function modelReferences(
  query: string,
  schemas: ReadonlySet<string>,
): { name: string; offset: number }[] {
  const masked = query.replace(/'(?:[^']|'')*'|--[^\n]*|\/\*[\s\S]*?\*\//g, (span) => ' '.repeat(span.length))
  const references: { name: string; offset: number }[] = []
  for (const match of masked.matchAll(/(?<![\w."])([A-Za-z_]\w*)\.([A-Za-z_]\w*)(?![\w"(])/g)) {
    const schema = (match[1] ?? '').toLowerCase()
    if (schemas.has(schema))
      references.push({ name: `${schema}.${(match[2] ?? '').toLowerCase()}`, offset: match.index })
  }
  return references
}

// A cycle through `model` when its parents become `parents`; the path from model back to model.
export function cycleThrough(
  model: string,
  parents: readonly string[],
  index: ProjectIndex,
): string[] | null {
  const parentsOf = (name: string): readonly string[] =>
    name === model ? parents : (index.models.get(name)?.parents ?? [])
  const stack: string[][] = parents.map((parent) => [model, parent])
  const seen = new Set<string>()
  while (stack.length > 0) {
    const path = stack.pop() ?? []
    const last = path[path.length - 1] ?? ''
    if (last === model) return path
    if (seen.has(last)) continue
    seen.add(last)
    for (const parent of parentsOf(last)) stack.push([...path, parent])
  }
  return null
}

export async function diagnose(
  text: string,
  index: ProjectIndex,
  modelName: string | null,
): Promise<Diagnostic[]> {
  const { header, queryStart } = splitModelFile(text)
  const diagnostics: Diagnostic[] = []
  if (header === null) {
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
  const references = modelReferences(query, modelSchemas(index))
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
    const cycle = cycleThrough(modelName, parents, index)
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
  const referenced = modelReferences(options.text, modelSchemas(options.index))
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
        (model): CompletionItem => ({ label: model.name, kind: 'model', detail: `${model.kind} model` }),
      ),
      ...options.keywords.map(
        (word): CompletionItem => ({ label: word.toUpperCase(), kind: 'keyword', detail: 'keyword' }),
      ),
      ...options.functionNames.map(
        (name): CompletionItem => ({ label: name, kind: 'function', detail: 'function' }),
      ),
    ]
  }
  const matching = items.filter((item) => item.label.toLowerCase().startsWith(prefix))
  return matching.slice(0, completionItemsMax)
}
