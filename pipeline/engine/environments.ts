// Environments as the CLI and the workbench see them: list, invalidate, and ad-hoc queries with
// model names rewritten to one environment's views.
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { previewRowsMax } from '../limits.ts'
import type { Database } from './database.ts'
import { rewriteTableReferences } from './load-api.ts'
import { validateEnvironmentName } from './plan.ts'
import { environmentSchema, environmentView, type Project } from './project.ts'
import { guardReadOnlyQuery } from './query-guard.ts'
import { describeQueryError } from './read-error.ts'
import { parseQuery, qualifiedNames, rewriteQualifiedNames } from './sql-ast.ts'
import { quoteIdentifier } from './sql-quote.ts'
import { missingEnvironment, readState, requireEnvironment, stateSchema } from './state.ts'

export interface EnvironmentSummary {
  readonly name: string
  readonly models: number
  readonly planId: string
  readonly updatedAt: string
  readonly expiresAt: string | null
  readonly expired: boolean
}

export async function listEnvironments(db: Database, now: Date = new Date()): Promise<EnvironmentSummary[]> {
  const state = await readState(db)
  return [...state.environments.values()]
    .map((environment) => ({
      name: environment.name,
      models: environment.models.size,
      planId: environment.planId,
      updatedAt: new Date(environment.updatedAtMs).toISOString(),
      expiresAt: environment.expiresAtMs === null ? null : new Date(environment.expiresAtMs).toISOString(),
      expired: environment.expiresAtMs !== null && environment.expiresAtMs <= now.getTime(),
    }))
    .sort((a, b) => (a.name === 'prod' ? -1 : b.name === 'prod' ? 1 : a.name.localeCompare(b.name)))
}

// Drops the environment's views and marks it expired: the janitor removes its state and, after
// the table TTL, the tables nothing else shows. prod cannot be invalidated.
export async function invalidateEnvironment(
  db: Database,
  name: string,
  now: Date = new Date(),
): Promise<number> {
  validateEnvironmentName(name)
  if (name === 'prod')
    throw new MateriaError('usage', 'prod cannot be invalidated; it is what dashboards read')
  return db.exclusive(async () => {
    const state = await readState(db)
    const environment = state.environments.get(name)
    if (environment === undefined) throw missingEnvironment(state, name, 'usage', 'nothing to drop')
    await db.run('BEGIN TRANSACTION')
    try {
      await dropEnvironmentViews(db, name, [...environment.models.keys()])
      await db.run(
        `UPDATE ${stateSchema}.environments SET expires_at = make_timestamp($1::BIGINT * 1000) WHERE name = $2`,
        [now.getTime(), name],
      )
      await db.run('COMMIT')
    } catch (error) {
      await db.run('ROLLBACK')
      throw error
    }
    return environment.models.size
  })
}

