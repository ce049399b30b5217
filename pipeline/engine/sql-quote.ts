// Quoting for SQL text the engine generates itself (audits, test fixtures, table diffs). Every
// identifier or literal that came from a file or a user goes through these, never raw concatenation.

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

// A macro argument used as an identifier (`@{name}`): a string literal's text, quoted when it is not
// a plain name; any other value as it is.
export function literalAsIdentifier(value: string): string {
  const text = value.trim()
  if (!(text.startsWith("'") && text.endsWith("'") && text.length >= 2)) return text
  const inner = text.slice(1, -1).replaceAll("''", "'")
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(inner) ? inner : quoteIdentifier(inner)
}

// "schema.table" -> "schema"."table"; a name without a dot is quoted as one identifier.
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.')
}
