// Formatting model files: a canonical MODEL header (one property per line, values aligned, known
// properties in a fixed order) and the query laid out by sql-formatter's DuckDB dialect with upper
// case keywords. Formatting is idempotent and never changes what the query means: sameQuery checks
// that DuckDB parses both texts to the same tree, and `materia format` refuses to write otherwise.
import type { DuckDBConnection } from '@duckdb/node-api'
import { duckdb, type FormatOptionsWithDialect, formatDialect } from 'sql-formatter'
import { MateriaError } from '../errors.ts'
import { commentStart, layoutQuery } from './format-layout.ts'
import {
  normalizeSpacing,
  scanSql,
  splitModelFile,
  splitStatements,
  splitTopLevel,
} from './model-file-text.ts'
import { quoteLiteral } from './sql-quote.ts'
import { isTrivia, tokenize } from './sql-tokens.ts'

// Macro references (@start_ds, @VAR(...), @DEF(...)) are parameters to the formatter, so it keeps
// them whole; it then separates a macro from its '(' and that space is removed again.
// The DuckDB dialect by its object, not by name: `format` by name needs sql-formatter's table of all
// its ~20 dialects, each building its keyword phrases when loaded (~0.1 s of every CLI start); the
// bundle keeps only this one.
const formatterOptions: FormatOptionsWithDialect = {
  dialect: duckdb,
  keywordCase: 'upper',
  dataTypeCase: 'upper',
  functionCase: 'preserve',
  identifierCase: 'preserve',
  tabWidth: 2,
  useTabs: false,
  linesBetweenQueries: 1,
  // Parenthesized expressions up to this width stay on one line, as the project's models have them.
  expressionWidth: 100,
  paramTypes: { custom: [{ regex: '@[A-Za-z_][A-Za-z0-9_]*' }] },
}

