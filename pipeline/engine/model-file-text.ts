// Lossless splitting of a model file's text into what precedes the header, the MODEL (...) header's
// properties, and the query, for tools that rewrite text (the formatter, the linter's positions).
// It understands SQL quoting and comments, so a ')' inside 'text' or a comment never ends the header.

export interface ModelFileText {
  readonly leading: string // comments and blank lines before MODEL, kept verbatim
  readonly header: string | null // the text inside MODEL ( ... ), null when the file has no header
  readonly headerHasComments: boolean
  readonly query: string // everything after the header's closing ')' and optional ';'
  readonly queryLine: number // 1-based line where `query` starts
}

// Index just past the quoted text or comment starting at `i`, or i when none starts there.
function skipQuotedOrComment(text: string, i: number): number {
  const char = text[i]
  if (char === "'" || char === '"') {
    let j = i + 1
    while (j < text.length) {
      if (text[j] === char) {
        if (text[j + 1] === char) j += 2
        else return j + 1
      } else j += 1
    }
    return text.length
  }
  if (char === '-' && text[i + 1] === '-') {
    const end = text.indexOf('\n', i)
    return end === -1 ? text.length : end
  }
  if (char === '/' && text[i + 1] === '*') {
    const end = text.indexOf('*/', i + 2)
    return end === -1 ? text.length : end + 2
  }
  return i
}

// One piece of SQL text: a single code character, or a whole quoted text or comment.
export interface SqlPiece {
  readonly kind: 'code' | 'quoted' | 'comment'
  readonly start: number
  readonly end: number // just past the piece
  // Brackets ('(' and '[' alike) open around it; a bracket and its match stand at the depth outside them.
  readonly depth: number
}

// The one scan over SQL text the engine's text tools share: from `from` on, quoted text ('...',
// "...", doubled quotes inside) and comments (--, /* */) come whole, every other character alone,
// each with its bracket depth counted from `from`.
export function* scanSql(text: string, from = 0): Generator<SqlPiece> {
  let depth = 0
  let i = from
  while (i < text.length) {
    const skipped = skipQuotedOrComment(text, i)
    if (skipped !== i) {
      const kind = text[i] === "'" || text[i] === '"' ? 'quoted' : 'comment'
      yield { kind, start: i, end: skipped, depth }
      i = skipped
      continue
    }
    const char = text[i]
    if (char === ')' || char === ']') depth -= 1
    yield { kind: 'code', start: i, end: i + 1, depth }
    if (char === '(' || char === '[') depth += 1
    i += 1
  }
}

// Index of the first character from `from` on that is neither space nor inside a comment (a quote
// counts), or the text's length.
export function skipBlank(text: string, from = 0): number {
  for (const piece of scanSql(text, from)) {
    if (piece.kind === 'comment' || (piece.kind === 'code' && /\s/.test(text[piece.start] ?? ''))) continue
    return piece.start
  }
  return text.length
}

export function splitModelFile(text: string): ModelFileText {
  const i = skipBlank(text)
  const match = /^MODEL\s*\(/i.exec(text.slice(i))
  if (match === null)
    return { leading: '', header: null, headerHasComments: false, query: text, queryLine: 1 }
  const open = i + match[0].length - 1
  let close = -1
  let hasComments = false
  for (const piece of scanSql(text, open)) {
    if (piece.kind === 'comment') hasComments = true
    else if (piece.kind === 'code' && piece.depth === 0 && text[piece.start] === ')') {
      close = piece.start
      break
    }
  }
  if (close === -1) return { leading: '', header: null, headerHasComments: false, query: text, queryLine: 1 }
  const j = close + 1
  const semicolon = /^\s*;/.exec(text.slice(j))
  const queryStart = semicolon === null ? j : j + semicolon[0].length
  return {
    leading: text.slice(0, i),
    header: text.slice(open + 1, close),
    headerHasComments: hasComments,
    query: text.slice(queryStart),
    queryLine: text.slice(0, queryStart).split('\n').length,
  }
}

// Top-level items of header text split at `separator` outside quotes, comments and parentheses:
// "name a.b, grain (x, y)" -> two items; brackets nest like parentheses. With ';' it splits a file's statements.
export function splitTopLevel(text: string, separator = ','): string[] {
  const items: string[] = []
  let start = 0
  for (const piece of scanSql(text)) {
    if (piece.kind === 'code' && piece.depth === 0 && text[piece.start] === separator) {
      items.push(text.slice(start, piece.start).trim())
      start = piece.end
    }
  }
  const last = text.slice(start).trim()
  if (last !== '') items.push(last)
  return items
}

// Whitespace outside quotes collapsed: one space after commas, none inside parentheses' edges.
export function normalizeSpacing(text: string): string {
  let out = ''
  for (const piece of scanSql(text)) {
    if (piece.kind !== 'code') {
      out += text.slice(piece.start, piece.end)
      continue
    }
    const char = text[piece.start] ?? ''
    if (/\s/.test(char)) {
      if (!out.endsWith(' ') && !out.endsWith('(')) out += ' '
    } else if (char === ')' || char === ',') {
      out = out.trimEnd() + char
      if (char === ',') out += ' '
    } else out += char
  }
  return out.trim().replace(/, (?=\))/g, ',')
}

// The statements of a script (split at top-level ';' outside quotes and comments), trimmed; a piece
// holding only comments and spaces is no statement.
export function splitStatements(script: string): string[] {
  return splitTopLevel(script, ';').filter((statement) => skipBlank(statement) < statement.length)
}
