// Parses a model file: a SQLMesh-compatible `MODEL ( ... );` header, optional `@DEF(name, value);`
// definitions, and exactly one query. Pure and synchronous; DuckDB checks the query later (load.ts).
import { Cron } from 'croner'
import { isMateriaError, MateriaError } from '../errors.ts'
import { type HeaderProperty, nodesName, nodesText, parseHeader } from './header.ts'
import type { Model } from './model.ts'
import {
  auditsProperty,
  booleanProperty,
  columnsProperty,
  kindProperty,
  nameListProperty,
  stringProperty,
  type Warn,
} from './model-properties.ts'
import { columnAt, isTrivia, type Token, tokenize } from './sql-tokens.ts'

// Every property SQLMesh documents for SQL models (concepts/models/overview, reference/model_configuration).
// `modelProperties` change what is built or shown here; `ignoredProperties` are accepted with a
// one-line warning that they have no effect on DuckDB, never refused.
const modelProperties = [
  'name',
  'kind',
  'cron',
  'start',
  'grain',
  'grains',
  'audits',
  'description',
  'owner',
  'tags',
  'depends_on',
  'columns',
  'column_descriptions',
  'dialect',
  'enabled',
  'stamp',
  'references',
  'partitioned_by',
] as const

const ignoredProperties: Readonly<Record<string, string>> = {
  allow_partials: 'every interval is complete here',
  physical_properties: 'DuckDB tables take no engine properties',
  virtual_properties: 'DuckDB views take no engine properties',
  session_properties: 'DuckDB sessions take no engine properties',
  table_properties: 'DuckDB tables take no engine properties',
  storage_format: 'DuckDB stores every table in its own format',
  table_format: 'DuckDB stores every table in its own format',
  clustered_by: 'DuckDB tables are not clustered',
  signals: 'signals are Python functions; models run when their intervals are due',
  interval_unit: 'intervals follow the cron',
  cron_tz: 'crons are read in UTC',
  end: 'intervals run up to the last complete one',
  gateway: 'a project has one DuckDB gateway per run',
  optimize_query: 'queries run as written',
  validate_query: 'every query is checked at load',
  formatting: 'materia format formats every model',
  ignored_rules: 'lint rules are set in materia.yaml',
  forward_only: 'changes are classified by what they change',
  disable_restatement: 'restatement is asked for explicitly with --restate',
  on_destructive_change: 'a breaking change builds a new table version',
  on_additive_change: 'an added column is a non-breaking change',
  batch_size: 'set batch_size inside kind INCREMENTAL_BY_TIME_RANGE (...)',
  batch_concurrency: 'batches of a model run one at a time',
  lookback: 'set lookback inside kind INCREMENTAL_BY_TIME_RANGE (...)',
  physical_version: 'versions come from fingerprints',
}

interface ModelDefaults {
  readonly cron: string
  readonly now?: Date // resolves a relative start ('1 year ago'); the clock when absent
}

export interface ParsedModel {
  readonly model: Model
  readonly queryOffset: number // offset of model.query in the file text
  readonly propertyLines: Readonly<Record<string, number>>
  readonly warnings: readonly string[] // "path:line what has no effect", one line each
  readonly enabled: boolean // `enabled false` takes the model out of the project
}

const namePattern = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/

// Any cron expression croner reads (SQLMesh uses croniter: five fields or an @alias).
export function isValidCron(cron: string): boolean {
  const text = cron.trim()
  if (!text.startsWith('@') && text.split(/\s+/).length !== 5) return false
  try {
    new Cron(text, { paused: true })
    return true
  } catch {
    return false
  }
}

