// Column-level lineage: which columns of which models (and sources) a model's column is computed
// from, and which downstream columns use it. Each model's query is rendered with the placeholder
// interval and read with DuckDB's parser (query-columns.ts); a reference to another model is
// followed into that model's query. A table that is not a model (a landing file, raw.* read by
// read_csv) ends the walk as a source.
import { MateriaError } from '../errors.ts'
import type { Project } from './project.ts'
import { type QueryColumns, queryColumns } from './query-columns.ts'
import { placeholderContext, renderMacros } from './render.ts'
import { parseTree } from './sql-ast.ts'

export interface ColumnRef {
  readonly model: string // a model name, or a source table as the query names it
  readonly column: string
}

export interface LineageColumn extends ColumnRef {
  readonly isModel: boolean
}

// source feeds target: target's value is computed from source's.
export interface LineageEdge {
  readonly source: ColumnRef
  readonly target: ColumnRef
}

export interface ColumnLineage {
  readonly root: ColumnRef
  readonly direction: 'upstream' | 'downstream'
  readonly columns: readonly LineageColumn[] // the root first, then in the order reached
  readonly edges: readonly LineageEdge[]
}

export interface LineageOptions {
  readonly direction?: 'upstream' | 'downstream'
}

type Tree = Record<string, unknown>

// A lineage graph is bounded by the project: this caps a walk that a cycle in the input could extend.
const lineageColumnsMax = 100_000

// The models whose trees a walk may read, in no particular order.
function reachable(project: Project, start: string, direction: 'upstream' | 'downstream'): Set<string> {
  const next = direction === 'upstream' ? project.parents : project.children
  const found = new Set<string>([start])
  const pending = [start]
  while (pending.length > 0) {
    for (const name of next.get(pending.pop()!) ?? []) {
      if (found.has(name)) continue
      found.add(name)
      pending.push(name)
    }
  }
  // Resolving a column through `*` needs the columns of each model's parents too.
  for (const name of [...found]) for (const parent of project.parents.get(name) ?? []) found.add(parent)
  return found
}

function modelName(project: Project, table: string): string | null {
  if (project.models.has(table)) return table
  const parts = table.split('.')
  const lastTwo = parts.slice(-2).join('.')
  return parts.length > 2 && project.models.has(lastTwo) ? lastTwo : null
}

// What lineage learns of a project's models, kept for the next call (the workbench asks on every
// hover). A Project is immutable, so nothing here goes stale.
interface LineageIndex {
  readonly trees: Map<string, Tree>
  readonly names: Map<string, readonly string[] | null>
  readonly inputs: Map<string, LineageColumn[]>
  readonly columnsOf: (table: string) => readonly string[] | null
  queries: QueryColumns // replaced (with its per-node memory) when trees are added
}

const indexes = new WeakMap<Project, LineageIndex>()

function lineageIndex(project: Project): LineageIndex {
  const existing = indexes.get(project)
  if (existing !== undefined) return existing
  const trees = new Map<string, Tree>()
  const names = new Map<string, readonly string[] | null>()
  const columnsOf = (table: string): readonly string[] | null => {
    const name = modelName(project, table)
    if (name === null) return null
    if (names.has(name)) return names.get(name)!
    names.set(name, null) // a model reading itself resolves to unknown, not to a loop
    const declared = project.models.get(name)!.columns ?? []
    const tree = trees.get(name)
    const found =
      declared.length > 0
        ? declared.map((item) => item.name)
        : tree === undefined
          ? null
          : index.queries.outputNames(tree)
    names.set(name, found)
    return found
  }
  const index: LineageIndex = { trees, names, inputs: new Map(), columnsOf, queries: queryColumns(columnsOf) }
  indexes.set(project, index)
  return index
}

// Parses the trees of the models a walk may read that are not parsed yet (seeds have none). What
// was learnt without them may have said "unknown": it is forgotten.
async function addTrees(project: Project, index: LineageIndex, names: Iterable<string>): Promise<void> {
  const wanted = [...names].filter(
    (name) => !index.trees.has(name) && project.models.get(name)?.kind.name !== 'SEED',
  )
  if (wanted.length === 0) return
  const parsed = await Promise.all(
    wanted.map((name) => parseTree(renderMacros(project, project.models.get(name)!, placeholderContext))),
  )
  for (const [position, name] of wanted.entries()) {
    const tree = parsed[position]
    if (tree !== null && tree !== undefined) index.trees.set(name, tree)
  }
  index.names.clear()
  index.inputs.clear()
  index.queries = queryColumns(index.columnsOf)
}

