// Reading model queries with DuckDB's own parser: `json_serialize_sql` turns a SELECT into its parse
// tree as JSON. From the tree we take the table references (CTE names excluded with SQL's scoping)
// and their positions, which lets us rewrite references by splicing the original text: everything
// that is not a reference stays byte for byte as written (window functions, PIVOT, named arguments,
// casts, comments). `normalizeQuery` uses the deserialize round trip instead, on purpose: it forgets
// formatting and comments.
//
// This module owns one in-memory DuckDB instance, created on first use. It never touches data; it
// only parses. Calls made in the same tick are batched into one SELECT (a list of queries in, a list
// of trees out), which makes loading 1,000 models one round trip instead of 1,000.
import { type DuckDBConnection, DuckDBInstance, DuckDBListValue, listValue } from '@duckdb/node-api'
import { MateriaError } from '../errors.ts'
import { splitStatements } from './model-file-text.ts'
import { isTrivia, type Token, tokenize } from './sql-tokens.ts'
import { collectTableNodes, type TableNode } from './sql-tree.ts'

interface TableReference {
  readonly name: string // lower case "schema.table", "table", or "catalog.schema.table"
  readonly start: number | null // character offset of the reference in the query, null if unknown
}

type ParsedQuery =
  | { readonly ok: true; readonly references: readonly TableReference[] }
  | {
      readonly ok: false
      readonly kind: 'syntax' | 'not_select' // not_select: valid SQL, but not one SELECT statement
      readonly message: string // syntax: DuckDB's words; not_select: what it is instead (notSelect)
      readonly position: number | null // character offset, when DuckDB gives one
    }

// Inputs per batched SELECT: big enough to amortize the round trip, small enough to bound memory.
const batchInputsMax = 500

let connectionPromise: Promise<DuckDBConnection> | null = null
let queue: Promise<unknown> = Promise.resolve()
interface Job {
  readonly input: string
  readonly resolve: (value: string) => void
  readonly reject: (error: unknown) => void
}
const pending = new Map<string, Job[]>()

function connection(): Promise<DuckDBConnection> {
  connectionPromise ??= DuckDBInstance.create(':memory:', { threads: '1' }).then((instance) =>
    instance.connect(),
  )
  return connectionPromise
}

async function evaluateList(expression: string, inputs: readonly string[]): Promise<string[]> {
  const connected = await connection()
  const sql = `SELECT list_transform($1::VARCHAR[], x -> ${expression}) AS results`
  const reader = await connected.runAndReadAll(sql, [listValue([...inputs])])
  const value = reader.getRows()[0]?.[0]
  if (!(value instanceof DuckDBListValue)) throw new Error('assertion failed: list result')
  if (value.items.length !== inputs.length) throw new Error('assertion failed: one result per input')
  return value.items.map((item) => String(item))
}

async function evaluateOne(expression: string, job: Job): Promise<void> {
  try {
    const [result] = await evaluateList(expression, [job.input])
    job.resolve(result!)
  } catch (error) {
    job.reject(error)
  }
}

async function flush(expression: string): Promise<void> {
  const jobs = pending.get(expression) ?? []
  pending.delete(expression)
  for (let start = 0; start < jobs.length; start += batchInputsMax) {
    const batch = jobs.slice(start, start + batchInputsMax)
    try {
      const results = await evaluateList(
        expression,
        batch.map((job) => job.input),
      )
      for (const [index, job] of batch.entries()) job.resolve(results[index]!)
    } catch (error) {
      // One bad input fails the whole list: retry one by one so only that input fails.
      if (batch.length === 1) batch[0]!.reject(error)
      else for (const job of batch) await evaluateOne(expression, job)
    }
  }
}