// SQLMesh's start: a date, a date-time, epoch milliseconds, or a relative time ('1 year ago',
// 'yesterday'). Returns the ISO date it means at `now`, or null when unreadable.
export function resolveStart(text: string, now: Date): string | null {
  const trimmed = text.trim().toLowerCase()
  if (isValidDate(trimmed)) return trimmed
  const dateTime = /^(\d{4}-\d{2}-\d{2})[ t]\d{2}:\d{2}(:\d{2}(\.\d+)?)?z?$/.exec(trimmed)
  if (dateTime !== null && isValidDate(dateTime[1]!)) return dateTime[1]!
  if (/^\d{11,14}$/.test(trimmed)) return new Date(Number(trimmed)).toISOString().slice(0, 10)
  const day = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate())
  if (trimmed === 'today') return new Date(day).toISOString().slice(0, 10)
  if (trimmed === 'yesterday') return new Date(day - 86_400_000).toISOString().slice(0, 10)
  const relative = /^(\d+) (day|week|month|year)s? ago$/.exec(trimmed)
  if (relative === null) return null
  const count = Number(relative[1])
  const date = new Date(day)
  if (relative[2] === 'day') date.setUTCDate(date.getUTCDate() - count)
  if (relative[2] === 'week') date.setUTCDate(date.getUTCDate() - 7 * count)
  if (relative[2] === 'month') date.setUTCMonth(date.getUTCMonth() - count)
  if (relative[2] === 'year') date.setUTCFullYear(date.getUTCFullYear() - count)
  return date.toISOString().slice(0, 10)
}

export function isValidDate(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false
  const date = new Date(`${text}T00:00:00Z`)
  return !Number.isNaN(date.getTime()) && date.toISOString().startsWith(text)
}

export function parseModelFile(
  text: string,
  path: string,
  defaults: ModelDefaults = { cron: '@daily' },
): Model {
  return parseModelSource(text, path, defaults).model
}

// Collects a file's problems instead of stopping at the first: each property is read on its own,
// and every failure becomes one line "path:line:col message".
class Problems {
  readonly lines: string[] = []
  constructor(
    private readonly text: string,
    private readonly path: string,
  ) {}

  read<T>(property: HeaderProperty | null, read: () => T, fallback: T): T {
    try {
      return read()
    } catch (error) {
      if (!isMateriaError(error)) throw error
      for (const line of error.message.split('\n')) this.lines.push(this.withColumn(line, property))
      return fallback
    }
  }

  // "path:12 message" -> "path:12:5 message" when line 12 is the property's own line.
  private withColumn(message: string, property: HeaderProperty | null): string {
    if (property === null) return message
    const prefix = `${this.path}:${property.line} `
    if (!message.startsWith(prefix)) return message
    return `${this.path}:${property.line}:${columnAt(this.text, property.start)} ${message.slice(prefix.length)}`
  }
}

export function parseModelSource(
  text: string,
  path: string,
  defaults: ModelDefaults = { cron: '@daily' },
): ParsedModel {
  const tokens = tokenize(text, path)
  if (tokens.every(isTrivia)) {
    throw new MateriaError(
      'model',
      `${path}:1 empty model file; start it with MODEL (name schema.table, kind FULL); and a query`,
    )
  }
  const header = parseHeader(tokens, path, 'MODEL')
  const problems = new Problems(text, path)
  const warnings: string[] = []
  const byName = new Map<string, HeaderProperty>()
  for (const property of header.properties) {
    const where = `${path}:${property.line}:${columnAt(text, property.start)}`
    const earlier = byName.get(property.name)
    const reason = ignoredProperties[property.name]
    if (earlier !== undefined) {
      problems.lines.push(
        `${where} property "${property.name}" given twice (first on line ${earlier.line}); keep one`,
      )
    } else if (reason !== undefined) {
      warnings.push(`${where} ${property.name} has no effect here (${reason}); accepted and ignored`)
    } else if (!(modelProperties as readonly string[]).includes(property.name)) {
      problems.lines.push(
        `${where} unknown property "${property.name}"; use ${modelProperties.join(' | ')} (or one SQLMesh documents)`,
      )
    } else byName.set(property.name, property)
  }
  const warn = (line: number, message: string) => warnings.push(`${path}:${line} ${message}`)
  const fields = headerFields(text, path, header.line, byName, defaults, problems, warn)
  // A kind that failed to read says nothing about whether a query should follow: check only a good one.
  const kindRead = problems.lines.length === 0 || !problems.lines.some((line) => line.includes(' kind '))
  const parts = kindRead
    ? problems.read(
        null,
        () => statementParts(text, tokens, header.end, path, fields.kind.name === 'SEED'),
        null,
      )
    : null
  if (problems.lines.length > 0) throw new MateriaError('model', problems.lines.join('\n'))
  if (parts === null) throw new Error('assertion failed: statement parts read without a problem')
  const enabled = byName.get('enabled')
  const statements = {
    ...(parts.pre.length > 0 ? { preStatements: parts.pre } : {}),
    ...(parts.post.length > 0 ? { postStatements: parts.post } : {}),
    ...(parts.onVirtualUpdate.length > 0 ? { onVirtualUpdate: parts.onVirtualUpdate } : {}),
  }
  const model: Model = { ...fields, ...statements, query: parts.query, path, queryLine: parts.line }
  const propertyLines = Object.fromEntries([...byName].map(([name, property]) => [name, property.line]))
  return {
    model,
    queryOffset: parts.offset,
    propertyLines,
    warnings,
    enabled: enabled === undefined ? true : booleanProperty(enabled.value, path, enabled.line, 'enabled'),
  }
}

