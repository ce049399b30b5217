// The project's query layout, applied to sql-formatter's output. sql-formatter puts every clause
// body on its own lines (`FROM\n  t`); our models read as STYLE.md shows them: a clause holding one
// item stays on the keyword's line (`FROM t`, `WHERE a = 1\n  AND b = 2`), joins start at the
// clause's indent with their ON on the next line, CTEs follow `WITH` unindented, and window specs
// and aggregate filters that fit stay inline: `OVER (PARTITION BY a ORDER BY b)`,
// `FILTER (WHERE x)`. Every step only moves whitespace; the format command still compares DuckDB's
// parse trees before it writes a file.
import { scanSql } from './model-file-text.ts'

interface Line {
  readonly indent: number
  readonly text: string
}

// Clause bodies joined onto their keyword; the list clauses only when they hold one item.
const conditionClauses = new Set(['WHERE', 'HAVING', 'QUALIFY'])
const listClauses = new Set(['FROM', 'GROUP BY', 'ORDER BY', 'LIMIT', 'OFFSET', 'WINDOW'])
const joinStart =
  /^(?:(?:NATURAL|ASOF|POSITIONAL)\s+)?(?:(?:LEFT|RIGHT|FULL|INNER|CROSS|SEMI|ANTI)\s+)?(?:OUTER\s+)?JOIN\b/