export async function dropEnvironmentViews(
  db: Database,
  environment: string,
  models: readonly string[],
): Promise<void> {
  assert(environment !== 'prod', 'prod views are never dropped wholesale')
  const schemas = new Set<string>()
  for (const model of models) {
    const [schema, table] = model.split('.') as [string, string]
    const viewSchema = environmentSchema(schema, environment)
    schemas.add(viewSchema)
    await db.run(`DROP VIEW IF EXISTS ${environmentView(schema, table, environment)}`)
  }
  for (const schema of schemas) {
    const left = await db.rows(
      'SELECT count(*)::INTEGER AS n FROM duckdb_views() WHERE schema_name = $1 AND NOT internal',
      [schema],
    )
    const tables = await db.rows(
      'SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = $1',
      [schema],
    )
    if (left[0]?.n === 0 && tables[0]?.n === 0)
      await db.run(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)}`)
  }
}

// Model references (schema.table, quoted or not) become the environment's views
// ("schema__env"."table"); other names are left as written. A SELECT is read with DuckDB's parser
// (CTE names shadow models); any other statement with the tokenizer (rewriteQualifiedNames).
// A query naming a model the project left out (a Python model, or one reading it, or one that does
// not load) is refused with the reason, instead of DuckDB's "table does not exist".
export async function rewriteForEnvironment(
  project: Project,
  sql: string,
  environment: string,
): Promise<string> {
  validateEnvironmentName(environment)
  await refuseUnavailableModels(project, sql)
  if (environment === 'prod') return sql
  const map = new Map<string, string>()
  for (const model of project.models.values()) {
    map.set(model.name, environmentView(model.schema, model.table, environment))
  }
  const lookup = (reference: string) => map.get(reference) ?? null
  const parsed = await parseQuery(sql)
  if (!parsed.ok && parsed.kind === 'not_select') return rewriteQualifiedNames(sql, lookup)
  return rewriteTableReferences(sql, lookup)
}

async function refuseUnavailableModels(project: Project, sql: string): Promise<void> {
  const unavailable = project.unavailable
  if (unavailable === undefined || unavailable.size === 0) return
  const parsed = await parseQuery(sql)
  const names = parsed.ok
    ? parsed.references.map((reference) => reference.name)
    : qualifiedNames(sql).map((reference) => reference.name)
  const left = [...new Set(names)].filter((name) => unavailable.has(name))
  if (left.length === 0) return
  const reasons = left.map((name) => unavailable.get(name)!)
  const python = reasons.some((reason) => reason.includes('Python model '))
  throw new MateriaError(
    'query',
    `the query reads ${left.join(', ')}, left out of the project: ${reasons.join('; ')}; ${python ? 'rewrite it as a SQL model' : 'run materia validate for the fix'}`,
  )
}

export interface QueryResult {
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  readonly rows: readonly (readonly unknown[])[]
  readonly truncated: boolean // more rows existed than the limit
}

export async function queryEnvironment(
  db: Database,
  project: Project,
  sql: string,
  environment: string,
  options: { readonly limit?: number } = {},
): Promise<QueryResult> {
  const limit = options.limit ?? previewRowsMax
  assert(limit > 0, 'query limit is positive')
  const text = sql.trim().replace(/;\s*$/, '')
  await guardReadOnlyQuery(text)
  await requireEnvironment(db, environment, 'query')
  const rewritten = await rewriteForEnvironment(project, text, environment)
  try {
    const reader = await db.connection.streamAndReadUntil(rewritten, limit + 1)
    const names = reader.columnNames()
    const types = reader.columnTypes().map((type) => type.toString())
    const rows = reader.getRows().slice(0, limit + 1)
    return {
      columns: names.map((name, index) => ({ name, type: types[index] ?? 'UNKNOWN' })),
      rows: rows.slice(0, limit),
      truncated: rows.length > limit,
    }
  } catch (error) {
    const message = await describeQueryError(db.connection, error, { environment })
    throw new MateriaError('query', `query on ${environment} failed: ${message}`, {
      cause: error,
    })
  }
}

// Every row of a query on an environment, chunk by chunk (the CLI's --csv and --json export): the
// columns first, then each chunk's rows as they arrive, so memory stays one chunk deep.
export async function streamEnvironmentQuery(
  db: Database,
  project: Project,
  sql: string,
  environment: string,
  sink: {
    readonly columns: (columns: QueryResult['columns']) => void
    readonly rows: (rows: readonly (readonly unknown[])[]) => Promise<void> | void
  },
): Promise<number> {
  const text = sql.trim().replace(/;\s*$/, '')
  await guardReadOnlyQuery(text)
  await requireEnvironment(db, environment, 'query')
  const rewritten = await rewriteForEnvironment(project, text, environment)
  let count = 0
  try {
    const result = await db.connection.stream(rewritten)
    const names = result.columnNames()
    const types = result.columnTypes().map((type) => type.toString())
    sink.columns(names.map((name, index) => ({ name, type: types[index] ?? 'UNKNOWN' })))
    for (;;) {
      const chunk = await result.fetchChunk()
      if (chunk === null || chunk.rowCount === 0) break
      const rows = chunk.getRows()
      count += rows.length
      await sink.rows(rows)
    }
  } catch (error) {
    const message = await describeQueryError(db.connection, error, { environment })
    throw new MateriaError('query', `query on ${environment} failed: ${message}`, {
      cause: error,
    })
  }
  return count
}