// Direct inputs of a model's column, with model references named as models.
function directInputs(project: Project, index: LineageIndex, name: string, output: string): LineageColumn[] {
  const cacheKey = `${name}.${output}`
  const cached = index.inputs.get(cacheKey)
  if (cached !== undefined) return cached
  const tree = index.trees.get(name)
  const found =
    tree === undefined
      ? []
      : index.queries.sources(tree, output).map((source) => {
          const parent = modelName(project, source.table)
          return { model: parent ?? source.table, column: source.column, isModel: parent !== null }
        })
  index.inputs.set(cacheKey, found)
  return found
}

export interface ColumnGraph {
  // Each model's output columns in query order; null when a `*` over an unknown table hides them.
  readonly columns: ReadonlyMap<string, readonly string[] | null>
  // Every direct edge into a column of the models asked for (sources may be outside them).
  readonly edges: readonly LineageEdge[]
}

// The column-level graph of some models at once (the DAG's column mode): their output columns and
// the direct edges into each, one step of what columnLineage walks.
export async function columnGraph(project: Project, models: readonly string[]): Promise<ColumnGraph> {
  const unknown = models.filter((name) => !project.models.has(name))
  if (unknown.length > 0)
    throw new MateriaError('usage', `unknown model ${unknown.join(', ')}; run materia dag for the list`)
  const index = lineageIndex(project)
  const wanted = new Set(models)
  for (const name of models) for (const parent of project.parents.get(name) ?? []) wanted.add(parent)
  await addTrees(project, index, wanted)
  const columns = new Map<string, readonly string[] | null>()
  const edges: LineageEdge[] = []
  for (const name of models) {
    const outputs = index.columnsOf(name)
    columns.set(name, outputs === null ? null : outputs.filter((output) => output !== ''))
    for (const output of outputs ?? []) {
      if (output === '') continue
      if (edges.length >= lineageColumnsMax)
        throw new MateriaError('limit', `column graph passed ${lineageColumnsMax} edges (lineageColumnsMax)`)
      for (const source of directInputs(project, index, name, output))
        edges.push({
          source: { model: source.model, column: source.column },
          target: { model: name, column: output },
        })
    }
  }
  return { columns, edges }
}

export async function columnLineage(
  project: Project,
  model: string,
  column: string,
  options: LineageOptions = {},
): Promise<ColumnLineage> {
  const direction = options.direction ?? 'upstream'
  const rootModel = model.toLowerCase()
  const rootColumn = column.toLowerCase()
  if (!project.models.has(rootModel))
    throw new MateriaError('usage', `unknown model ${model}; run materia dag for the list`)
  const index = lineageIndex(project)
  await addTrees(project, index, reachable(project, rootModel, direction))
  const columnsOf = index.columnsOf
  const known = columnsOf(rootModel)
  if (known !== null && !known.includes(rootColumn)) {
    throw new MateriaError(
      'usage',
      `model ${rootModel} has no column ${column}; its columns: ${known.filter((name) => name !== '').join(', ')}`,
    )
  }
  const inputs = (name: string, output: string) => directInputs(project, index, name, output)
  const columns: LineageColumn[] = [{ model: rootModel, column: rootColumn, isModel: true }]
  const edges: LineageEdge[] = []
  const seen = new Set([`${rootModel}.${rootColumn}`])
  const pending: ColumnRef[] = [columns[0]!]
  const reach = (found: LineageColumn) => {
    const key = `${found.model}.${found.column}`
    if (seen.has(key)) return
    if (seen.size >= lineageColumnsMax)
      throw new MateriaError(
        'limit',
        `column lineage passed ${lineageColumnsMax} columns (lineageColumnsMax)`,
      )
    seen.add(key)
    columns.push(found)
    if (found.isModel) pending.push(found)
  }
  while (pending.length > 0) {
    const current = pending.shift()!
    if (direction === 'upstream') {
      for (const source of inputs(current.model, current.column)) {
        edges.push({ source: { model: source.model, column: source.column }, target: current })
        reach(source)
      }
      continue
    }
    for (const child of project.children.get(current.model) ?? []) {
      for (const output of downstreamCandidates(columnsOf(child), current.column)) {
        const uses = inputs(child, output).some(
          (input) => input.model === current.model && input.column === current.column,
        )
        if (!uses) continue
        const target: LineageColumn = { model: child, column: output, isModel: true }
        edges.push({ source: current, target })
        reach(target)
      }
    }
  }
  return { root: columns[0]!, direction, columns, edges }
}

// A child's columns to test: all of them when known, else the parent's column name (a `*` passes it).
function downstreamCandidates(names: readonly string[] | null, column: string): readonly string[] {
  if (names === null) return [column]
  return names.filter((name) => name !== '')
}