// sql-formatter spaces these functions (window functions and DuckDB's IF) from their '(' as if they
// were keywords.
const spacedFunctions =
  /\b(IF|LAG|LEAD|FIRST_VALUE|LAST_VALUE|NTH_VALUE|NTILE|RANK|DENSE_RANK|PERCENT_RANK|CUME_DIST) \(/gi
// A window or filter collapsed to one line only while it ends within this column.
const inlineWidthMax = 110

export function layoutQuery(formatted: string): string {
  let lines = formatted.split('\n').map(toLine)
  lines = lines.map((line) => ({ indent: line.indent, text: mapCode(line.text, fixCase) }))
  lines = collapseWith(lines)
  lines = collapseClauses(lines)
  lines = collapseParentheses(lines)
  lines = lines.flatMap(splitThen)
  return lines
    .map((line) => (line.text === '' ? '' : `${' '.repeat(line.indent)}${line.text}`))
    .join('\n')
    .replace(/(\bON_VIRTUAL_UPDATE_BEGIN;)\n\n/gi, '$1\n')
    .replace(/\n\n(ON_VIRTUAL_UPDATE_END;)/gi, '\n$1')
}

function toLine(text: string): Line {
  const indent = text.length - text.trimStart().length
  return { indent, text: text.trim() }
}

// Keyword case sql-formatter leaves alone (it reads OVER and FILTER as function names).
function fixCase(code: string): string {
  return code
    .replace(spacedFunctions, (_, name: string) => `${name}(`)
    .replace(/\) over\b/gi, ') OVER')
    .replace(/\) filter\(/gi, ') FILTER (')
    .replace(/\bOVER\(/g, 'OVER (')
}

// Applies `map` to the code between quoted text and comments, which stay as written.
function mapCode(text: string, map: (code: string) => string): string {
  let out = ''
  let start = 0
  for (const piece of scanSql(text)) {
    if (piece.kind === 'code') continue
    out += map(text.slice(start, piece.start)) + text.slice(piece.start, piece.end)
    start = piece.end
  }
  return out + map(text.slice(start))
}

// Where a `--` comment starts in the line's code, or -1.
export function commentStart(text: string): number {
  for (const piece of scanSql(text)) {
    if (piece.kind === 'comment' && text.startsWith('--', piece.start)) return piece.start
  }
  return -1
}

// The line without its trailing `--` comment.
function codeOf(text: string): string {
  const start = commentStart(text)
  return (start === -1 ? text : text.slice(0, start)).trimEnd()
}

// The lines after `at` indented deeper than it: its body.
function bodyEnd(lines: readonly Line[], at: number): number {
  let end = at + 1
  while (end < lines.length && lines[end]!.text !== '' && lines[end]!.indent > lines[at]!.indent) end += 1
  return end
}

// Items of a body: each starts at the body's first indent, deeper lines continue it.
function bodyItems(lines: readonly Line[], start: number, end: number): number[][] {
  const items: number[][] = []
  const indent = lines[start]?.indent ?? 0
  for (let i = start; i < end; i += 1) {
    const closes = lines[i]!.text.startsWith(')')
    if ((lines[i]!.indent <= indent && !closes) || items.length === 0) items.push([i])
    else items.at(-1)!.push(i)
  }
  return items
}

function dedent(line: Line, by: number): Line {
  return { indent: Math.max(0, line.indent - by), text: line.text }
}

// `WITH\n  a AS (\n    ...\n  ),\n  b AS (` -> `WITH a AS (\n  ...\n),\nb AS (`.
function collapseWith(lines: Line[]): Line[] {
  const out = [...lines]
  for (let i = 0; i < out.length; i += 1) {
    if (!/^WITH(?: RECURSIVE)?$/i.test(out[i]!.text)) continue
    const end = bodyEnd(out, i)
    if (end === i + 1) continue
    const by = out[i + 1]!.indent - out[i]!.indent
    const body = out.slice(i + 1, end).map((line) => dedent(line, by))
    out.splice(
      i,
      end - i,
      { indent: out[i]!.indent, text: `${out[i]!.text} ${body[0]!.text}` },
      ...body.slice(1),
    )
  }
  return out
}

function collapseClauses(lines: Line[]): Line[] {
  const out = [...lines]
  for (let i = 0; i < out.length; i += 1) {
    const keyword = out[i]!.text.toUpperCase()
    const isCondition = conditionClauses.has(keyword)
    const isPartition = keyword === 'PARTITION BY'
    if (!isCondition && !isPartition && !listClauses.has(keyword)) continue
    const end = bodyEnd(out, i)
    if (end === i + 1) continue
    const body = out.slice(i + 1, end)
    if (body.some((line) => line.text.startsWith('--') || line.text.startsWith('/*'))) continue
    const items = bodyItems(out, i + 1, end)
    const replaced = isPartition
      ? partitionLines(out, i, items)
      : keyword === 'FROM'
        ? fromLines(out, i, items)
        : isCondition || items.length === 1
          ? conditionLines(out, i, items)
          : null
    if (replaced !== null) out.splice(i, end - i, ...replaced)
  }
  return out
}

// The first item joins the keyword; its continuation moves up a level; later items stay.
function conditionLines(lines: readonly Line[], at: number, items: number[][]): Line[] {
  const first = items[0]!
  const by = lines[first[0]!]!.indent - lines[at]!.indent
  const head = { indent: lines[at]!.indent, text: `${lines[at]!.text} ${lines[first[0]!]!.text}` }
  const rest = first.slice(1).map((index) => dedent(lines[index]!, by))
  const later = items.slice(1).flatMap((item) => item.map((index) => lines[index]!))
  return [head, ...rest, ...later]
}

// `FROM\n  a\n  LEFT JOIN b ON x\n  AND y` -> `FROM a\nLEFT JOIN b\n  ON x\n  AND y`.
function fromLines(lines: readonly Line[], at: number, items: number[][]): Line[] | null {
  const first = items[0]!
  if (codeOf(lines[first.at(-1)!]!.text).endsWith(',')) return null
  const indent = lines[at]!.indent
  const by = lines[first[0]!]!.indent - indent
  const out = conditionLines(lines, at, [first])
  for (const item of items.slice(1)) {
    const head = lines[item[0]!]!
    if (!joinStart.test(head.text.toUpperCase())) {
      out.push(...item.map((index) => lines[index]!))
      continue
    }
    const on = topLevelOn(head.text)
    if (on === -1) out.push({ indent, text: head.text })
    else {
      out.push({ indent, text: head.text.slice(0, on) })
      out.push({ indent: indent + by, text: head.text.slice(on + 1) })
    }
    out.push(...item.slice(1).map((index) => dedent(lines[index]!, by)))
  }
  return out
}

// The offset of ` ON ` outside parentheses, quotes and comments, or -1.
function topLevelOn(text: string): number {
  return topLevelWord(text, ' ON ')
}

function topLevelWord(text: string, word: string): number {
  for (const piece of scanSql(text)) {
    const end = piece.start + word.length
    if (piece.kind === 'code' && piece.depth === 0 && text.slice(piece.start, end).toUpperCase() === word)
      return piece.start
  }
  return -1
}

// A window's PARTITION BY keeps its keys on one line when each key is one line without a comment.
function partitionLines(lines: readonly Line[], at: number, items: number[][]): Line[] | null {
  if (items.some((item) => item.length > 1 || commentStart(lines[item[0]!]!.text) !== -1)) return null
  const keys = items.map((item) => lines[item[0]!]!.text).join(' ')
  return [{ indent: lines[at]!.indent, text: `${lines[at]!.text} ${keys}` }]
}

// `OVER (\n  PARTITION BY a\n  ORDER BY b\n)` and `FILTER (\n  WHERE x\n)` onto one line when they fit.
function collapseParentheses(lines: Line[]): Line[] {
  const out = [...lines]
  for (let i = 0; i < out.length; i += 1) {
    const line = out[i]!
    if (!/\b(?:OVER|FILTER) \($/.test(line.text) || commentStart(line.text) !== -1) continue
    const end = bodyEnd(out, i)
    const close = out[end]
    if (close === undefined || close.indent !== line.indent || !close.text.startsWith(')')) continue
    const body = out.slice(i + 1, end)
    if (body.length === 0 || body.some((inner) => commentStart(inner.text) !== -1)) continue
    const inside = `${line.text}${body.map((inner) => inner.text).join(' ')})`
    if (line.indent + inside.length > inlineWidthMax) continue
    const text = `${inside}${close.text.slice(1)}`
    out.splice(i, end - i + 1, { indent: line.indent, text })
  }
  return out
}

// A `WHEN ... THEN ...` line too long to read puts THEN on the next line, one level deeper.
function splitThen(line: Line): Line[] {
  if (!line.text.startsWith('WHEN ') || line.indent + line.text.length <= inlineWidthMax) return [line]
  const then = topLevelWord(line.text, ' THEN ')
  if (then === -1) return [line]
  return [
    { indent: line.indent, text: line.text.slice(0, then) },
    { indent: line.indent + 2, text: line.text.slice(then + 1) },
  ]
}
