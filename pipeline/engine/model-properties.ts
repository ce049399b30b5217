// Interpreting the values of MODEL header properties that have structure: kind, audits, columns,
// and the plain strings and name lists. Each reads a HeaderNode sequence and returns plain data,
// or raises MateriaError naming the file and line.
import { MateriaError } from '../errors.ts'
import { type HeaderNode, nodesLine, nodesName, nodesNameList, nodesText } from './header.ts'
import type { AuditCall, ModelColumn, ModelKind } from './model.ts'
import { stringValue } from './sql-tokens.ts'

export const kindNames = [
  'FULL',
  'VIEW',
  'SEED',
  'INCREMENTAL_BY_TIME_RANGE',
  'INCREMENTAL_BY_UNIQUE_KEY',
] as const

const kindOptions: Readonly<Record<string, readonly string[]>> = {
  FULL: [],
  VIEW: [],
  SEED: ['path'],
  INCREMENTAL_BY_TIME_RANGE: ['time_column', 'batch_size', 'lookback'],
  INCREMENTAL_BY_UNIQUE_KEY: ['unique_key'],
}

function fail(path: string, line: number, message: string): never {
  throw new MateriaError('model', `${path}:${line} ${message}`)
}

// A single string literal, or a bare word/number for convenience (owner alice).
export function stringProperty(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  what: string,
): string {
  const [node] = nodes
  if (nodes.length === 1 && node?.kind === 'token') {
    if (node.token.kind === 'string') return stringValue(node.token)
    if (node.token.kind === 'word' || node.token.kind === 'number') return node.token.text
  }
  return fail(path, line, `${what} must be a string like '...'`)
}

export function nameListProperty(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  what: string,
): string[] {
  const names = nodesNameList(nodes)
  if (names === null) fail(path, line, `${what} must be a name or a list of names like (a, b)`)
  return names
}

function kindOptionValues(
  group: HeaderNode | undefined,
  kind: string,
  path: string,
  line: number,
): Map<string, readonly HeaderNode[]> {
  const values = new Map<string, readonly HeaderNode[]>()
  if (group === undefined) return values
  if (group.kind !== 'group') return fail(path, line, `kind ${kind} takes its options in parentheses`)
  const allowed = kindOptions[kind]!
  for (const item of group.items) {
    const [nameNode, ...value] = item
    if (nameNode === undefined) continue
    const name = nameNode.kind === 'token' ? nameNode.token.text.toLowerCase() : '('
    if (!allowed.includes(name)) {
      const use = allowed.length === 0 ? 'it takes none' : `use ${allowed.join(' | ')}`
      fail(path, nodesLine(item, line), `unknown option "${name}" of kind ${kind}; ${use}`)
    }
    if (value.length === 0) fail(path, nodesLine(item, line), `option ${name} of kind ${kind} has no value`)
    values.set(name, value)
  }
  return values
}

function integerOption(
  nodes: readonly HeaderNode[] | undefined,
  path: string,
  line: number,
  name: string,
): number | null {
  if (nodes === undefined) return null
  const [node] = nodes
  if (nodes.length === 1 && node?.kind === 'token' && /^[0-9]+$/.test(node.token.text))
    return Number(node.token.text)
  return fail(path, line, `${name} must be a whole number`)
}

