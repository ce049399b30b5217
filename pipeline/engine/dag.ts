// The model graph: parents (models a model reads), children, a deterministic topological order in
// layers, and the graph's errors: duplicate names, cycles (printed), and references that look like a
// model but name none.
import { MateriaError } from '../errors.ts'
import type { Model } from './model.ts'
import { scratchSchemaPrefix } from './query-guard.ts'

export interface ModelReference {
  readonly name: string // lower case "schema.table" or "table"
  readonly line: number // line in the model file, for messages
  readonly explicit: boolean // from depends_on rather than inferred from the query
}

export interface Dag {
  readonly parents: ReadonlyMap<string, readonly string[]>
  readonly children: ReadonlyMap<string, readonly string[]>
  readonly layers: readonly (readonly string[])[] // layer n reads only layers < n; names sorted
  readonly order: readonly string[] // the layers concatenated
}

export function editDistance(source: string, target: string): number {
  let previous = Array.from({ length: target.length + 1 }, (_, index) => index)
  for (let i = 1; i <= source.length; i += 1) {
    const current = [i]
    for (let j = 1; j <= target.length; j += 1) {
      const substitution = previous[j - 1]! + (source[i - 1] === target[j - 1] ? 0 : 1)
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution))
    }
    previous = current
  }
  return previous[target.length]!
}

function closestName(name: string, candidates: Iterable<string>): string | null {
  let best: string | null = null
  let bestDistance = Number.POSITIVE_INFINITY
  for (const candidate of [...candidates].sort()) {
    const distance = editDistance(name, candidate)
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  // A suggestion further away than half the name is noise, not help.
  return bestDistance <= name.length / 2 ? best : null
}

// How buildDag reports a problem when the loader collects them (instead of stopping at the first).
type DagReport = (model: string, message: string) => void

interface DagOptions {
  readonly report?: DagReport
  readonly sources?: ReadonlySet<string> // tables made outside the project (external_models.yaml)
}

function modelParents(
  model: Model,
  references: readonly ModelReference[],
  models: ReadonlyMap<string, Model>,
  schemas: ReadonlySet<string>,
  options: DagOptions,
): string[] {
  const parents = new Set<string>()
  for (const reference of references) {
    if (reference.name === model.name) continue // an incremental model may read its own table
    if (models.has(reference.name)) {
      parents.add(reference.name)
      continue
    }
    if (options.sources?.has(reference.name)) continue
    const parts = reference.name.split('.')
    // Scratch schemas (query-guard.ts) hold one analyst's tables: a model that read one would build
    // from data no plan tracks.
    if (parts.length >= 2 && parts.at(-2)!.startsWith(scratchSchemaPrefix)) {
      throw new MateriaError(
        'dag',
        `${model.path}:${reference.line} reads ${reference.name}, a workbench scratch table; models read models or landed files only`,
      )
    }
    const looksLikeModel = parts.length === 2 && schemas.has(parts[0]!)
    if (reference.explicit || looksLikeModel) {
      const closest = closestName(
        reference.name,
        [...models.keys()].filter((name) => name !== model.name),
      )
      const suggestion =
        closest === null
          ? 'no model has a similar name: add the model or fix the name'
          : `did you mean ${closest}?`
      const what = reference.explicit ? 'depends_on names' : 'references'
      const message = `${model.path}:${reference.line} ${what} unknown model ${reference.name}; ${suggestion}`
      if (options.report === undefined) throw new MateriaError('dag', message)
      options.report(model.name, message)
    }
  }
  return [...parents].sort()
}

function cycleText(remaining: ReadonlySet<string>, parents: ReadonlyMap<string, readonly string[]>): string {
  const path: string[] = []
  let current = [...remaining].sort()[0]!
  while (!path.includes(current)) {
    path.push(current)
    // Every model left over after the topological sort has a parent that is left over too.
    current = parents.get(current)!.find((parent) => remaining.has(parent))!
  }
  const cycle = path.slice(path.indexOf(current)).reverse() // parents first: data flows left to right
  // Start at the smallest name so the same cycle always prints the same way.
  const first = cycle.indexOf([...cycle].sort()[0]!)
  const rotated = [...cycle.slice(first), ...cycle.slice(0, first)]
  return [...rotated, rotated[0]].join(' -> ')
}

export function buildDag(
  models: ReadonlyMap<string, Model>,
  references: ReadonlyMap<string, readonly ModelReference[]>,
  options: DagOptions = {},
): Dag {
  const schemas = new Set([...models.values()].map((model) => model.schema))
  const parents = new Map<string, string[]>()
  const children = new Map<string, string[]>()
  for (const name of [...models.keys()].sort()) children.set(name, [])
  for (const [name, model] of models) {
    const modelParentNames = modelParents(model, references.get(name) ?? [], models, schemas, options)
    parents.set(name, modelParentNames)
    for (const parent of modelParentNames) children.get(parent)!.push(name)
  }
  for (const list of children.values()) list.sort()
  const waiting = new Map([...parents].map(([name, names]) => [name, names.length]))
  const layers: string[][] = []
  let layer = [...models.keys()].filter((name) => waiting.get(name) === 0).sort()
  while (layer.length > 0) {
    layers.push(layer)
    const next: string[] = []
    for (const name of layer) {
      for (const child of children.get(name)!) {
        const count = waiting.get(child)! - 1
        waiting.set(child, count)
        if (count === 0) next.push(child)
      }
    }
    layer = next.sort()
  }
  const order = layers.flat()
  if (order.length !== models.size) {
    const placed = new Set(order)
    const remaining = new Set([...models.keys()].filter((name) => !placed.has(name)))
    const cycle = cycleText(remaining, parents)
    const first = models.get(cycle.split(' -> ')[0]!)!
    const message = `${first.path}: dependency cycle ${cycle}; remove one of these references`
    if (options.report === undefined) throw new MateriaError('dag', message)
    for (const name of remaining) options.report(name, message)
  }
  return { parents, children, layers, order }
}
