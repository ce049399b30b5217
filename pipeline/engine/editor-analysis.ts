// What the model editor needs from the SQL front end while a query is being typed: the models it
// reads (also mid-edit, when DuckDB cannot parse it yet) and a cycle a new set of parents would make.
import { isMateriaError } from '../errors.ts'
import { maskMacros } from './macro-mask.ts'
import { parseQuery, qualifiedNames } from './sql-ast.ts'

// The models a query reads, with offsets into the query: DuckDB's parse tree when the query
// parses (CTE names are not models), else the qualified names the tokenizer finds (mid-edit).
// Only names in one of `schemas` count.
export async function modelReferences(
  query: string,
  schemas: ReadonlySet<string>,
): Promise<{ name: string; offset: number }[]> {
  const masked = maskMacros(query)
  const parsed = await parseQuery(masked)
  let found: { name: string; offset: number }[]
  if (parsed.ok) {
    found = parsed.references
      .filter((reference) => reference.start !== null)
      .map((reference) => ({ name: reference.name, offset: reference.start ?? 0 }))
  } else {
    try {
      found = qualifiedNames(masked).map((name) => ({ name: name.name, offset: name.start }))
    } catch (error) {
      if (isMateriaError(error)) return [] // an unterminated string: the syntax check says so
      throw error
    }
  }
  return found.filter((reference) => schemas.has(reference.name.split('.')[0] ?? ''))
}

// A cycle through `model` when its parents become `parents`; the path from model back to model.
export function cycleThrough(
  model: string,
  parents: readonly string[],
  parentsOfModel: (name: string) => readonly string[],
): string[] | null {
  const parentsOf = (name: string): readonly string[] => (name === model ? parents : parentsOfModel(name))
  const stack: string[][] = parents.map((parent) => [model, parent])
  const seen = new Set<string>()
  while (stack.length > 0) {
    const path = stack.pop() ?? []
    const last = path[path.length - 1] ?? ''
    if (last === model) return path
    if (seen.has(last)) continue
    seen.add(last)
    for (const parent of parentsOf(last)) stack.push([...path, parent])
  }
  return null
}
