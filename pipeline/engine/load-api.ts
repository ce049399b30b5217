// The loading half of the engine as the planner and apply use it: rendering, fingerprints and
// table-reference rewriting. Kept in one file so the back half depends on exactly these functions.
// This version carries small stand-ins with the same signatures as render.ts, fingerprint.ts and
// sql-ast.ts; it becomes a list of re-exports once those modules are in the tree. renderModelQuery
// already goes through render.ts, so @VAR and the other macros render as they do everywhere else.
import { createHash } from 'node:crypto'
import type { Project } from './project.ts'
import { renderModelQuery as renderModelQueryLoaded } from './render.ts'

export interface RenderOptions {
  readonly start: Date
  readonly end: Date // exclusive
  readonly executionTime: Date
  readonly resolveTable?: (modelName: string) => string | null
}

export interface Fingerprint {
  readonly dataHash: string
  readonly metadataHash: string
  readonly version: string // 12 hex
}

export async function renderModelQuery(
  project: Project,
  modelName: string,
  options: RenderOptions,
): Promise<string> {
  // Whole-table builds pass an empty interval; the renderer wants end after start.
  const end = options.end > options.start ? options.end : new Date(options.start.getTime() + 86_400_000)
  const rendered = await renderModelQueryLoaded(project, modelName, { ...options, end })
  return rendered.trim().replace(/;\s*$/, '')
}

function sha(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

export async function fingerprintProject(project: Project): Promise<ReadonlyMap<string, Fingerprint>> {
  const result = new Map<string, Fingerprint>()
  for (const name of project.order) {
    const model = project.models.get(name)
    if (model === undefined) throw new Error(`unknown model ${name}`)
    const parents = (project.parents.get(name) ?? []).map((parent) => result.get(parent)?.dataHash ?? parent)
    const query = model.query
      .replace(/--[^\n]*/g, '')
      .replace(/\s+/g, ' ')
      .trim()
    const dataHash = sha(JSON.stringify([query, model.kind, parents]))
    const metadataHash = sha(
      JSON.stringify([model.description, model.owner, model.cron, model.audits, model.tags, model.grain]),
    )
    result.set(name, { dataHash, metadataHash, version: dataHash.slice(0, 12) })
  }
  return result
}

// Rewrites references to the given "schema.table" names; others are left as written.
export async function rewriteTableReferences(sql: string, map: ReadonlyMap<string, string>): Promise<string> {
  let result = sql
  for (const [source, target] of map) {
    result = result.replace(new RegExp(`(?<![\\w."])${source.replace('.', '\\.')}(?![\\w"])`, 'gi'), target)
  }
  return result
}
