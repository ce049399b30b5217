// Fingerprints decide what must be rebuilt. The data hash covers everything that changes a model's
// rows: its query as DuckDB parses it (the tree without positions: formatting and comments do not count), kind, declared
// columns, the seed file's bytes, and its parents' data hashes, so a change flows downstream. The
// metadata hash covers what does not change rows (description, owner, cron, audits, tags, grain):
// a metadata-only change never recomputes data. The version names the physical table:
// materia__<schema>.<schema>__<table>__<version>.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { seedFilePath } from './load.ts'
import type { Model } from './model.ts'
import type { Project } from './project.ts'
import { placeholderContext, renderMacros } from './render.ts'
import { canonicalQuery } from './sql-ast.ts'

export interface Fingerprint {
  readonly dataHash: string
  readonly metadataHash: string
  readonly version: string // the first 12 hex digits of dataHash
}

const versionLength = 12

function sha256(text: string | Buffer): string {
  return createHash('sha256').update(text).digest('hex')
}

// The landing folder is where the data comes from, not what the query computes: two machines with
// different landing paths must agree on versions, so the variable is fixed while fingerprinting.
// Queries render it as the run-time macro apply stores (landing-runtime.ts), so the placeholder
// below only shows where a caller renders without that context.
function fingerprintProjectView(project: Project): Project {
  const variables = { ...project.config.variables, landing_dir: '<landing_dir>' }
  return { ...project, config: { ...project.config, variables } }
}

async function normalizedQuery(project: Project, model: Model): Promise<string> {
  if (model.kind.name === 'SEED') return ''
  return canonicalQuery(renderMacros(project, model, { ...placeholderContext, landingAtRuntime: true }))
}

async function seedHash(project: Project, model: Model): Promise<string | null> {
  const path = seedFilePath(project.root, model)
  return path === null ? null : sha256(await readFile(path))
}

export function metadataHash(model: Model): string {
  const audits = model.audits.map((audit) => ({
    name: audit.name,
    blocking: audit.blocking,
    args: Object.entries(audit.args).sort(([left], [right]) => left.localeCompare(right)),
  }))
  const { description, owner, cron, tags, grain } = model
  return sha256(JSON.stringify({ description, owner, cron, audits, tags, grain }))
}

// Rendering a model's query and hashing its tree are synchronous: a 1,000-model project done in one
// go holds the event loop for a few hundred ms on a busy machine, and a workbench answers nothing
// else meanwhile (the navbar's stale badge plans while the analyst opens the next page). Models go
// in chunks (each chunk's queries one DuckDB batch) with a turn of the event loop between them.
const chunkSize = 100

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

async function normalizedQueries(project: Project, models: readonly Model[]): Promise<string[]> {
  const queries: string[] = []
  for (let start = 0; start < models.length; start += chunkSize) {
    if (start > 0) await nextTurn()
    const chunk = models.slice(start, start + chunkSize)
    queries.push(...(await Promise.all(chunk.map((model) => normalizedQuery(project, model)))))
  }
  return queries
}

export async function fingerprintProject(project: Project): Promise<ReadonlyMap<string, Fingerprint>> {
  const view = fingerprintProjectView(project)
  const models = project.order.map((name) => project.models.get(name)!)
  const [queries, seeds] = await Promise.all([
    normalizedQueries(view, models),
    Promise.all(models.map((model) => seedHash(project, model))),
  ])
  const fingerprints = new Map<string, Fingerprint>()
  for (const [index, model] of models.entries()) {
    if (index > 0 && index % chunkSize === 0) await nextTurn()
    // project.order puts parents first, so their fingerprints exist already.
    const parents = (project.parents.get(model.name) ?? []).map((parent) => [
      parent,
      fingerprints.get(parent)!.dataHash,
    ])
    const data = {
      query: queries[index],
      kind: model.kind,
      columns: model.columns ?? [],
      seed: seeds[index],
      parents,
      // Only when present, so that the versions of models without them stay as they were.
      ...(model.stamp === undefined ? {} : { stamp: model.stamp }),
      ...(model.preStatements === undefined ? {} : { pre: model.preStatements }),
      ...(model.postStatements === undefined ? {} : { post: model.postStatements }),
      ...(model.kind.name === 'INCREMENTAL_BY_PARTITION' ? { partitionedBy: model.partitionedBy } : {}),
    }
    const dataHash = sha256(JSON.stringify(data))
    fingerprints.set(model.name, {
      dataHash,
      metadataHash: metadataHash(model),
      version: dataHash.slice(0, versionLength),
    })
  }
  return fingerprints
}
