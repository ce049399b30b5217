// What the workbench shows of the project: its files grouped by layer and, per model, the facts the
// side panel and completion use. Built from the engine's loaded Project when it loads, and from the
// engine's parse of each file otherwise (a project with a broken model still opens, so its author
// can fix it in the editor).
import { readdir, readFile } from 'node:fs/promises'
import { basename, join, relative, sep } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { type Project, parseModelFile, qualifiedNames, splitModelFile } from '../pipeline/engine/index.ts'
import { isMateriaError } from '../pipeline/errors.ts'
import { modelsMax } from '../pipeline/limits.ts'

export type FileGroup = 'raw' | 'staging' | 'cleaned' | 'serving' | 'seeds' | 'tests' | 'audits' | 'other'
export const fileGroups: readonly FileGroup[] = [
  'raw',
  'staging',
  'cleaned',
  'serving',
  'seeds',
  'tests',
  'audits',
  'other',
]

export interface ModelEntry {
  readonly name: string // schema.table
  readonly schema: string
  readonly table: string
  readonly kind: string
  readonly grain: readonly string[]
  readonly path: string // relative to the project root, with forward slashes
  readonly parents: readonly string[]
  readonly children: readonly string[]
}

export interface ProjectFile {
  readonly group: FileGroup
  readonly path: string // relative, forward slashes
  readonly model: string | null
}

export interface ProjectIndex {
  readonly root: string
  readonly name: string
  readonly files: readonly ProjectFile[]
  readonly models: ReadonlyMap<string, ModelEntry>
  readonly loadError: string | null // the engine's message when the project does not load
}

async function listFiles(directory: string, depth: number): Promise<string[]> {
  if (depth > 6) return []
  let entries: import('node:fs').Dirent[]
  try {
    entries = await readdir(directory, { withFileTypes: true })
  } catch {
    return []
  }
  const nested = await Promise.all(
    entries.map(async (entry) => {
      const path = join(directory, entry.name)
      if (entry.isDirectory()) return entry.name.startsWith('.') ? [] : listFiles(path, depth + 1)
      return [path]
    }),
  )
  return nested.flat()
}

function groupOf(path: string): FileGroup {
  const parts = path.split('/')
  if (parts[0] === 'models' && parts.length > 2) {
    const layer = parts[1] as FileGroup
    if (fileGroups.includes(layer)) return layer
  }
  if (parts[0] === 'seeds') return 'seeds'
  if (parts[0] === 'tests') return 'tests'
  if (parts[0] === 'audits') return 'audits'
  return 'other'
}

// The engine's header parse of one file when the project as a whole does not load; null for a
// file whose header the engine rejects (the load error names it).
function parseHeaderOf(text: string, path: string): { name: string; kind: string; grain: string[] } | null {
  try {
    const model = parseModelFile(text, path)
    return { name: model.name, kind: model.kind.name, grain: [...model.grain] }
  } catch (error) {
    if (isMateriaError(error)) return null
    throw error
  }
}

// Qualified names in a model's query that name other models: its parents without the engine's DAG.
function parentsByName(text: string, known: ReadonlySet<string>, self: string): string[] {
  try {
    const names = qualifiedNames(splitModelFile(text).query).map((found) => found.name)
    return [...new Set(names.filter((name) => known.has(name) && name !== self))]
  } catch (error) {
    if (isMateriaError(error)) return []
    throw error
  }
}

export async function projectName(root: string): Promise<string> {
  try {
    const config = parseYaml(await readFile(join(root, 'materia.yaml'), 'utf8')) as { name?: unknown } | null
    if (typeof config?.name === 'string' && config.name !== '') return config.name
  } catch {
    // A broken materia.yaml is reported by the engine; the navbar falls back to the folder name.
  }
  return basename(root)
}

// Builds the index by scanning the files; `parentsOf` adds dependencies when the engine knows them.
export async function scanProject(
  root: string,
  parentsOf: ReadonlyMap<string, readonly string[]> = new Map(),
  loadError: string | null = null,
  project: Project | null = null,
): Promise<ProjectIndex> {
  const paths = (await listFiles(root, 0))
    .map((path) => relative(root, path).split(sep).join('/'))
    .filter((path) => /\.(sql|csv|yaml|yml)$/.test(path) && !path.startsWith('.materia/'))
    .filter((path) => path !== 'materia.yaml')
    .sort()
  const files: ProjectFile[] = []
  // text: the file's text, read only for a model the engine did not load (its parents come from it).
  const scanned: { name: string; kind: string; grain: string[]; path: string; text: string | null }[] = []
  const loadedByPath = new Map([...(project?.models.values() ?? [])].map((entry) => [entry.path, entry]))
  for (const path of paths) {
    let model: string | null = null
    if (path.startsWith('models/') && path.endsWith('.sql') && scanned.length < modelsMax) {
      const loaded = loadedByPath.get(path)
      let text: string | null = null
      let header: { name: string; kind: string; grain: string[] } | null
      if (loaded === undefined) {
        text = await readFile(join(root, path), 'utf8')
        header = parseHeaderOf(text, path)
      } else header = { name: loaded.name, kind: loaded.kind.name, grain: [...loaded.grain] }
      if (header !== null) {
        model = header.name
        scanned.push({ ...header, path, text })
      }
    }
    const group = groupOf(path)
    files.push({ group: model !== null && group === 'other' ? 'serving' : group, path, model })
  }
  // Without the engine's parents, references to other models in the query text stand in for them.
  const known = new Set(scanned.map((entry) => entry.name))
  const allParents = new Map(parentsOf)
  for (const entry of scanned) {
    if (allParents.has(entry.name)) continue
    const text = entry.text ?? (await readFile(join(root, entry.path), 'utf8'))
    allParents.set(entry.name, parentsByName(text, known, entry.name))
  }
  const children = new Map<string, string[]>()
  for (const [child, parents] of allParents) {
    for (const parent of parents) {
      const list = children.get(parent)
      if (list === undefined) children.set(parent, [child])
      else list.push(child)
    }
  }
  const models = new Map<string, ModelEntry>()
  for (const { text: _text, ...entry } of scanned) {
    const [schema = '', table = ''] = entry.name.split('.')
    models.set(entry.name, {
      ...entry,
      schema,
      table,
      parents: allParents.get(entry.name) ?? [],
      children: children.get(entry.name) ?? [],
    })
  }
  return { root, name: project?.config.name ?? (await projectName(root)), files, models, loadError }
}
