// Output schemas of models without building them: each model's rendered query runs with LIMIT 0 in a
// scratch in-memory DuckDB over the empty typed tables of its parents, in dependency order. Seeds
// read their CSV header; models with declared `columns` use those types. The unit-test runner types
// its fixtures with these schemas, so a column a fixture leaves out is NULL of the right type, and
// the linter binds queries over them to find ambiguous columns.
import { dirname, join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import type { Model } from './model.ts'
import type { Project } from './project.ts'
import { type RenderContext, renderMacros } from './render.ts'
import { quoteIdentifier, quoteLiteral, quoteQualified } from './sql-quote.ts'

export interface ColumnSchema {
  readonly name: string
  readonly type: string
}

export type ModelSchema =
  | { readonly ok: true; readonly columns: readonly ColumnSchema[] }
  | { readonly ok: false; readonly problem: string } // e.g. its landing files are not there

// Every ancestor of `names` (and the names themselves), parents first.
export function ancestorsInOrder(project: Project, names: readonly string[]): string[] {
  const wanted = new Set<string>()
  const visit = (name: string) => {
    if (wanted.has(name)) return
    wanted.add(name)
    for (const parent of project.parents.get(name) ?? []) visit(parent)
  }
  for (const name of names) visit(name)
  return project.order.filter((name) => wanted.has(name))
}

function modelSelectSql(project: Project, model: Model, context: RenderContext): string {
  if (model.kind.name === 'SEED') {
    const path = join(project.root, dirname(model.path), model.kind.path)
    return `SELECT * FROM read_csv(${quoteLiteral(path)}, header = true)`
  }
  return renderMacros(project, model, context)
}

// Schemas of `names` and their ancestors. A model whose query cannot be bound gets ok: false with
// DuckDB's reason, and so do its descendants (their parents' tables are missing). With `connection`
// the empty tables are made there and left for the caller; without, in a scratch database.
export async function deriveSchemas(
  project: Project,
  names: readonly string[],
  context: RenderContext,
  connection?: DuckDBConnection,
): Promise<Map<string, ModelSchema>> {
  if (connection !== undefined) return deriveInto(connection, project, names, context)
  const instance = await DuckDBInstance.create(':memory:')
  const scratch = await instance.connect()
  try {
    return await deriveInto(scratch, project, names, context)
  } finally {
    scratch.closeSync()
    instance.closeSync()
  }
}

async function deriveInto(
  connection: DuckDBConnection,
  project: Project,
  names: readonly string[],
  context: RenderContext,
): Promise<Map<string, ModelSchema>> {
  const schemas = new Map<string, ModelSchema>()
  for (const name of ancestorsInOrder(project, names)) {
    const model = project.models.get(name)
    if (model === undefined) continue
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(model.schema)}`)
    const schema = await deriveOne(connection, project, model, context)
    schemas.set(name, schema)
    if (schema.ok) await createEmptyTable(connection, name, schema.columns)
  }
  return schemas
}

async function deriveOne(
  connection: DuckDBConnection,
  project: Project,
  model: Model,
  context: RenderContext,
): Promise<ModelSchema> {
  const declared = model.columns ?? []
  if (declared.length > 0) return { ok: true, columns: declared.map((c) => ({ name: c.name, type: c.type })) }
  try {
    const sql = modelSelectSql(project, model, context)
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM (${sql}) LIMIT 0`)
    const columns = reader
      .getRowObjectsJson()
      .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
    return { ok: true, columns }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    return { ok: false, problem: message.split('\n')[0] ?? message }
  }
}

export async function createEmptyTable(
  connection: DuckDBConnection,
  name: string,
  columns: readonly ColumnSchema[],
): Promise<void> {
  const definitions = columns.map((c) => `${quoteIdentifier(c.name)} ${c.type}`).join(', ')
  await connection.run(`CREATE OR REPLACE TABLE ${quoteQualified(name)} (${definitions})`)
}
