// Splitting SQL argument text such as "(a, b)" or "('x', 'y, z')" into its top-level items, the
// form audit arguments take in a MODEL header (AuditCall.args keeps them as SQL text).
import { assert } from '../assert.ts'

// "(a, b)" -> ["a", "b"]; "a" -> ["a"]; commas inside quotes or nested parentheses do not split.
export function splitSqlList(text: string): string[] {
  const trimmed = text.trim()
  const inner = isWrapped(trimmed) ? trimmed.slice(1, -1) : trimmed
  const items: string[] = []
  let depth = 0
  let quote: string | null = null
  let current = ''
  for (const char of inner) {
    if (quote !== null) {
      if (char === quote) quote = null
    } else if (char === "'" || char === '"') {
      quote = char
    } else if (char === '(') {
      depth += 1
    } else if (char === ')') {
      depth -= 1
    } else if (char === ',' && depth === 0) {
      items.push(current.trim())
      current = ''
      continue
    }
    current += char
  }
  if (current.trim() !== '') items.push(current.trim())
  return items
}

// Whether the outer parentheses enclose the whole text: "(a) + (b)" is not wrapped.
function isWrapped(text: string): boolean {
  if (!text.startsWith('(') || !text.endsWith(')')) return false
  let depth = 0
  let quote: string | null = null
  for (let i = 0; i < text.length; i++) {
    const char = text[i]
    assert(char !== undefined, 'index within text')
    if (quote !== null) {
      if (char === quote) quote = null
    } else if (char === "'" || char === '"') {
      quote = char
    } else if (char === '(') {
      depth += 1
    } else if (char === ')') {
      depth -= 1
      if (depth === 0 && i < text.length - 1) return false
    }
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
