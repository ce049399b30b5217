// Where a loading error points, read back from its message. Every loading message starts with
// `path:line` or `path:line:column` (or `path:` for a whole-file problem such as a cycle), so the
// workbench can put a marker in the editor without a second error format to keep in step.
interface ErrorLocation {
  readonly path: string // relative to the project root, e.g. "models/serving/x.sql" or "materia.yaml"
  readonly line: number | null // 1-based
  readonly column: number | null // 1-based
}

const locationPattern = /^([^\s:]+\.(?:sql|yaml|yml)):(?:(\d+)(?::(\d+))?)?(?:\s|$)/

export function errorLocation(message: string): ErrorLocation | null {
  const match = locationPattern.exec(message)
  if (match === null) return null
  const [, path, line, column] = match
  return {
    path: path!,
    line: line === undefined ? null : Number(line),
    column: column === undefined ? null : Number(column),
  }
}
