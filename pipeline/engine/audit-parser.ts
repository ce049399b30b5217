// Parses a custom audit file, sql/audits/<name>.sql:
//   AUDIT (name assert_positive_production);
//   SELECT * FROM @this_model WHERE production < 0
// The query selects the bad rows; the audit passes when it returns none. Its macros (@this_model and
// the audit's own arguments such as @column) are rendered when the audit runs.
import { MateriaError } from '../errors.ts'
import { parseHeader } from './header.ts'
import { nameListProperty } from './model-properties.ts'
import type { CustomAudit } from './project.ts'
import { isTrivia, tokenize } from './sql-tokens.ts'

export const auditProperties = ['name'] as const

export function parseAuditFile(text: string, path: string): CustomAudit {
  const tokens = tokenize(text, path)
  if (tokens.every(isTrivia)) {
    throw new MateriaError(
      'model',
      `${path}:1 empty audit file; write AUDIT (name my_audit); and a query selecting the bad rows`,
    )
  }
  const header = parseHeader(tokens, path, 'AUDIT')
  let name: string | null = null
  for (const property of header.properties) {
    if (!(auditProperties as readonly string[]).includes(property.name)) {
      throw new MateriaError(
        'model',
        `${path}:${property.line} unknown property "${property.name}"; use ${auditProperties.join(' | ')}`,
      )
    }
    const names = nameListProperty(property.value, path, property.line, 'name')
    if (names.length !== 1 || !/^[a-z_][a-z0-9_]*$/.test(names[0]!)) {
      throw new MateriaError(
        'model',
        `${path}:${property.line} audit name must be one word (letters, digits, _)`,
      )
    }
    name = names[0]!
  }
  if (name === null)
    throw new MateriaError('model', `${path}:${header.line} the AUDIT header has no name; add name my_audit`)
  const rest = tokens.filter((token) => token.start >= header.end && !isTrivia(token))
  if (rest.at(-1)?.text === ';') rest.pop()
  const first = rest[0]
  if (first === undefined) {
    throw new MateriaError(
      'model',
      `${path}:${header.line} the audit has no query; add a SELECT returning the bad rows`,
    )
  }
  const last = rest.at(-1)!
  const inner = rest.find((token) => token.text === ';')
  if (inner !== undefined) {
    throw new MateriaError(
      'model',
      `${path}:${inner.line} more than one statement after the AUDIT header; an audit holds one query`,
    )
  }
  return { name, query: text.slice(first.start, last.end), path, queryLine: first.line }
}
