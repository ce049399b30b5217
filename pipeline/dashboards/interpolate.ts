// Value interpolation in markdown: `{query[0].column}` or `{fmt(query[0].column, 'pct1')}` is
// replaced by the formatted value at build time; a bad reference is an issue at its line.
import { type Cell, formatCell, isFormatName } from './format.ts'
import type { PageIssue } from './page.ts'
import type { QueryResult } from './query.ts'

const valuePattern =
  /\{\s*(?:fmt\(\s*([A-Za-z_]\w*)\[(\d+)\]\.([A-Za-z_]\w*)\s*,\s*['"](\w+)['"]\s*\)|([A-Za-z_]\w*)\[(\d+)\]\.([A-Za-z_]\w*))\s*\}/g

export function interpolate(
  text: string,
  firstLine: number,
  results: ReadonlyMap<string, QueryResult>,
  defined: ReadonlySet<string>,
): { text: string; issues: PageIssue[] } {
  const issues: PageIssue[] = []
  const replaced = text.replace(valuePattern, (whole: string, ...groups: (string | undefined)[]) => {
    const offset = groups[7] as unknown as number
    const line = firstLine + text.slice(0, offset).split('\n').length - 1
    const [fmtQuery, fmtRow, fmtColumn, format, query, row, column] = groups as string[]
    const name = (fmtQuery ?? query)!
    const value = lookup(name, Number(fmtRow ?? row), (fmtColumn ?? column)!, results, defined)
    if (typeof value === 'object' && value !== null) {
      issues.push({ line, message: `${whole}: ${value.problem}` })
      return whole
    }
    if (format !== undefined && !isFormatName(format)) {
      issues.push({ line, message: `${whole}: "${format}" is not a format` })
      return whole
    }
    return escapeMarkdown(formatCell(value, format ?? null, (fmtColumn ?? column)!))
  })
  return { text: replaced, issues }
}

function lookup(
  name: string,
  row: number,
  column: string,
  results: ReadonlyMap<string, QueryResult>,
  defined: ReadonlySet<string>,
): Cell | { problem: string } {
  if (!defined.has(name))
    return { problem: `no query named "${name}" on this page; define \`\`\`sql ${name}\`\`\`` }
  const result = results.get(name)
  if (result === undefined) return { problem: `query "${name}" failed (see its sql block)` }
  const index = result.columns.indexOf(column)
  if (index === -1)
    return { problem: `query "${name}" has no column "${column}" (columns: ${result.columns.join(', ')})` }
  if (row >= result.rowCount)
    return { problem: `query "${name}" has ${result.rowCount} rows, so row ${row} does not exist` }
  return result.values[index]![row]!
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|]/g, (char) => `\\${char}`)
}
