// A small SQL tokenizer for model headers and macros. It only has to know where strings, quoted
// identifiers, comments and parentheses begin and end, so that a comma or an `@` inside a string or
// a comment is never taken for syntax. DuckDB's own parser judges the query itself (sql-ast.ts).
import { MateriaError } from '../errors.ts'

export type TokenKind = 'word' | 'number' | 'string' | 'quoted' | 'macro' | 'punct' | 'comment' | 'space'

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly start: number // offset in the tokenized text
  readonly end: number
  readonly line: number // 1-based line of the token's first character
}

const wordStart = /[A-Za-z_\u00C0-\uFFFF]/
const wordPart = /[A-Za-z0-9_$\u00C0-\uFFFF]/
const twoCharPuncts = new Set([':=', '::', '=>', '<=', '>=', '<>', '!=', '||'])

// Where each token kind ends, given its start. Strings and quoted identifiers double their quote
// to escape it ('it''s', "a""b"), as in standard SQL and DuckDB.
function quotedEnd(text: string, start: number, quote: string): number {
  let index = start + 1
  while (index < text.length) {
    if (text[index] === quote) {
      if (text[index + 1] === quote) index += 2
      else return index + 1
    } else index += 1
  }
  return -1
}

function tokenEnd(text: string, start: number): { kind: TokenKind; end: number } {
  const char = text[start]!
  const next = text[start + 1]
  if (/\s/.test(char)) {
    let end = start + 1
    while (end < text.length && /\s/.test(text[end]!)) end += 1
    return { kind: 'space', end }
  }
  if (char === '-' && next === '-') {
    const newline = text.indexOf('\n', start)
    return { kind: 'comment', end: newline === -1 ? text.length : newline }
  }
  if (char === '/' && next === '*') {
    const close = text.indexOf('*/', start + 2)
    return { kind: 'comment', end: close === -1 ? -1 : close + 2 }
  }
  if (char === "'") return { kind: 'string', end: quotedEnd(text, start, "'") }
  if (char === '"') return { kind: 'quoted', end: quotedEnd(text, start, '"') }
  if (char === '@' && next !== undefined && wordStart.test(next)) {
    let end = start + 2
    while (end < text.length && wordPart.test(text[end]!)) end += 1
    return { kind: 'macro', end }
  }
  if (wordStart.test(char)) {
    let end = start + 1
    while (end < text.length && wordPart.test(text[end]!)) end += 1
    return { kind: 'word', end }
  }
  if (/[0-9]/.test(char) || (char === '.' && next !== undefined && /[0-9]/.test(next))) {
    const match = /^(?:[0-9_]*\.?[0-9_]*)(?:[eE][+-]?[0-9]+)?/.exec(text.slice(start, start + 64))
    return { kind: 'number', end: start + Math.max(1, match?.[0].length ?? 1) }
  }
  if (next !== undefined && twoCharPuncts.has(char + next)) return { kind: 'punct', end: start + 2 }
  return { kind: 'punct', end: start + 1 }
}

// Every token of `text`, spaces and comments included, so that joining their texts gives the input
// back. An unterminated string, quoted identifier or block comment is a MateriaError at its line.
export function tokenize(text: string, path: string, firstLine = 1): Token[] {
  const tokens: Token[] = []
  let line = firstLine
  let start = 0
  while (start < text.length) {
    const { kind, end } = tokenEnd(text, start)
    if (end === -1) {
      const what =
        kind === 'comment' ? 'block comment /*' : kind === 'string' ? 'string' : 'quoted identifier'
      throw new MateriaError(
        'model',
        `${path}:${line} unterminated ${what}; close it before the end of the file`,
      )
    }
    const tokenText = text.slice(start, end)
    tokens.push({ kind, text: tokenText, start, end, line })
    for (let index = tokenText.indexOf('\n'); index !== -1; index = tokenText.indexOf('\n', index + 1))
      line += 1
    start = end
  }
  return tokens
}

export function isTrivia(token: Token): boolean {
  return token.kind === 'space' || token.kind === 'comment'
}

// The value of a string literal token: 'it''s' -> it's.
export function stringValue(token: Token): string {
  return token.text.slice(1, -1).replaceAll("''", "'")
}

// A SQL string literal for any text.
export function sqlString(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

// 1-based line of an offset in text.
export function lineAt(text: string, offset: number): number {
  let line = 1
  for (
    let index = text.indexOf('\n');
    index !== -1 && index < offset;
    index = text.indexOf('\n', index + 1)
  ) {
    line += 1
  }
  return line
}

// 1-based column of an offset in text.
export function columnAt(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1) + 1
}