// Evaluates `expression` (over x, a VARCHAR) for one input, batched with the other calls of this tick.
function evaluate(expression: string, input: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const jobs = pending.get(expression)
    if (jobs !== undefined) {
      jobs.push({ input, resolve, reject })
      return
    }
    pending.set(expression, [{ input, resolve, reject }])
    setImmediate(() => {
      // flush settles every job itself; the catch only keeps the chain alive for the next batch.
      queue = queue.then(() => flush(expression)).catch(() => undefined)
    })
  })
}

// Loading parses each query once and fingerprinting needs the same parse again: keep recent trees.
// Bounded so a long-running workbench does not grow without end (cleared when full).
const serializedCacheMax = 5_000
const serializedCache = new Map<string, string>()

async function serialize(sql: string): Promise<string> {
  const cached = serializedCache.get(sql)
  if (cached !== undefined) return cached
  // Nulls and empty lists are defaults: leaving them out makes the JSON a third smaller to move and parse.
  const serialized = await evaluate('json_serialize_sql(x, skip_null := true, skip_empty := true)', sql)
  if (serializedCache.size >= serializedCacheMax) serializedCache.clear()
  serializedCache.set(sql, serialized)
  return serialized
}

// The parsed JSON of recent trees: loading reads every tree once, and column lineage walks the same
// trees again (parsing 1,000 JSON trees costs more than the walk). Read-only; cleared when full.
const treeCache = new Map<string, SerializeResult>()

async function serializedTree(sql: string): Promise<SerializeResult> {
  const cached = treeCache.get(sql)
  if (cached !== undefined) return cached
  const result = JSON.parse(await serialize(sql)) as SerializeResult
  if (treeCache.size >= serializedCacheMax) treeCache.clear()
  treeCache.set(sql, result)
  return result
}

interface SerializeResult {
  readonly error: boolean
  readonly error_message?: string
  readonly error_type?: string
  readonly position?: string
  readonly statements?: readonly unknown[]
}

// Character offset of a UTF-8 byte offset (query_location counts bytes; JavaScript strings count
// UTF-16 units).
function characterOffset(text: string, byteOffset: number): number {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: the ASCII range is meant
  if (/^[\u0000-\u007f]*$/.test(text)) return byteOffset
  return Buffer.from(text, 'utf8').subarray(0, byteOffset).toString('utf8').length
}

export async function parseQuery(sql: string): Promise<ParsedQuery> {
  const result = await serializedTree(sql)
  if (result.error) {
    const position = result.position === undefined ? null : Number(result.position)
    const message = result.error_message ?? 'unknown parser error'
    const finite = Number.isFinite(position) ? position : null
    if (result.error_type === 'parser') return { ok: false, kind: 'syntax', message, position: finite }
    return { ok: false, kind: 'not_select', message: notSelect(sql), position: finite }
  }
  const statements = result.statements ?? []
  if (statements.length !== 1) {
    return { ok: false, kind: 'not_select', message: notSelect(sql), position: null }
  }
  const nodes: TableNode[] = []
  collectTableNodes(statements[0], new Set(), nodes)
  const references: TableReference[] = []
  for (const node of nodes) {
    const start = node.location === null ? null : characterOffset(sql, node.location)
    // FROM 'file.csv' is a replacement scan of a file, not a table.
    if (start !== null && sql[start] === "'") continue
    references.push({ name: node.parts.join('.'), start })
  }
  // The walk visits modifiers (LIMIT, ORDER BY) before FROM; callers expect the order of the text.
  references.sort(
    (left, right) => (left.start ?? Number.MAX_SAFE_INTEGER) - (right.start ?? Number.MAX_SAFE_INTEGER),
  )
  return { ok: true, references }
}

// The parse tree of one SELECT statement (DuckDB's json_serialize_sql, nulls and empties left out),
// or null when the text is not one statement DuckDB can parse. Column lineage reads it.
export async function parseTree(sql: string): Promise<Record<string, unknown> | null> {
  const result = await serializedTree(sql)
  if (result.error || result.statements?.length !== 1) return null
  const statement = result.statements[0] as { node?: Record<string, unknown> }
  return statement.node ?? null
}

