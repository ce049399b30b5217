// Everything a request handler needs, created once at start-up: the loaded project, its one
// DuckDB database (opened here and nowhere else in the process), the query runner and the caches of
// DuckDB's function and keyword names used by completion.
import { mkdirSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import {
  type Database,
  databasePath,
  environmentSchema,
  loadProjectReport,
  openDatabase,
  type Project,
  problemsText,
  queryDirectories,
  quoteIdentifier,
  scratchSchema,
} from '../pipeline/engine/index.ts'
import { isMateriaError } from '../pipeline/errors.ts'
import { ApplyJobs } from './apply-jobs.ts'
import { ensureDevEnvironment } from './environments.ts'
import { type ProjectIndex, scanProject } from './project-index.ts'
import { QueryRunner } from './query-runner.ts'

export interface WorkbenchContext {
  readonly root: string
  readonly db: Database
  readonly connection: DuckDBConnection // catalog look-ups only; queries and applies get their own
  readonly queries: QueryRunner
  readonly applyJobs: ApplyJobs
  readonly defaultEnvironment: string
  readonly historyPath: string
  readonly rendererDir: string
  readonly env: NodeJS.ProcessEnv
  readonly functionNames: readonly string[]
  readonly keywords: readonly string[]
  project: Project | null // null while the project does not load (index.loadError says why)
  index: ProjectIndex
}

export function defaultDevEnvironment(env: NodeJS.ProcessEnv): string {
  if (env.MATERIA_ENV !== undefined && /^(prod|dev_[a-z0-9_]+)$/.test(env.MATERIA_ENV)) return env.MATERIA_ENV
  const user = (env.USER ?? userInfo().username).toLowerCase().replace(/[^a-z0-9_]/g, '_')
  return `dev_${user || 'user'}`
}

async function names(connection: DuckDBConnection, sql: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(sql)
  return reader.getRowsJson().map((row) => String(row[0]))
}

// Whether the database holds a table or view schema.table.
export async function tableExists(
  context: WorkbenchContext,
  schema: string,
  table: string,
): Promise<boolean> {
  const reader = await context.connection.runAndReadAll(
    `SELECT count(*)::INTEGER FROM duckdb_tables() WHERE schema_name = $schema AND table_name = $table
     UNION ALL SELECT count(*)::INTEGER FROM duckdb_views() WHERE schema_name = $schema AND view_name = $table`,
    { schema, table },
  )
  return reader.getRowsJson().some((row) => Number(row[0]) > 0)
}

// Loads the project with the engine; a project that does not load still opens (from a scan of its
// files) so the analyst can fix the model the engine complains about.
export async function loadIndex(
  root: string,
  env: NodeJS.ProcessEnv,
): Promise<{ project: Project | null; index: ProjectIndex }> {
  try {
    // A broken model leaves the rest usable (queries, the DAG, the editor); its problems show as the
    // load error, and plan/apply refuse until they are fixed (plan.ts requireProject).
    const { project, problems } = await loadProjectReport(root, { env })
    const parents = new Map([...project.models.keys()].map((name) => [name, project.parents.get(name) ?? []]))
    const loadError = problems.length === 0 ? null : problemsText(problems)
    return { project, index: await scanProject(root, parents, loadError, project) }
  } catch (error) {
    if (!isMateriaError(error)) throw error
    return { project: null, index: await scanProject(root, new Map(), error.message) }
  }
}

export async function createContext(options: {
  root: string
  rendererDir: string
  env: NodeJS.ProcessEnv
}): Promise<WorkbenchContext> {
  const { project, index } = await loadIndex(options.root, options.env)
  // Without a loadable materia.yaml the workbench still opens, on the default local file.
  const path =
    project === null ? join(options.root, '.materia', 'local.duckdb') : databasePath(project.config)
  mkdirSync(dirname(path), { recursive: true })
  // DuckDB may touch files in the project and landing folders only (read_text('/etc/passwd') fails).
  const directories = queryDirectories(project ?? options.root, options.env)
  // directories[1], when present, is the landing folder models read at run time.
  const landingDir = directories[1]
  const db = await openDatabase(path, { allowedDirectories: directories, landingDir })
  const connection = await db.connect()
  const queries = await QueryRunner.create(db.instance, {
    scratch: scratchSchema(options.env),
    exportRoot: join(options.root, '.materia', 'exports'),
  })
  const context: WorkbenchContext = {
    root: options.root,
    db,
    connection,
    queries,
    applyJobs: new ApplyJobs(),
    defaultEnvironment: defaultDevEnvironment(options.env),
    historyPath: join(options.root, '.materia', 'query-history.jsonl'),
    rendererDir: options.rendererDir,
    env: options.env,
    functionNames: await names(
      connection,
      "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY 1",
    ),
    keywords: await names(connection, 'SELECT keyword_name FROM duckdb_keywords() ORDER BY 1'),
    project,
    index,
  }
  await ensureDevEnvironment(context, context.defaultEnvironment)
  return context
}

// A first query for an analyst who has written none yet (the query page's first tab, a new
// dashboard page): the first rows of a model that no other model reads (a serving table, in a
// layered project), the first by name whose view the environment has, so the first Run shows the
// project's data and names a table to start from. Seeds and external tables are inputs, not
// results; where no model qualifies, a query that needs no table.
export async function starterSql(context: WorkbenchContext, environment: string): Promise<string> {
  const project = context.project
  const results = [...(project?.models.values() ?? [])]
    .filter((model) => (project?.children.get(model.name) ?? []).length === 0)
    .filter((model) => !['SEED', 'EXTERNAL', 'EMBEDDED'].includes(model.kind.name))
    .sort((left, right) => left.name.localeCompare(right.name))
  for (const model of results) {
    if (!(await tableExists(context, environmentSchema(model.schema, environment), model.table))) continue
    const name = [model.schema, model.table]
      .map((part) => (/^[a-z_][a-z0-9_]*$/.test(part) ? part : quoteIdentifier(part)))
      .join('.')
    return `SELECT *\nFROM ${name}\nLIMIT 100\n`
  }
  return 'SELECT 42 AS answer\n'
}

export async function reloadIndex(context: WorkbenchContext): Promise<void> {
  const loaded = await loadIndex(context.root, context.env)
  context.project = loaded.project
  context.index = loaded.index
}

export function closeContext(context: WorkbenchContext): void {
  context.connection.disconnectSync()
  context.db.close()
}
