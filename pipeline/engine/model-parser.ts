// Parses a model file: a SQLMesh-compatible `MODEL ( ... );` header, optional `@DEF(name, value);`
// definitions, and exactly one query. Pure and synchronous; DuckDB checks the query later (load.ts).
import { MateriaError } from '../errors.ts'
import { type HeaderProperty, parseHeader } from './header.ts'
import type { Model } from './model.ts'
import {
  auditsProperty,
  columnsProperty,
  kindProperty,
  nameListProperty,
  stringProperty,
} from './model-properties.ts'
import { isTrivia, type Token, tokenize } from './sql-tokens.ts'

export const modelProperties = [
  'name',
  'kind',
  'cron',
  'start',
  'grain',
  'audits',
  'description',
  'owner',
  'tags',
  'depends_on',
  'columns',
] as const

export interface ModelDefaults {
  readonly cron: string
}

export interface ParsedModel {
  readonly model: Model
  readonly queryOffset: number // offset of model.query in the file text
  readonly propertyLines: Readonly<Record<string, number>>
}

const cronPattern = /^(@(hourly|daily|weekly|monthly|yearly)|(\S+\s+){4}\S+)$/
const namePattern = /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/

export function isValidCron(cron: string): boolean {
  return cronPattern.test(cron.trim())
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
  const byName = new Map<string, HeaderProperty>()
  for (const property of header.properties) {
    if (!(modelProperties as readonly string[]).includes(property.name)) {
      throw new MateriaError(
        'model',
        `${path}:${property.line} unknown property "${property.name}"; use ${modelProperties.join(' | ')}`,
      )
    }
    const earlier = byName.get(property.name)
    if (earlier !== undefined) {
      throw new MateriaError(
        'model',
        `${path}:${property.line} property "${property.name}" given twice (first on line ${earlier.line}); keep one`,
      )
    }
    byName.set(property.name, property)
  }
  const fields = headerFields(text, path, header.line, byName, defaults)
  const query = queryPart(text, tokens, header.end, path, fields.kind.name === 'SEED')
  const model: Model = { ...fields, query: query.text, path, queryLine: query.line }
  const propertyLines = Object.fromEntries([...byName].map(([name, property]) => [name, property.line]))
  return { model, queryOffset: query.offset, propertyLines }
}

function headerFields(
  text: string,
  path: string,
  headerLine: number,
  byName: ReadonlyMap<string, HeaderProperty>,
  defaults: ModelDefaults,
): Omit<Model, 'query' | 'path' | 'queryLine'> {
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
  const optional = <T>(key: string, read: (property: HeaderProperty) => T, fallback: T): T => {
    const property = byName.get(key)
    return property === undefined ? fallback : read(property)
  }
  const string = (key: string) => optional(key, (p) => stringProperty(p.value, path, p.line, key), null)
  const names = (key: string) => optional(key, (p) => nameListProperty(p.value, path, p.line, key), [])
  const cron = string('cron') ?? defaults.cron
  if (!isValidCron(cron)) {
    throw new MateriaError(
      'model',
      `${path}:${byName.get('cron')!.line} invalid cron '${cron}'; use @hourly | @daily | @weekly | @monthly or a 5-field cron expression`,
    )
  }
  const start = string('start')
  if (start !== null && !isValidDate(start)) {
    throw new MateriaError(
      'model',
      `${path}:${byName.get('start')!.line} invalid start '${start}'; use an ISO date like '2006-01-01'`,
    )
  }
  return {
    name: `${schema}.${table}`,
    schema,
    table,
    kind: optional('kind', (p) => kindProperty(p.value, path, p.line), { name: 'VIEW' as const }),
    cron,
    start,
    grain: names('grain'),
    audits: optional('audits', (p) => auditsProperty(text, p.value, path, p.line), []),
    description: string('description'),
    owner: string('owner'),
    tags: names('tags'),
    dependsOn: names('depends_on'),
    columns: optional('columns', (p) => columnsProperty(text, p.value, path, p.line), []),
  }
}

// The query after the header: from its first character (a leading comment included) to its last
// significant token, a final ';' excluded. @DEF(...); definitions may precede it; a second
// statement is an error.
function queryPart(text: string, tokens: readonly Token[], headerEnd: number, path: string, isSeed: boolean) {
  const rest = tokens.filter((token) => token.start >= headerEnd)
  const firstToken = rest.find((token) => token.kind !== 'space')
  const significant = rest.filter((token) => !isTrivia(token))
  const statements = splitStatements(significant).filter(
    (statement) => statement[0]?.text.toUpperCase() !== '@DEF',
  )
  if (isSeed) {
    if (statements.length > 0) {
      throw new MateriaError(
        'model',
        `${path}:${statements[0]![0]!.line} a SEED model takes no query; remove it (the rows come from the seed file)`,
      )
    }
    return { text: '', line: firstToken?.line ?? tokens.at(-1)!.line, offset: text.length }
  }
  if (statements.length === 0 || firstToken === undefined) {
    const line = tokens.filter((token) => token.end <= headerEnd).at(-1)!.line
    throw new MateriaError(
      'model',
      `${path}:${line} the model has no query after its MODEL header; add one SELECT`,
    )
  }
  if (statements.length > 1) {
    throw new MateriaError(
      'model',
      `${path}:${statements[1]![0]!.line} more than one statement after the MODEL header; a model file holds one query`,
    )
  }
  let last = significant.at(-1)!
  if (last.text === ';') last = significant.at(-2)!
  return { text: text.slice(firstToken.start, last.end), line: firstToken.line, offset: firstToken.start }
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
