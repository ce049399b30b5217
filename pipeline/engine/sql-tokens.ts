// A small SQL tokenizer for model headers and macros. It only has to know where strings, quoted
// identifiers, comments and parentheses begin and end, so that a comma or an `@` inside a string or
// a comment is never taken for syntax. DuckDB's own parser judges the query itself (sql-ast.ts).
import { MateriaError } from '../errors.ts'

type TokenKind = 'word' | 'number' | 'string' | 'quoted' | 'macro' | 'punct' | 'comment' | 'space'

export interface Token {
  readonly kind: TokenKind
  readonly text: string
  readonly start: number // offset in the tokenized text
  readonly end: number
  readonly line: number // 1-based line of the token's first character
}

const twoCharPuncts = new Set([':=', '::', '=>', '<=', '>=', '<>', '!=', '||'])

// Character classes by code, without regular expressions: this runs over every byte of every model.
function isSpace(code: number): boolean {
  return code === 32 || (code >= 9 && code <= 13) || code === 0xa0 || code === 0xfeff
}

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

function isWordStart(code: number): boolean {
  return (code >= 97 && code <= 122) || (code >= 65 && code <= 90) || code === 95 || code >= 0xc0
}

function isWordPart(code: number): boolean {
  return isWordStart(code) || isDigit(code) || code === 36
}

// Where a quoted token ends. Strings and quoted identifiers double their quote to escape it
// ('it''s', "a""b"), as in standard SQL and DuckDB.
function quotedEnd(text: string, start: number, quote: string): number {
  let index = start + 1
  for (;;) {
    const close = text.indexOf(quote, index)
    if (close === -1) return -1
    if (text[close + 1] !== quote) return close + 1
    index = close + 2
  }
}

function whileCode(text: string, start: number, test: (code: number) => boolean): number {
  let end = start
  while (end < text.length && test(text.charCodeAt(end))) end += 1
  return end
}

function tokenEnd(text: string, start: number): { kind: TokenKind; end: number } {
  const code = text.charCodeAt(start)
  const next = start + 1 < text.length ? text.charCodeAt(start + 1) : -1
  if (isSpace(code)) return { kind: 'space', end: whileCode(text, start + 1, isSpace) }
  if (code === 45 && next === 45) {
    const newline = text.indexOf('\n', start)
    return { kind: 'comment', end: newline === -1 ? text.length : newline }
  }
  if (code === 47 && next === 42) {
    const close = text.indexOf('*/', start + 2)
    return { kind: 'comment', end: close === -1 ? -1 : close + 2 }
  }
  if (code === 39) return { kind: 'string', end: quotedEnd(text, start, "'") }
  if (code === 34) return { kind: 'quoted', end: quotedEnd(text, start, '"') }
  if (code === 64 && isWordStart(next)) return { kind: 'macro', end: whileCode(text, start + 2, isWordPart) }
  // @{name}: a macro variable rendered as an identifier (SQLMesh's curly brace syntax).
  if (code === 64 && next === 123 && isWordStart(text.charCodeAt(start + 2))) {
    const end = whileCode(text, start + 3, isWordPart)
    if (text.charCodeAt(end) === 125) return { kind: 'macro', end: end + 1 }
  }
  if (isWordStart(code)) return { kind: 'word', end: whileCode(text, start + 1, isWordPart) }
  if (isDigit(code) || (code === 46 && isDigit(next))) {
    let end = whileCode(text, start, (c) => isDigit(c) || c === 95)
    if (text.charCodeAt(end) === 46) end = whileCode(text, end + 1, (c) => isDigit(c) || c === 95)
    const exponent = /^[eE][+-]?[0-9]+/.exec(text.slice(end, end + 12))
    return { kind: 'number', end: end + (exponent?.[0].length ?? 0) }
  }
  // Every two-character operator ends in = : > or |; test that before slicing.
  const pairEnd = next === 61 || next === 58 || next === 62 || next === 124
  if (pairEnd && twoCharPuncts.has(text.slice(start, start + 2))) return { kind: 'punct', end: start + 2 }
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
    if (kind === 'space' || kind === 'comment' || kind === 'string' || kind === 'quoted') {
      for (let index = tokenText.indexOf('\n'); index !== -1; index = tokenText.indexOf('\n', index + 1))
        line += 1
    }
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