type HeaderFields = Omit<Model, 'query' | 'path' | 'queryLine'>

function modelName(byName: ReadonlyMap<string, HeaderProperty>, path: string, headerLine: number) {
  const name = byName.get('name')
  if (name === undefined)
    throw new MateriaError(
      'model',
      `${path}:${headerLine} the MODEL header has no name; add name schema.table`,
    )
  const nameText = nameListProperty(name.value, path, name.line, 'name')
  if (nameText.length !== 1 || !namePattern.test(nameText[0]!)) {
    throw new MateriaError(
      'model',
      `${path}:${name.line} model name must be schema.table (letters, digits, _), e.g. staging.stg_psd`,
    )
  }
  const [schema, table] = nameText[0]!.split('.') as [string, string]
  // Environments put views in <schema>__<env> and versions in materia__<schema>; the engine's state
  // lives in materia_state. A model schema shaped like those would collide with them.
  if (schema.includes('__') || schema.startsWith('materia')) {
    throw new MateriaError(
      'model',
      `${path}:${name.line} schema "${schema}" is reserved (no "__", no "materia" prefix: those name environments and engine tables); rename it`,
    )
  }
  return { schema, table }
}

// column_descriptions (a = 'what a is', b = 'what b is')
function columnDescriptionsProperty(
  text: string,
  property: HeaderProperty,
  path: string,
): Record<string, string> {
  const [group] = property.value
  const usage = "column_descriptions must be a list like (a = 'what a is')"
  if (property.value.length !== 1 || group?.kind !== 'group')
    throw new MateriaError('model', `${path}:${property.line} ${usage}`)
  const result: Record<string, string> = {}
  for (const item of group.items) {
    if (item.length === 0) continue
    const [nameNode, assign, ...value] = item
    const name = nameNode === undefined ? null : nodesName([nameNode])
    if (
      name === null ||
      assign?.kind !== 'token' ||
      !['=', ':='].includes(assign.token.text) ||
      value.length === 0
    )
      throw new MateriaError('model', `${path}:${property.line} ${usage}, near "${nodesText(text, item)}"`)
    result[name] = stringProperty(value, path, property.line, `description of column ${name}`)
  }
  return result
}