// The statements after the header, each on its own: pre-statements, the query, post-statements,
// ON_VIRTUAL_UPDATE_BEGIN; ... ON_VIRTUAL_UPDATE_END; and AUDIT (...) blocks, whose header is laid out
// like MODEL's with its query right below it (as SQLMesh's audits page writes them).
// `at(offset)`: the file's line and column of an offset in `query`, for the formatter's errors.
function formatQuery(query: string, at: (offset: number) => string): string {
  const pieces = splitTopLevel(query, ';')
  const lastStatement = pieces.findLastIndex((piece) => !isCommentOnly(piece))
  const closed = /;\s*$/.test(stripComments(query))
  let out = ''
  let previous = ''
  let cursor = 0
  for (const [index, piece] of pieces.entries()) {
    // splitTopLevel trims each piece: find it again in the query, after the previous one.
    const start = Math.max(0, query.indexOf(piece, cursor))
    cursor = start + piece.length
    if (isCommentOnly(piece)) {
      out += `${out === '' ? '' : '\n\n'}${piece.trim()}`
      continue
    }
    const head = piece.replace(/^(?:\s*(?:--[^\n]*|\/\*[\s\S]*?\*\/))*\s*/, '')
    const audit = /^AUDIT\s*\(/i.test(head)
    const marker = /^ON_VIRTUAL_UPDATE_(?:BEGIN|END)$/i.test(head)
    const text = audit
      ? `${piece.slice(0, piece.length - head.length).trim()}\n${formatBlock('AUDIT', head.slice(head.indexOf('(') + 1, head.lastIndexOf(')')))}`.trim()
      : marker
        ? `${piece.slice(0, piece.length - head.length).trim()}\n${head.toUpperCase()}`.trim()
        : formatStatement(piece, (line, column) => at(offsetOf(piece, line, column) + start))
    const tight = /^AUDIT|^ON_VIRTUAL_UPDATE_BEGIN/i.test(previous) || /^ON_VIRTUAL_UPDATE_END$/i.test(head)
    out += `${out === '' ? '' : tight ? '\n' : '\n\n'}${text}`
    if (index < lastStatement || closed) out += commentStart(lastLine(text)) === -1 ? ';' : '\n;'
    previous = audit ? 'AUDIT' : marker ? head.toUpperCase() : ''
  }
  return out
}

// The offset of 1-based `line` and `column` in `text`.
function offsetOf(text: string, line: number, column: number): number {
  let offset = 0
  for (let current = 1; current < line; current += 1) {
    const next = text.indexOf('\n', offset)
    if (next === -1) break
    offset = next + 1
  }
  return Math.min(text.length, offset + column - 1)
}

// sql-formatter's parse errors end "at line L column C", counted in the statement it was given:
// `at` turns that into the file's line:column, which leads the message as in every model error.
function formatStatement(statement: string, at: (line: number, column: number) => string): string {
  let formatted: string
  try {
    formatted = formatDialect(statement, formatterOptions)
  } catch (error) {
    const first = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    const position = / at line (\d+) column (\d+)$/.exec(first)
    const where = position === null ? at(1, 1) : at(Number(position[1]), Number(position[2]))
    const message = position === null ? first : first.slice(0, position.index)
    throw new MateriaError(
      'model',
      `${where} cannot format the query: ${message}; fix the SQL or format it by hand`,
    )
  }
  return layoutQuery(formatted.replace(/(@[A-Za-z_][A-Za-z0-9_]*) \(/g, '$1(').trim())
}

function lastLine(text: string): string {
  return text.slice(text.lastIndexOf('\n') + 1)
}

function stripComments(text: string): string {
  let out = ''
  for (const piece of scanSql(text)) {
    if (piece.kind !== 'comment') out += text.slice(piece.start, piece.end)
  }
  return out
}

function isCommentOnly(piece: string): boolean {
  return stripComments(piece).trim() === ''
}

// The header as the project writes it: one property per line in the order written, `key value`.
// A parenthesized value written over several lines keeps one item per line (recursively, so
// `kind SEED (\n path ...,\n csv_settings (\n ...\n )\n)` stays as laid out); one written on one
// line stays on one line. The kind's name is upper case.
export function formatHeader(header: string): string {
  return `${formatBlock('MODEL', header)};`
}

// `MODEL (...)` or `AUDIT (...)`: the properties one per line, without the closing semicolon.
function formatBlock(keyword: string, header: string): string {
  const lines = splitTopLevel(header).map((item) => {
    const match = /^([A-Za-z_][A-Za-z0-9_]*)\s*([\s\S]*)$/.exec(item)
    if (match === null) return `  ${layoutItem(item, 2)}`
    const key = (match[1] ?? '').toLowerCase()
    let value = match[2] ?? ''
    if (key === 'kind')
      value = value.replace(/^([A-Za-z_0-9]+)\s*/, (_, kind: string) => `${kind.toUpperCase()} `)
    return `  ${`${key} ${layoutItem(value, 2)}`.trimEnd()}`
  })
  return `${keyword} (\n${lines.join(',\n')}\n)`
}

// One header item: spacing normalized, or, when its closing bracket ends it and its body spans
// lines, its top-level items one per line at `indent` + 2.
function layoutItem(item: string, indent: number): string {
  const text = item.trim()
  const open = bodyOpen(text)
  if (open === -1 || !text.slice(open + 1, -1).includes('\n')) return normalizeSpacing(text)
  const inner = splitTopLevel(text.slice(open + 1, -1))
  if (inner.length === 0) return normalizeSpacing(text)
  const pad = ' '.repeat(indent + 2)
  const prefix = normalizeSpacing(text.slice(0, open))
  const head = prefix === '' ? '' : /\s$/.test(text.slice(0, open)) ? `${prefix} ` : prefix
  const body = inner.map((part) => `${pad}${layoutItem(part, indent + 2)}`).join(',\n')
  return `${head}${text[open]}\n${body}\n${' '.repeat(indent)}${text.at(-1)}`
}

// The index of the bracket whose match is the text's last character, or -1: the last bracket opened
// at the depth where the text's last character closes one.
function bodyOpen(text: string): number {
  const openAt = new Map<number, number>()
  for (const piece of scanSql(text)) {
    if (piece.kind !== 'code') continue
    const char = text[piece.start]
    if (char === '(' || char === '[') openAt.set(piece.depth, piece.start)
    else if ((char === ')' || char === ']') && piece.end === text.length) return openAt.get(piece.depth) ?? -1
  }
  return -1
}

// The whole file: leading comments kept, header canonical, query formatted, one final newline.
// A header holding comments is kept as written, since moving its lines could misplace them.
// `path` names the file in an error: "models/x.sql:3:12 cannot format the query: ...".
export function formatModelFile(text: string, path = 'model'): string {
  const normalized = text.replace(/\r\n/g, '\n')
  const parts = splitModelFile(normalized)
  const queryOffset = normalized.length - parts.query.length
  const at = (offset: number): string => {
    const before = normalized.slice(0, queryOffset + offset)
    const line = before.split('\n').length
    return `${path}:${line}:${before.length - before.lastIndexOf('\n')}`
  }
  const query = formatQuery(parts.query, at)
  if (parts.header === null) return `${query}\n`
  const header = parts.headerHasComments ? `MODEL (${parts.header});` : formatHeader(parts.header)
  const leading = parts.leading.trim() === '' ? '' : `${parts.leading.trim()}\n`
  return `${leading}${header}\n\n${query}\n`.replace(/\n{3,}$/, '\n')
}

// What a model file's statements mean, layout aside: for each statement DuckDB's parse tree with
// macros masked (so it parses) and source positions dropped. Statements DuckDB cannot serialize
// (SET, CREATE, COMMENT ON and the other pre- and post-statements, @DEF(...) definitions,
// ON_VIRTUAL_UPDATE markers) count as their tokens, words in upper case, comments and spaces
// dropped: the formatter only moves whitespace and changes keyword case, so equal tokens mean the
// same statement.
async function queryTree(connection: DuckDBConnection, query: string): Promise<string> {
  const trees: unknown[] = []
  for (const statement of splitStatements(query)) {
    const masked = statement.replace(/@([A-Za-z_][A-Za-z0-9_]*)/g, '__macro_$1')
    const reader = await connection.runAndReadAll(
      `SELECT json_serialize_sql(${quoteLiteral(masked)}) AS tree`,
    )
    const tree = JSON.parse(String(reader.getRowObjectsJson()[0]?.tree)) as { error?: boolean }
    if (tree.error === true || /^@DEF\s*\(/i.test(statement))
      trees.push({ tokens: statementTokens(statement) })
    else
      trees.push(
        JSON.parse(
          JSON.stringify(tree, (key, value: unknown) => (key === 'query_location' ? undefined : value)),
        ),
      )
  }
  return JSON.stringify(trees)
}

function statementTokens(statement: string): string[] {
  return tokenize(statement, 'statement')
    .filter((token) => !isTrivia(token))
    .map((token) => (token.kind === 'word' ? token.text.toUpperCase() : token.text))
}

export async function sameQuery(
  connection: DuckDBConnection,
  before: string,
  after: string,
): Promise<boolean> {
  return (await queryTree(connection, before)) === (await queryTree(connection, after))
}
