// Lexical helpers over SQL text for the query runner: split a script into statements and rewrite
// model names to an environment's schema. A small scanner that skips string literals, quoted
// identifiers and comments, so a `;` or a model name inside them is left alone.
import { environmentSchema } from '../pipeline/engine/project.ts'

interface Span {
  readonly start: number
  readonly end: number
}

// Spans of SQL text that are not code: '...', "...", -- comments, /* */ comments.
function inertSpans(sql: string): Span[] {
  const spans: Span[] = []
  let index = 0
  while (index < sql.length) {
    const char = sql[index]
    const next = sql[index + 1]
    let end = -1
    if (char === "'" || char === '"') {
      end = index + 1
      while (end < sql.length) {
        if (sql[end] === char && sql[end + 1] === char) end += 2
        else if (sql[end] === char) break
        else end += 1
      }
      end = Math.min(end + 1, sql.length)
    } else if (char === '-' && next === '-') {
      end = sql.indexOf('\n', index)
      if (end === -1) end = sql.length
    } else if (char === '/' && next === '*') {
      end = sql.indexOf('*/', index + 2)
      end = end === -1 ? sql.length : end + 2
    }
    if (end === -1) {
      index += 1
    } else {
      spans.push({ start: index, end })
      index = end
    }
  }
  return spans
}

function isInert(spans: readonly Span[], offset: number): boolean {
  return spans.some((span) => offset >= span.start && offset < span.end)
}

// The statements of a script, trimmed, empty ones dropped. `start` is the offset in the script.
export function splitStatements(sql: string): { text: string; start: number }[] {
  const spans = inertSpans(sql)
  const statements: { text: string; start: number }[] = []
  let start = 0
  for (let index = 0; index <= sql.length; index += 1) {
    if (index < sql.length && (sql[index] !== ';' || isInert(spans, index))) continue
    const raw = sql.slice(start, index)
    const leading = raw.length - raw.trimStart().length
    if (raw.trim() !== '' && !/^(\s|--[^\n]*\n?|\/\*[\s\S]*?\*\/)*$/.test(raw)) {
      statements.push({ text: raw.trim(), start: start + leading })
    }
    start = index + 1
  }
  return statements
}

// Rewrites `schema.table` references to models into the environment's view schema. Prod keeps the
// names as they are (its views live at <schema>.<table>).
export function rewriteModelNames(sql: string, modelNames: ReadonlySet<string>, environment: string): string {
  if (environment === 'prod') return sql
  const spans = inertSpans(sql)
  const pattern = /(?<![\w."])([A-Za-z_][A-Za-z0-9_]*)\.([A-Za-z_][A-Za-z0-9_]*)(?![\w"(])/g
  return sql.replace(pattern, (match, schema: string, table: string, offset: number) => {
    if (isInert(spans, offset)) return match
    if (!modelNames.has(`${schema}.${table}`.toLowerCase())) return match
    return `${environmentSchema(schema.toLowerCase(), environment)}.${table}`
  })
}

// A double-quoted identifier, for column names taken from a result's own catalog entry.
export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

// A single-quoted SQL string literal (for file paths in COPY, which takes no parameters).
export function quoteLiteral(text: string): string {
  return `'${text.replaceAll("'", "''")}'`
}
