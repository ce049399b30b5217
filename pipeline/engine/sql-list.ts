// Splitting SQL argument text such as "(a, b)" or "('x', 'y, z')" into its top-level items, the
// form audit arguments take in a MODEL header (AuditCall.args keeps them as SQL text).
import { scanSql, splitTopLevel } from './model-file-text.ts'

// "(a, b)" -> ["a", "b"]; "a" -> ["a"]; commas inside quotes, comments or nested brackets do not split.
export function splitSqlList(text: string): string[] {
  const trimmed = text.trim()
  return splitTopLevel(isWrapped(trimmed) ? trimmed.slice(1, -1) : trimmed)
}

// Whether the outer parentheses enclose the whole text: "(a) + (b)" is not wrapped.
function isWrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false
  for (const piece of scanSql(text)) {
    const closesOuter = piece.kind === 'code' && piece.depth === 0 && text[piece.start] === ')'
    if (closesOuter && piece.end < text.length) return false
  }
  return true
}

// A column argument as written (a, "Mixed Case") -> its name. DuckDB matches names without regard
// to case, quoted or not, so callers compare them lower-cased.
export function columnName(text: string): string {
  const trimmed = text.trim()
  if (trimmed.startsWith('"') && trimmed.endsWith('"')) return trimmed.slice(1, -1).replaceAll('""', '"')
  return trimmed
}
