// The loading half of the engine as the planner and apply use it: rendering, fingerprints and
// table-reference rewriting. Kept in one file so the back half depends on exactly these functions.
// This version carries small stand-ins with the same signatures as render.ts, fingerprint.ts and
// sql-ast.ts; it becomes a list of re-exports once those modules are in the tree.
import { createHash } from 'node:crypto'
import type { Project } from './project.ts'

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

function isoDate(date: Date): string {
  return date.toISOString().slice(0, 10)
}

function isoTimestamp(date: Date): string {
  return date.toISOString().slice(0, 19).replace('T', ' ')
}

export async function renderModelQuery(
  project: Project,
  modelName: string,
  options: RenderOptions,
): Promise<string> {
  const model = project.models.get(modelName)
  if (model === undefined) throw new Error(`unknown model ${modelName}`)
  const endInclusive = new Date(options.end.getTime() - 1)
  let sql = model.query
    .replaceAll('@start_ds', `'${isoDate(options.start)}'`)
    .replaceAll('@end_ds', `'${isoDate(endInclusive)}'`)
    .replaceAll('@start_date', `DATE '${isoDate(options.start)}'`)
    .replaceAll('@end_date', `DATE '${isoDate(endInclusive)}'`)
    .replaceAll('@start_ts', `'${isoTimestamp(options.start)}'`)
    .replaceAll('@end_ts', `'${isoTimestamp(endInclusive)}'`)
    .replaceAll('@execution_ds', `'${isoDate(options.executionTime)}'`)
  const resolve = options.resolveTable
  if (resolve !== undefined) {
    for (const parent of project.parents.get(modelName) ?? []) {
      const target = resolve(parent)
      if (target === null) continue
      sql = sql.replace(new RegExp(`(?<![\\w."])${parent.replace('.', '\\.')}(?![\\w"])`, 'gi'), target)
    }
  }
  return sql.trim().replace(/;\s*$/, '')
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
