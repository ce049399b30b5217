// Parses SQLMesh audits (docs/concepts/audits.md): one or more `AUDIT (...); SELECT ...;` blocks in
// a file under audits/, or inline after a model's query in its own file:
//   AUDIT (name does_not_exceed_threshold, defaults (threshold = 10, column = id), blocking false);
//   SELECT * FROM @this_model WHERE @column >= @threshold;
// The query selects the bad rows; the audit passes when it returns none. Its macros (@this_model,
// the audit's arguments such as @column) are rendered when the audit runs. Header properties:
// name, description, blocking, skip, standalone (with depends_on), defaults, dialect (duckdb; the
// query must be DuckDB SQL either way), owner and tags (metadata).
import { MateriaError } from '../errors.ts'
import { type HeaderNode, type HeaderProperty, nodesText, parseHeader } from './header.ts'
import { nameListProperty, stringProperty } from './model-properties.ts'
import type { CustomAudit } from './project.ts'
import { isTrivia, type Token, tokenize } from './sql-tokens.ts'

const auditProperties = [
  'name',
  'description',
  'blocking',
  'skip',
  'standalone',
  'depends_on',
  'defaults',
  'dialect',
  'owner',
  'tags',
] as const

function fail(path: string, line: number, message: string): never {
  throw new MateriaError('model', `${path}:${line} ${message}`)
}

function booleanProperty(property: HeaderProperty, path: string): boolean {
  const text = stringProperty(property.value, path, property.line, property.name).toLowerCase()
  if (text === 'true') return true
  if (text === 'false') return false
  return fail(path, property.line, `${property.name} must be true or false`)
}

// defaults (threshold = 10, column = id): each argument's SQL text.
function defaultsProperty(text: string, property: HeaderProperty, path: string): Record<string, string> {
  const [group] = property.value
  if (property.value.length !== 1 || group?.kind !== 'group')
    return fail(path, property.line, 'defaults must be a list like (threshold = 10, column = id)')
  const defaults: Record<string, string> = {}
  for (const item of group.items) {
    if (item.length === 0) continue
    const [nameNode, assign, ...value] = item as HeaderNode[]
    const ok =
      nameNode?.kind === 'token' &&
      (nameNode.token.kind === 'word' || nameNode.token.kind === 'quoted') &&
      assign?.kind === 'token' &&
      (assign.token.text === '=' || assign.token.text === ':=') &&
      value.length > 0
    if (!ok) return fail(path, property.line, 'malformed default; write name = value')
    defaults[nameNode.token.text.replaceAll('"', '').toLowerCase()] = nodesText(text, value)
  }
  return defaults
}

function auditFromHeader(text: string, path: string, properties: readonly HeaderProperty[], line: number) {
  const byName = new Map<string, HeaderProperty>()
  for (const property of properties) {
    if (!(auditProperties as readonly string[]).includes(property.name)) {
      fail(path, property.line, `unknown property "${property.name}"; use ${auditProperties.join(' | ')}`)
    }
    byName.set(property.name, property)
  }
  const nameProperty = byName.get('name')
  if (nameProperty === undefined) return fail(path, line, 'the AUDIT header has no name; add name my_audit')
  const names = nameListProperty(nameProperty.value, path, nameProperty.line, 'name')
  if (names.length !== 1 || !/^[a-z_][a-z0-9_]*$/.test(names[0]!))
    fail(path, nameProperty.line, 'audit name must be one word (letters, digits, _)')
  const dialect = byName.get('dialect')
  if (dialect !== undefined) {
    const value = stringProperty(dialect.value, path, dialect.line, 'dialect').toLowerCase()
    if (value !== 'duckdb')
      fail(
        path,
        dialect.line,
        `dialect ${value} is not supported: audits run on DuckDB; write the query in DuckDB SQL and remove dialect`,
      )
  }
  const flag = (key: string, fallback: boolean) => {
    const property = byName.get(key)
    return property === undefined ? fallback : booleanProperty(property, path)
  }
  const description = byName.get('description')
  const dependsOn = byName.get('depends_on')
  const defaults = byName.get('defaults')
  const standalone = flag('standalone', false)
  return {
    name: names[0]!,
    description:
      description === undefined
        ? null
        : stringProperty(description.value, path, description.line, 'description'),
    // Standalone audits are non-blocking only: no single model can be blocked (audits.md).
    blocking: standalone ? false : flag('blocking', true),
    skip: flag('skip', false),
    standalone,
    dependsOn:
      dependsOn === undefined ? [] : nameListProperty(dependsOn.value, path, dependsOn.line, 'depends_on'),
    defaults: defaults === undefined ? {} : defaultsProperty(text, defaults, path),
  }
}