function headerFields(
  text: string,
  path: string,
  headerLine: number,
  byName: ReadonlyMap<string, HeaderProperty>,
  defaults: ModelDefaults,
  problems: Problems,
  warn: Warn,
): HeaderFields {
  const named = problems.read(byName.get('name') ?? null, () => modelName(byName, path, headerLine), {
    schema: 'invalid',
    table: 'invalid',
  })
  const optional = <T>(key: string, read: (property: HeaderProperty) => T, fallback: T): T => {
    const property = byName.get(key)
    return property === undefined ? fallback : problems.read(property, () => read(property), fallback)
  }
  const string = (key: string) => optional(key, (p) => stringProperty(p.value, path, p.line, key), null)
  const names = (key: string) => optional(key, (p) => nameListProperty(p.value, path, p.line, key), [])
  const cron = optional(
    'cron',
    (p) => {
      const value = stringProperty(p.value, path, p.line, 'cron')
      if (isValidCron(value)) return value
      throw new MateriaError(
        'model',
        `${path}:${p.line} invalid cron '${value}'; use @hourly | @daily | @weekly | @monthly or a 5-field cron expression`,
      )
    },
    defaults.cron,
  )
  const start = optional(
    'start',
    (p) => {
      const value = stringProperty(p.value, path, p.line, 'start')
      const resolved = resolveStart(value, defaults.now ?? new Date())
      if (resolved !== null) return resolved
      throw new MateriaError(
        'model',
        `${path}:${p.line} invalid start '${value}'; use an ISO date like '2006-01-01' or a relative time like '1 year ago'`,
      )
    },
    null,
  )
  const dialect = optional(
    'dialect',
    (p) => {
      const value = stringProperty(p.value, path, p.line, 'dialect').toLowerCase()
      if (value !== 'duckdb' && value !== '')
        warn(p.line, `dialect ${value}: the query runs on DuckDB as written; it loads when DuckDB parses it`)
      return value
    },
    null,
  )
  const grain = names('grain')
  const grains = optional('grains', (p) => nameListProperty(p.value, path, p.line, 'grains'), [])
  const partitionedBy = names('partitioned_by')
  const kind = optional('kind', (p) => kindProperty(p.value, path, p.line, warn), { name: 'VIEW' as const })
  if (kind.name === 'INCREMENTAL_BY_PARTITION' && partitionedBy.length === 0) {
    problems.lines.push(
      `${path}:${byName.get('kind')!.line} kind INCREMENTAL_BY_PARTITION needs partitioned_by (a, b): the columns whose values name a partition`,
    )
  } else if (kind.name !== 'INCREMENTAL_BY_PARTITION' && partitionedBy.length > 0) {
    warn(
      byName.get('partitioned_by')!.line,
      'partitioned_by has no effect on DuckDB tables (only INCREMENTAL_BY_PARTITION uses it); accepted and ignored',
    )
  }
  const stamp = string('stamp')
  const columnDescriptions = optional(
    'column_descriptions',
    (p) => columnDescriptionsProperty(text, p, path),
    {},
  )
  const references = names('references')
  return {
    name: `${named.schema}.${named.table}`,
    schema: named.schema,
    table: named.table,
    kind,
    cron,
    start,
    grain: grain.length > 0 ? grain : grains,
    audits: optional('audits', (p) => auditsProperty(text, p.value, path, p.line), []),
    description: string('description'),
    owner: string('owner'),
    tags: names('tags'),
    dependsOn: names('depends_on'),
    columns: optional('columns', (p) => columnsProperty(text, p.value, path, p.line), []),
    ...(Object.keys(columnDescriptions).length > 0 ? { columnDescriptions } : {}),
    ...(partitionedBy.length > 0 ? { partitionedBy } : {}),
    ...(references.length > 0 ? { references } : {}),
    ...(stamp === null ? {} : { stamp }),
    ...(dialect === null ? {} : { dialect }),
  }
}

interface StatementParts {
  readonly query: string
  readonly line: number
  readonly offset: number
  readonly pre: readonly string[]
  readonly post: readonly string[]
  readonly onVirtualUpdate: readonly string[]
}

const queryStarts = new Set([
  'SELECT',
  'WITH',
  'FROM',
  'VALUES',
  'TABLE',
  '(',
  'PIVOT',
  '@WITH',
  'UNPIVOT',
  'SUMMARIZE',
])

