// Change categorization: a model's own definition (its query with macros rendered against a fixed
// window and model names as written, plus its kind) is compared with the one its current table was
// built from. Only added top-level output columns is NON_BREAKING; anything else is BREAKING.
// Queries are compared as DuckDB parse trees (json_serialize_sql), so formatting never counts.
import { createHash } from 'node:crypto'
import type { DuckDBConnection } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { renderModelQuery } from './load-api.ts'
import type { Project } from './project.ts'

interface Definition {
  readonly ownHash: string // over the raw query text and kind: equal means surely not modified
  readonly query: string // canonical rendering, stored with the table
  readonly kind: string // ModelKind as JSON
}

// Macros render against this window when comparing definitions, so @start_ds never looks like a change.
const canonicalStart = new Date(Date.UTC(2000, 0, 1))
const canonicalEnd = new Date(Date.UTC(2000, 0, 2))

// Covers what the model's rows depend on apart from its parents: query text, kind, declared columns,
// and the project variables its macros may read. Seed files are hashed by the fingerprint only.
export function ownHash(project: Project, name: string): string {
  const model = project.models.get(name)
  assert(model !== undefined, `model ${name} exists`)
  const variables = { ...project.config.variables, landing_dir: null }
  return createHash('sha256')
    .update(JSON.stringify([model.query, model.kind, model.columns ?? [], variables]))
    .digest('hex')
    .slice(0, 16)
}

export async function definitionOf(project: Project, name: string): Promise<Definition> {
  const model = project.models.get(name)
  assert(model !== undefined, `model ${name} exists`)
  const query =
    model.kind.name === 'SEED'
      ? model.kind.path
      : await renderModelQuery(project, name, {
          start: canonicalStart,
          end: canonicalEnd,
          executionTime: canonicalStart,
          resolveTable: () => null,
        })
  return { ownHash: ownHash(project, name), query, kind: JSON.stringify(model.kind) }
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }

function stripLocations(value: Json): Json {
  if (Array.isArray(value)) return value.map(stripLocations)
  if (value !== null && typeof value === 'object') {
    const result: { [key: string]: Json } = {}
    for (const [key, child] of Object.entries(value)) {
      if (key !== 'query_location') result[key] = stripLocations(child)
    }
    return result
  }
  return value
}

async function parseTree(connection: DuckDBConnection, sql: string): Promise<Json | null> {
  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR) AS tree', [sql])
  const text = reader.getRowObjectsJS()[0]?.tree
  assert(typeof text === 'string', 'json_serialize_sql returns text')
  const tree = JSON.parse(text) as { error?: boolean; statements?: Json[] }
  if (tree.error === true || tree.statements?.length !== 1) return null
  return stripLocations(tree.statements[0] ?? null)
}

type QueryComparison = 'same' | 'added_columns' | 'different'

// `before` projections must appear in `after` in the same order, with only new ones added.
function isSubsequence(before: readonly Json[], after: readonly Json[]): boolean {
  let index = 0
  for (const item of after) {
    if (index < before.length && JSON.stringify(item) === JSON.stringify(before[index])) index += 1
  }
  return index === before.length
}

export async function compareQueries(
  connection: DuckDBConnection,
  before: string,
  after: string,
): Promise<QueryComparison> {
  if (before === after) return 'same'
  const [treeBefore, treeAfter] = [await parseTree(connection, before), await parseTree(connection, after)]
  if (treeBefore === null || treeAfter === null) return 'different'
  if (JSON.stringify(treeBefore) === JSON.stringify(treeAfter)) return 'same'
  const nodeBefore = (treeBefore as { node?: { select_list?: Json[] } }).node
  const nodeAfter = (treeAfter as { node?: { select_list?: Json[] } }).node
  const listBefore = nodeBefore?.select_list
  const listAfter = nodeAfter?.select_list
  if (!Array.isArray(listBefore) || !Array.isArray(listAfter)) return 'different'
  if (listAfter.length <= listBefore.length) return 'different'
  const restBefore = JSON.stringify({ ...nodeBefore, select_list: [] })
  const restAfter = JSON.stringify({ ...nodeAfter, select_list: [] })
  if (restBefore !== restAfter) return 'different'
  return isSubsequence(listBefore, listAfter) ? 'added_columns' : 'different'
}