export function kindProperty(nodes: readonly HeaderNode[], path: string, line: number): ModelKind {
  const [nameNode, group, extra] = nodes
  const written = nameNode?.kind === 'token' ? nameNode.token.text : nodesText('', nodes)
  const name = written.toUpperCase()
  if (nameNode?.kind !== 'token' || !(kindNames as readonly string[]).includes(name)) {
    return fail(path, line, `unknown kind "${written}"; use ${kindNames.join(' | ')}`)
  }
  if (extra !== undefined) fail(path, line, `unexpected text after kind ${name}`)
  const options = kindOptionValues(group, name, path, line)
  switch (name) {
    case 'FULL':
    case 'VIEW':
      return { name }
    case 'SEED': {
      const pathNodes = options.get('path')
      if (pathNodes === undefined)
        return fail(path, line, `kind SEED needs a file: SEED (path 'seeds/x.csv')`)
      return { name, path: stringProperty(pathNodes, path, line, 'SEED path') }
    }
    case 'INCREMENTAL_BY_TIME_RANGE': {
      const column = options.get('time_column')
      const timeColumn = column === undefined ? null : nodesName(column)
      if (timeColumn === null)
        return fail(path, line, `kind ${name} needs (time_column c): the column holding each row's time`)
      const batchSize = integerOption(options.get('batch_size'), path, line, 'batch_size')
      const lookback = integerOption(options.get('lookback'), path, line, 'lookback') ?? 0
      if (batchSize === 0) fail(path, line, 'batch_size must be at least 1')
      return { name, timeColumn, batchSize, lookback }
    }
    case 'INCREMENTAL_BY_UNIQUE_KEY': {
      const key = options.get('unique_key')
      if (key === undefined) return fail(path, line, `kind ${name} needs (unique_key (a, b))`)
      return { name, uniqueKey: nameListProperty(key, path, line, 'unique_key') }
    }
    default:
      throw new Error(`assertion failed: kind ${name} handled`)
  }
}

// audits (not_null(columns := (a, b)), accepted_range(column := x, min_v := 0), my_audit)
export function auditsProperty(
  text: string,
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
): AuditCall[] {
  const [group] = nodes
  if (nodes.length !== 1 || group?.kind !== 'group')
    return fail(path, line, 'audits must be a list like (not_null(columns := (a)))')
  return group.items
    .filter((item) => item.length > 0)
    .map((item) => {
      const [nameNode, argsNode, extra] = item
      const itemLine = nodesLine(item, line)
      if (nameNode?.kind !== 'token' || nameNode.token.kind !== 'word' || extra !== undefined) {
        return fail(
          path,
          itemLine,
          `malformed audit "${nodesText(text, item)}"; write name(arg := value, ...)`,
        )
      }
      const written = nameNode.token.text.toLowerCase()
      const blocking = !written.endsWith('_non_blocking')
      const name = blocking ? written : written.slice(0, -'_non_blocking'.length)
      const args = argsNode === undefined ? {} : auditArguments(text, argsNode, path, itemLine, name)
      return { name, args, blocking }
    })
}

function auditArguments(
  text: string,
  node: HeaderNode,
  path: string,
  line: number,
  audit: string,
): Record<string, string> {
  if (node.kind !== 'group') return fail(path, line, `audit ${audit} takes its arguments in parentheses`)
  const args: Record<string, string> = {}
  for (const item of node.items) {
    if (item.length === 0) continue
    const [nameNode, assign, ...value] = item
    const ok = nameNode?.kind === 'token' && nameNode.token.kind === 'word' && assign?.kind === 'token'
    if (!ok || !(assign.token.text === ':=' || assign.token.text === '=') || value.length === 0) {
      return fail(path, nodesLine(item, line), `malformed argument of audit ${audit}; write name := value`)
    }
    args[nameNode.token.text.toLowerCase()] = nodesText(text, value)
  }
  return args
}

// columns (a INT, b DECIMAL(10, 2))
export function columnsProperty(
  text: string,
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
): ModelColumn[] {
  const [group] = nodes
  if (nodes.length !== 1 || group?.kind !== 'group')
    return fail(path, line, 'columns must be a list like (a INT, b TEXT)')
  return group.items
    .filter((item) => item.length > 0)
    .map((item) => {
      const [nameNode, ...type] = item
      const name = nameNode === undefined ? null : nodesName([nameNode])
      if (name === null || type.length === 0) {
        return fail(
          path,
          nodesLine(item, line),
          `malformed column "${nodesText(text, item)}"; write name TYPE`,
        )
      }
      return { name, type: nodesText(text, type) }
    })
}
