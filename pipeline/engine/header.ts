// The `MODEL ( ... );` and `AUDIT ( ... );` headers: a keyword, a parenthesized list of
// `property value` items separated by top-level commas, and a semicolon. Values stay as token trees
// (nested parentheses become groups) for model-parser.ts and audit-parser.ts to interpret.
import { MateriaError } from '../errors.ts'
import { isTrivia, type Token } from './sql-tokens.ts'

export type HeaderNode =
  | { readonly kind: 'token'; readonly token: Token }
  | {
      readonly kind: 'group'
      readonly items: readonly (readonly HeaderNode[])[]
      readonly open: Token
      readonly close: Token
    }

export interface HeaderProperty {
  readonly name: string // lower case
  readonly line: number
  readonly start: number // offset of the property's name in the file, for a column in messages
  readonly value: readonly HeaderNode[]
}

export interface Header {
  readonly properties: readonly HeaderProperty[]
  readonly line: number // line of the keyword
  readonly end: number // offset just after the closing semicolon
}

// Parses a parenthesized group starting at tokens[index] (an opening parenthesis), splitting its
// content on top-level commas. Returns the group and the index after its closing parenthesis.
function parseGroup(
  tokens: readonly Token[],
  index: number,
  path: string,
): { node: HeaderNode; next: number } {
  const open = tokens[index]!
  const items: HeaderNode[][] = [[]]
  let cursor = index + 1
  while (cursor < tokens.length) {
    const token = tokens[cursor]!
    // SQLMesh writes lists in parentheses or brackets: columns [name, price].
    if (token.text === ')' || token.text === ']')
      return { node: { kind: 'group', items, open, close: token }, next: cursor + 1 }
    if (token.text === '(' || token.text === '[') {
      const inner = parseGroup(tokens, cursor, path)
      items.at(-1)!.push(inner.node)
      cursor = inner.next
    } else if (token.text === ',') {
      items.push([])
      cursor += 1
    } else if (token.text === ';') {
      throw new MateriaError(
        'model',
        `${path}:${token.line} unexpected ';' inside the parentheses opened on line ${open.line}; close them with ')'`,
      )
    } else {
      items.at(-1)!.push({ kind: 'token', token })
      cursor += 1
    }
  }
  throw new MateriaError('model', `${path}:${open.line} parenthesis never closed; add the matching ')'`)
}

// Parses `KEYWORD ( property value, ... ) ;` at the start of the tokens. `keyword` is upper case.
export function parseHeader(allTokens: readonly Token[], path: string, keyword: string): Header {
  const tokens = allTokens.filter((token) => !isTrivia(token))
  const first = tokens[0]
  const example = keyword === 'MODEL' ? 'MODEL (name schema.table, kind FULL);' : 'AUDIT (name my_audit);'
  if (first === undefined || first.kind !== 'word' || first.text.toUpperCase() !== keyword) {
    const line = first?.line ?? 1
    throw new MateriaError('model', `${path}:${line} expected the header ${example} at the start of the file`)
  }
  if (tokens[1]?.text !== '(') {
    throw new MateriaError(
      'model',
      `${path}:${tokens[1]?.line ?? first.line} expected '(' after ${keyword}; write ${example}`,
    )
  }
  const { node, next } = parseGroup(tokens, 1, path)
  const semicolon = tokens[next]
  if (semicolon?.text !== ';') {
    const line = semicolon?.line ?? tokens[next - 1]!.line
    throw new MateriaError('model', `${path}:${line} expected ';' after the ${keyword} (...) header`)
  }
  if (node.kind !== 'group') throw new Error('assertion failed: header is a group')
  const properties = node.items.map((item) => headerProperty(item, path, node.open))
  return {
    properties: properties.filter((property) => property !== null),
    line: first.line,
    end: semicolon.end,
  }
}

function headerProperty(item: readonly HeaderNode[], path: string, open: Token): HeaderProperty | null {
  const [nameNode, ...value] = item
  if (nameNode === undefined) {
    // A trailing comma leaves one empty item; that is harmless.
    return null
  }
  if (nameNode.kind !== 'token' || nameNode.token.kind !== 'word') {
    const line = nameNode.kind === 'token' ? nameNode.token.line : nameNode.open.line
    throw new MateriaError(
      'model',
      `${path}:${line} expected a property name in the header opened on line ${open.line}`,
    )
  }
  if (value.length === 0) {
    throw new MateriaError(
      'model',
      `${path}:${nameNode.token.line} property "${nameNode.token.text}" has no value`,
    )
  }
  const { line, start } = nameNode.token
  return { name: nameNode.token.text.toLowerCase(), line, start, value }
}

// The first line a node sequence starts on.
export function nodesLine(nodes: readonly HeaderNode[], fallback: number): number {
  const first = nodes[0]
  if (first === undefined) return fallback
  return first.kind === 'token' ? first.token.line : first.open.line
}

function nodeBounds(node: HeaderNode): { start: number; end: number } {
  if (node.kind === 'token') return { start: node.token.start, end: node.token.end }
  return { start: node.open.start, end: node.close.end }
}

// The source text a node sequence was parsed from, e.g. "(a, b)" or "'x'".
export function nodesText(text: string, nodes: readonly HeaderNode[]): string {
  if (nodes.length === 0) return ''
  const start = nodeBounds(nodes[0]!).start
  const end = nodeBounds(nodes.at(-1)!).end
  return text.slice(start, end)
}

// A (possibly qualified) name from tokens `a`, `a.b` or `"A"."b"`, lower case; null if not a name.
export function nodesName(nodes: readonly HeaderNode[]): string | null {
  const parts: string[] = []
  for (const [index, node] of nodes.entries()) {
    if (node.kind !== 'token') return null
    const expectDot = index % 2 === 1
    if (expectDot && node.token.text !== '.') return null
    if (!expectDot && node.token.kind === 'word') parts.push(node.token.text.toLowerCase())
    else if (!expectDot && node.token.kind === 'quoted')
      parts.push(node.token.text.slice(1, -1).toLowerCase())
    else if (!expectDot) return null
  }
  return nodes.length % 2 === 1 ? parts.join('.') : null
}

// A list of names written `(a, b.c)` or as a single name `a`; null if malformed.
export function nodesNameList(nodes: readonly HeaderNode[]): string[] | null {
  const [first] = nodes
  if (nodes.length === 1 && first?.kind === 'group') {
    const names = first.items.filter((item) => item.length > 0).map(nodesName)
    return names.every((name) => name !== null) ? (names as string[]) : null
  }
  const name = nodesName(nodes)
  return name === null ? null : [name]
}
