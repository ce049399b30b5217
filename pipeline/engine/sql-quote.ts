// Quoting for SQL text the engine generates itself (audits, test fixtures, table diffs). Every
// identifier or literal that came from a file or a user goes through these, never raw concatenation.

export function quoteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`
}

// "schema.table" -> "schema"."table"; a name without a dot is quoted as one identifier.
export function quoteQualified(name: string): string {
  return name.split('.').map(quoteIdentifier).join('.')
}