// DuckDB's parse tree of one SELECT-like statement, or why the text is not one (syntax error, another
// kind of statement, several statements).
export async function parseStatementTree(
  sql: string,
): Promise<
  | { readonly ok: true; readonly statement: unknown }
  | { readonly ok: false; readonly kind: 'syntax' | 'not_select'; readonly message: string }
> {
  const result = JSON.parse(await serialize(sql)) as SerializeResult
  if (result.error) {
    const message = result.error_message ?? 'unknown parser error'
    if (result.error_type === 'parser') return { ok: false, kind: 'syntax', message }
    return { ok: false, kind: 'not_select', message: notSelect(sql) }
  }
  const statements = result.statements ?? []
  if (statements.length !== 1) return { ok: false, kind: 'not_select', message: notSelect(sql) }
  return { ok: true, statement: statements[0] }
}

// What a query that DuckDB parses is instead of one SELECT, in the user's words: "2 statements", "a
// DROP statement". json_serialize_sql says "Only SELECT statements can be serialized to json!" of
// any other statement (and of a script on its first such statement), which names DuckDB's
// mechanism, not the query.
function notSelect(sql: string): string {
  const statements = splitStatements(sql)
  if (statements.length !== 1) return `${statements.length} statements`
  const first = tokenize(statements[0] ?? '', 'query').find((token) => !isTrivia(token))
  const word = first?.kind === 'word' ? first.text.toUpperCase() : ''
  // WITH ... DELETE: the first word names no statement.
  if (word === '' || word === 'WITH') return 'a statement other than SELECT'
  return `${/^[AEIOU]/.test(word) ? 'an' : 'a'} ${word} statement`
}

// One phrase for a query DuckDB could not read, e.g. "SQL syntax error at character 12: ...".
export function parseProblem(parsed: {
  kind: 'syntax' | 'not_select'
  message: string
  position: number | null
}): string {
  if (parsed.kind === 'not_select') return `the query must be one SELECT statement, not ${parsed.message}`
  const where = parsed.position === null ? '' : ` at character ${parsed.position}`
  return `SQL syntax error${where}: ${parsed.message}`
}

async function parseOrThrow(sql: string): Promise<readonly TableReference[]> {
  const parsed = await parseQuery(sql)
  if (!parsed.ok) throw new MateriaError('model', parseProblem(parsed))
  return parsed.references
}

// Every table the query reads, lower case, each once, in order of appearance.
export async function tableReferences(sql: string): Promise<string[]> {
  return [...new Set((await parseOrThrow(sql)).map((reference) => reference.name))]
}

export async function syntaxError(sql: string): Promise<{ message: string; position: number | null } | null> {
  const parsed = await parseQuery(sql)
  return parsed.ok ? null : { message: parsed.message, position: parsed.position }
}

// The end of the (possibly qualified, possibly quoted) name starting at `start`, and its parts.
function nameSpan(sql: string, start: number): { end: number; parts: string[] } {
  const identifier = /"(?:[^"]|"")*"|[A-Za-z_\u00C0-\uFFFF][A-Za-z0-9_$\u00C0-\uFFFF]*/y
  const dot = /\s*\.\s*/y
  const parts: string[] = []
  let end = start
  for (;;) {
    identifier.lastIndex = end
    const match = identifier.exec(sql)
    if (match === null) break
    const part = match[0]
    parts.push((part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part).toLowerCase())
    end = identifier.lastIndex
    dot.lastIndex = end
    if (dot.exec(sql) === null) break
    const after = dot.lastIndex
    identifier.lastIndex = after
    if (!identifier.test(sql)) break
    end = after
  }
  return { end, parts }
}

