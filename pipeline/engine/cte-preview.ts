// The CTEs of a query's top-level WITH and where each is written, so the editor can preview the
// CTE under the cursor: `WITH <the CTEs up to it> SELECT * FROM <it>`. DuckDB's parse tree names the
// CTEs; a short walk over the WITH clause (quotes and comments skipped as model-file-text.ts does)
// finds their text, and must meet the same names in the same order or it reports none.
import { MateriaError } from '../errors.ts'
import { skipQuotedOrComment } from './model-file-text.ts'
import { parseTree } from './sql-ast.ts'
import { quoteIdentifier } from './sql-quote.ts'

export interface CteSpan {
  readonly name: string // as DuckDB reads it: lower case unless quoted
  readonly start: number // where the name starts
  readonly end: number // just past the ')' that closes its query
}

function skipBlank(sql: string, start: number): number {
  let i = start
  for (;;) {
    while (i < sql.length && /\s/.test(sql[i] ?? '')) i += 1
    const after = sql[i] === "'" || sql[i] === '"' ? i : skipQuotedOrComment(sql, i)
    if (after === i) return i
    i = after
  }
}

// Index just past the ')' matching the '(' at `open`; -1 when it is never closed.
function closeOf(sql: string, open: number): number {
  let depth = 0
  let i = open
  while (i < sql.length) {
    const skipped = skipQuotedOrComment(sql, i)
    if (skipped !== i) {
      i = skipped
      continue
    }
    if (sql[i] === '(') depth += 1
    if (sql[i] === ')') {
      depth -= 1
      if (depth === 0) return i + 1
    }
    i += 1
  }
  return -1
}

// An identifier at `start`: its name as DuckDB reads it and where it ends.
function identifierAt(sql: string, start: number): { name: string; end: number } | null {
  if (sql[start] === '"') {
    const end = skipQuotedOrComment(sql, start)
    return { name: sql.slice(start + 1, end - 1).replaceAll('""', '"'), end }
  }
  const match = /[A-Za-z_\u00C0-\uFFFF][\w$\u00C0-\uFFFF]*/y
  match.lastIndex = start
  const found = match.exec(sql)
  return found === null ? null : { name: found[0].toLowerCase(), end: start + found[0].length }
}

function keywordAt(sql: string, start: number, word: string): number | null {
  const found = identifierAt(sql, start)
  return found !== null && sql[start] !== '"' && found.name === word ? found.end : null
}

export async function cteSpans(sql: string): Promise<CteSpan[]> {
  const tree = await parseTree(sql)
  const entries = ((tree?.cte_map as { map?: { key: string }[] } | undefined)?.map ?? []).map(
    (entry) => entry.key,
  )
  if (entries.length === 0) return []
  let i = keywordAt(sql, skipBlank(sql, 0), 'with')
  if (i === null) return []
  i = skipBlank(sql, i)
  i = keywordAt(sql, i, 'recursive') ?? i
  const spans: CteSpan[] = []
  for (const [position, expected] of entries.entries()) {
    i = skipBlank(sql, i)
    if (position > 0) {
      if (sql[i] !== ',') return []
      i = skipBlank(sql, i + 1)
    }
    const start = i
    const name = identifierAt(sql, i)
    if (name === null || name.name !== expected) return []
    i = skipBlank(sql, name.end)
    if (sql[i] === '(') {
      // A column list: name(a, b).
      const close = closeOf(sql, i)
      if (close < 0) return []
      i = skipBlank(sql, close)
    }
    const as = keywordAt(sql, i, 'as')
    if (as === null) return []
    i = skipBlank(sql, as)
    const not = keywordAt(sql, i, 'not')
    if (not !== null) i = skipBlank(sql, not)
    const materialized = keywordAt(sql, i, 'materialized')
    if (materialized !== null) i = skipBlank(sql, materialized)
    if (sql[i] !== '(') return []
    const end = closeOf(sql, i)
    if (end < 0) return []
    spans.push({ name: expected, start, end })
    i = end
  }
  return spans
}

// The CTE whose definition (name to closing parenthesis) holds `offset`; null when none does.
export async function cteAt(sql: string, offset: number): Promise<string | null> {
  const spans = await cteSpans(sql)
  return spans.find((span) => span.start <= offset && offset <= span.end)?.name ?? null
}

// A query returning what CTE `name` of `sql` returns: the WITH clause through that CTE, then
// SELECT * FROM it.
export async function cteQuery(sql: string, name: string): Promise<string> {
  const span = (await cteSpans(sql)).find((entry) => entry.name === name)
  if (span === undefined)
    throw new MateriaError(
      'query',
      `no CTE named ${name} in the query's WITH clause; preview the whole model`,
    )
  return `${sql.slice(0, span.end)}\nSELECT * FROM ${quoteIdentifier(name)}`
}