function isAuditStart(tokens: readonly Token[], index: number): boolean {
  return (
    tokens[index]?.kind === 'word' &&
    tokens[index]!.text.toUpperCase() === 'AUDIT' &&
    tokens[index + 1]?.text === '('
  )
}

// Every audit in `text`: each an AUDIT header and one query, separated by semicolons.
export function parseAudits(text: string, path: string): CustomAudit[] {
  const tokens = tokenize(text, path)
  const significant = tokens.filter((token) => !isTrivia(token))
  if (significant.length === 0) {
    return fail(path, 1, 'empty audit file; write AUDIT (name my_audit); and a query selecting the bad rows')
  }
  const audits: CustomAudit[] = []
  let index = 0
  while (index < significant.length) {
    const start = significant[index]!
    if (!isAuditStart(significant, index))
      fail(path, start.line, 'expected the header AUDIT (name my_audit); before each audit query')
    const header = parseHeader(
      tokens.filter((token) => token.start >= start.start),
      path,
      'AUDIT',
    )
    const fields = auditFromHeader(text, path, header.properties, header.line)
    let cursor = significant.findIndex((token) => token.start >= header.end)
    if (cursor === -1) cursor = significant.length
    const first = significant[cursor]
    if (first === undefined || first.text === ';' || isAuditStart(significant, cursor))
      fail(path, header.line, 'the audit has no query; add a SELECT returning the bad rows')
    let depth = 0
    let end = cursor
    while (end < significant.length) {
      const token = significant[end]!
      if (token.text === '(') depth += 1
      if (token.text === ')') depth -= 1
      if (token.text === ';' && depth <= 0) break
      end += 1
    }
    const last = significant[end - 1]!
    audits.push({ ...fields, query: text.slice(first!.start, last.end), path, queryLine: first!.line })
    index = end + 1
  }
  const names = new Map<string, CustomAudit>()
  for (const audit of audits) {
    const earlier = names.get(audit.name)
    if (earlier !== undefined)
      fail(path, audit.queryLine, `audit ${audit.name} is defined twice in this file; rename one`)
    names.set(audit.name, audit)
  }
  return audits
}

// One audit file holding exactly one audit (the common case); parseAudits reads several.
export function parseAuditFile(text: string, path: string): CustomAudit {
  const audits = parseAudits(text, path)
  if (audits.length !== 1) return fail(path, 1, `expected one audit, found ${audits.length}`)
  return audits[0]!
}

// Replaces every character but newlines with a space: offsets and line numbers stay as they were.
function blank(text: string): string {
  return text.replace(/[^\n]/g, ' ')
}

// A model file's inline audits (AUDIT blocks after its query) and the file without them, blanked
// in place so that line numbers of the rest stay true.
export function splitInlineAudits(text: string, path: string): { modelText: string; audits: CustomAudit[] } {
  if (!/\bAUDIT\s*\(/i.test(text)) return { modelText: text, audits: [] }
  const significant = tokenize(text, path).filter((token) => !isTrivia(token))
  // Statement starts: the first token, and each token after a top-level ';'.
  let depth = 0
  let auditStart = -1
  for (const [index, token] of significant.entries()) {
    const statementStart = index === 0 || (significant[index - 1]!.text === ';' && depth === 0)
    if (statementStart && index > 0 && isAuditStart(significant, index)) {
      auditStart = token.start
      break
    }
    if (token.text === '(') depth += 1
    if (token.text === ')') depth -= 1
  }
  if (auditStart === -1) return { modelText: text, audits: [] }
  const auditText = blank(text.slice(0, auditStart)) + text.slice(auditStart)
  return {
    modelText: text.slice(0, auditStart) + blank(text.slice(auditStart)),
    audits: parseAudits(auditText, path),
  }
}
