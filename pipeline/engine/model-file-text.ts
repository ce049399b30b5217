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
export function skipQuotedOrComment(text: string, i: number): number {
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

function isComment(text: string, i: number): boolean {
  return (text[i] === '-' && text[i + 1] === '-') || (text[i] === '/' && text[i + 1] === '*')
}

export function splitModelFile(text: string): ModelFileText {
  let i = 0
  while (i < text.length) {
    if (/\s/.test(text[i] ?? '')) i += 1
    else if (isComment(text, i)) i = skipQuotedOrComment(text, i)
    else break
  }
  const match = /^MODEL\s*\(/i.exec(text.slice(i))
  if (match === null)
    return { leading: '', header: null, headerHasComments: false, query: text, queryLine: 1 }
  const open = i + match[0].length - 1
  let depth = 0
  let hasComments = false
  let j = open
  while (j < text.length) {
    const skipped = skipQuotedOrComment(text, j)
    if (skipped !== j) {
      hasComments ||= isComment(text, j)
      j = skipped
      continue
    }
    if (text[j] === '(') depth += 1
    if (text[j] === ')') depth -= 1
    j += 1
    if (depth === 0) break
  }
  if (depth !== 0) return { leading: '', header: null, headerHasComments: false, query: text, queryLine: 1 }
  const semicolon = /^\s*;/.exec(text.slice(j))
  const queryStart = semicolon === null ? j : j + semicolon[0].length
  return {
    leading: text.slice(0, i),
    header: text.slice(open + 1, j - 1),
    headerHasComments: hasComments,
    query: text.slice(queryStart),
    queryLine: text.slice(0, queryStart).split('\n').length,
  }
}

// Top-level items of header text split at `separator` outside quotes, comments and parentheses:
// "name a.b, grain (x, y)" -> two items; brackets nest like parentheses. With ';' it splits a file's statements.
export function splitTopLevel(text: string, separator = ','): string[] {
  const items: string[] = []
  let depth = 0
  let start = 0
  let i = 0
  while (i < text.length) {
    const skipped = skipQuotedOrComment(text, i)
    if (skipped !== i) {
      i = skipped
      continue
    }
    const char = text[i]
    if (char === '(' || char === '[') depth += 1
    else if (char === ')' || char === ']') depth -= 1
    else if (char === separator && depth === 0) {
      items.push(text.slice(start, i).trim())
      start = i + 1
    }
    i += 1
  }
  const last = text.slice(start).trim()
  if (last !== '') items.push(last)
  return items
}

// Whitespace outside quotes collapsed: one space after commas, none inside parentheses' edges.
export function normalizeSpacing(text: string): string {
  let out = ''
  let i = 0
  while (i < text.length) {
    const skipped = skipQuotedOrComment(text, i)
    if (skipped !== i) {
      out += text.slice(i, skipped)
      i = skipped
      continue
    }
    const char = text[i] ?? ''
    if (/\s/.test(char)) {
      if (!out.endsWith(' ') && !out.endsWith('(')) out += ' '
    } else if (char === ')' || char === ',') {
      out = out.trimEnd() + char
      if (char === ',') out += ' '
    } else out += char
    i += 1
  }
  return out.trim().replace(/, (?=\))/g, ',')
}

// The statements of a script (split at top-level ';' outside quotes and comments), trimmed; a piece
// holding only comments and spaces is no statement.
export function splitStatements(script: string): string[] {
  return splitTopLevel(script, ';').filter((statement) => {
    let i = 0
    while (i < statement.length) {
      const skipped = skipQuotedOrComment(statement, i)
      if (skipped !== i && isComment(statement, i)) i = skipped
      else if (/\s/.test(statement[i] ?? '')) i += 1
      else return true
    }
    return false
  })
}