// The statements after the header: pre-statements, the query (the first statement that reads like
// a query), post-statements, and an ON_VIRTUAL_UPDATE_BEGIN; ... ON_VIRTUAL_UPDATE_END; block.
// @DEF(...); definitions stay in the query text, which starts after the last pre-statement.
function statementParts(
  text: string,
  tokens: readonly Token[],
  headerEnd: number,
  path: string,
  isSeed: boolean,
): StatementParts {
  const rest = tokens.filter((token) => token.start >= headerEnd)
  const significant = rest.filter((token) => !isTrivia(token))
  const sourceOf = (statement: readonly Token[]) => text.slice(statement[0]!.start, statement.at(-1)!.end)
  const onVirtualUpdate: string[] = []
  const statements: Token[][] = []
  let inVirtualUpdate: Token | null = null
  for (const statement of splitStatements(significant)) {
    const head = statement[0]!.text.toUpperCase()
    if (head.startsWith('JINJA_')) {
      throw new MateriaError(
        'model',
        `${path}:${statement[0]!.line} Jinja blocks (${head}) are not supported; write the statement in SQL with @ macros`,
      )
    }
    if (head === 'ON_VIRTUAL_UPDATE_BEGIN' && statement.length === 1) inVirtualUpdate = statement[0]!
    else if (head === 'ON_VIRTUAL_UPDATE_END' && statement.length === 1) inVirtualUpdate = null
    else if (inVirtualUpdate !== null) onVirtualUpdate.push(sourceOf(statement))
    else statements.push(statement)
  }
  if (inVirtualUpdate !== null) {
    throw new MateriaError(
      'model',
      `${path}:${inVirtualUpdate.line} ON_VIRTUAL_UPDATE_BEGIN; is never closed; add ON_VIRTUAL_UPDATE_END;`,
    )
  }
  const isDefinition = (statement: readonly Token[]) => statement[0]!.text.toUpperCase() === '@DEF'
  const real = statements.filter((statement) => !isDefinition(statement))
  if (isSeed) {
    const [first] = real
    if (first !== undefined) {
      throw new MateriaError(
        'model',
        `${path}:${first[0]!.line} a SEED model takes no query; remove it (the rows come from the seed file)`,
      )
    }
    const line = rest.find((token) => token.kind !== 'space')?.line ?? tokens.at(-1)!.line
    return { query: '', line, offset: text.length, pre: [], post: [], onVirtualUpdate }
  }
  if (real.length === 0) {
    const line = tokens.filter((token) => token.end <= headerEnd).at(-1)!.line
    throw new MateriaError(
      'model',
      `${path}:${line} the model has no query after its MODEL header; add one SELECT`,
    )
  }
  let queryIndex = real.findIndex((statement) => queryStarts.has(statement[0]!.text.toUpperCase()))
  if (queryIndex === -1 && real.length === 1) queryIndex = 0
  if (queryIndex === -1) {
    throw new MateriaError(
      'model',
      `${path}:${real[0]![0]!.line} none of the ${real.length} statements after the MODEL header is a query; add one SELECT`,
    )
  }
  const query = real[queryIndex]!
  const pre = real.slice(0, queryIndex)
  const queryStart = pre.length === 0 ? headerEnd : pre.at(-1)!.at(-1)!.end
  const firstToken = rest.find(
    (token) => token.start >= queryStart && token.kind !== 'space' && token.text !== ';',
  )!
  return {
    query: text.slice(firstToken.start, query.at(-1)!.end),
    line: firstToken.line,
    offset: firstToken.start,
    pre: pre.map(sourceOf),
    post: real.slice(queryIndex + 1).map(sourceOf),
    onVirtualUpdate,
  }
}

function splitStatements(tokens: readonly Token[]): Token[][] {
  const statements: Token[][] = [[]]
  let depth = 0
  for (const token of tokens) {
    if (token.text === '(') depth += 1
    if (token.text === ')') depth -= 1
    if (token.text === ';' && depth <= 0) statements.push([])
    else statements.at(-1)!.push(token)
  }
  return statements.filter((statement) => statement.length > 0)
}