// Replaces table references for which `map` returns a SQL name (e.g. "materia__staging"."staging__x__ab12"),
// keeping every other character of the query as written.
// `map` may also be a Map from model name to SQL name.
export async function rewriteTableReferences(
  sql: string,
  map: ((reference: string) => string | null) | ReadonlyMap<string, string>,
): Promise<string> {
  const lookup = typeof map === 'function' ? map : (reference: string) => map.get(reference) ?? null
  const references = await parseOrThrow(sql)
  const edits: { start: number; end: number; text: string }[] = []
  for (const reference of references) {
    const replacement = lookup(reference.name)
    if (replacement === null) continue
    if (reference.start === null) {
      throw new MateriaError(
        'model',
        `cannot locate the reference to ${reference.name} in the query to rewrite it`,
      )
    }
    const span = nameSpan(sql, reference.start)
    if (span.parts.join('.') !== reference.name) {
      throw new Error(
        `assertion failed: reference ${reference.name} found as ${span.parts.join('.')} at ${reference.start}`,
      )
    }
    edits.push({ start: reference.start, end: span.end, text: replacement })
  }
  edits.sort((left, right) => right.start - left.start)
  let result = sql
  for (const edit of edits) result = result.slice(0, edit.start) + edit.text + result.slice(edit.end)
  return result
}

// Canonical text of a query: DuckDB's serialize/deserialize round trip, so formatting and comments
// do not count. Falls back to the canonical tree for a tree DuckDB cannot print back.
export async function normalizeQuery(sql: string): Promise<string> {
  const canonical = await canonicalQuery(sql)
  try {
    // Deserializing needs the full tree, not the compact one serialize() keeps.
    return await evaluate('json_deserialize_sql(json_serialize_sql(x))', sql)
  } catch {
    return canonical
  }
}

// The parse tree as JSON without source positions: equal for queries that differ only in
// formatting and comments. Cheaper than normalizeQuery (no deserialization), so fingerprints use it.
export async function canonicalQuery(sql: string): Promise<string> {
  const serialized = await serialize(sql)
  if (serialized.startsWith('{"error":true')) await parseOrThrow(sql)
  return serialized.replace(/"query_location":\d+,?/g, '')
}

// Qualified names `schema.table` in any SQL text, quoted or not, found with the engine's tokenizer
// (strings, comments and quoted identifiers understood) for text DuckDB's parser cannot read as
// one SELECT: other statements, or a query mid-edit. A name followed by '(' is a function;
// `schema.table.column` yields its `schema.table`. Lower case, unquoted, in order.
export function qualifiedNames(sql: string): { name: string; start: number; end: number }[] {
  const tokens = tokenize(sql, 'query').filter((token) => !isTrivia(token))
  const isName = (token: Token | undefined) => token?.kind === 'word' || token?.kind === 'quoted'
  const partOf = (token: Token) =>
    (token.kind === 'quoted' ? token.text.slice(1, -1).replaceAll('""', '"') : token.text).toLowerCase()
  const names: { name: string; start: number; end: number }[] = []
  let index = 0
  while (index < tokens.length) {
    const first = tokens[index]!
    if (!isName(first) || tokens[index - 1]?.text === '.') {
      index += 1
      continue
    }
    let last = index
    while (tokens[last + 1]?.text === '.' && isName(tokens[last + 2])) last += 2
    const parts = (last - index) / 2 + 1
    const table = tokens[index + 2]
    if (parts >= 2 && parts <= 3 && tokens[last + 1]?.text !== '(' && table !== undefined)
      names.push({ name: `${partOf(first)}.${partOf(table)}`, start: first.start, end: table.end })
    index = last + 1
  }
  return names
}

// The same rewrite for a statement DuckDB cannot serialize (json_serialize_sql reads SELECT only:
// CREATE TABLE ... AS, INSERT ... SELECT, COPY (...) TO), over qualifiedNames.
export function rewriteQualifiedNames(sql: string, map: (reference: string) => string | null): string {
  let result = sql
  for (const found of qualifiedNames(sql).reverse()) {
    const replacement = map(found.name)
    if (replacement !== null) result = result.slice(0, found.start) + replacement + result.slice(found.end)
  }
  return result
}
