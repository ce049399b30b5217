// Format for the model editor (Shift+Alt+F): keywords upper case as STYLE.md asks, trailing spaces
// trimmed, one final newline. The header is left as written. Strings, quoted identifiers and
// comments are never touched.
import { splitModelFile } from './model-analysis.ts'

const keywords = new Set(
  `select from where group by order having join left right inner outer full cross on as and or not in
  is null case when then else end with union all distinct limit offset over partition filter cast
  between like ilike using qualify window rows range preceding following unbounded current row
  exists any true false asc desc nulls first last intersect except values lateral`.split(/\s+/),
)

export function formatModelText(text: string): string {
  const { queryStart } = splitModelFile(text)
  const header = text.slice(0, queryStart)
  const query = text
    .slice(queryStart)
    .replace(
      /('(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/)|\b([A-Za-z_]+)\b/g,
      (match, inert, word) => {
        if (inert !== undefined) return match
        return keywords.has(String(word).toLowerCase()) ? String(word).toUpperCase() : match
      },
    )
  const joined = `${header}${query}`
    .split('\n')
    .map((line) => line.trimEnd())
    .join('\n')
  return `${joined.trimEnd()}\n`
}
