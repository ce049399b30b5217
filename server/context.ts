// Everything a request handler needs, created once at start-up: the project, its one DuckDB
// instance (opened here and nowhere else in the process), the query runner and the caches of
// DuckDB's function and keyword names used by completion.
import { mkdir } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { MateriaError } from '../pipeline/errors.ts'
import { type ProjectIndex, scanProject } from './project-index.ts'
import { QueryRunner } from './query-runner.ts'

export interface WorkbenchContext {
  readonly root: string
  readonly databasePath: string
  readonly instance: DuckDBInstance
  readonly connection: DuckDBConnection // catalog look-ups only; queries get their own
  readonly queries: QueryRunner
  readonly defaultEnvironment: string
  readonly historyPath: string
  readonly rendererDir: string
  readonly functionNames: readonly string[]
  readonly keywords: readonly string[]
  index: ProjectIndex
}

export function defaultDevEnvironment(env: NodeJS.ProcessEnv): string {
  if (env.MATERIA_ENV !== undefined && /^(prod|dev_[a-z0-9_]+)$/.test(env.MATERIA_ENV)) return env.MATERIA_ENV
  const user = (env.USER ?? userInfo().username).toLowerCase().replace(/[^a-z0-9_]/g, '_')
  return `dev_${user || 'user'}`
}

async function openInstance(databasePath: string): Promise<DuckDBInstance> {
  try {
    return await DuckDBInstance.create(databasePath)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (/lock/i.test(message)) {
      throw new MateriaError('lock', `${databasePath}: another process holds the database (${message})`)
    }
    throw new MateriaError('workbench', `${databasePath}: cannot open the database: ${message}`)
  }
}

async function names(connection: DuckDBConnection, sql: string): Promise<string[]> {
  const reader = await connection.runAndReadAll(sql)
  return reader.getRowsJson().map((row) => String(row[0]))
}

export async function createContext(options: {
  root: string
  rendererDir: string
  env: NodeJS.ProcessEnv
}): Promise<WorkbenchContext> {
  const databasePath = join(options.root, '.materia', 'local.duckdb')
  await mkdir(join(options.root, '.materia'), { recursive: true })
  const instance = await openInstance(databasePath)
  const connection = await instance.connect()
  const queries = await QueryRunner.create(instance)
  return {
    root: options.root,
    databasePath,
    instance,
    connection,
    queries,
    defaultEnvironment: defaultDevEnvironment(options.env),
    historyPath: join(options.root, '.materia', 'query-history.jsonl'),
    rendererDir: options.rendererDir,
    functionNames: await names(
      connection,
      "SELECT DISTINCT function_name FROM duckdb_functions() WHERE function_name NOT LIKE '\\_\\_%' ESCAPE '\\' ORDER BY 1",
    ),
    keywords: await names(connection, 'SELECT keyword_name FROM duckdb_keywords() ORDER BY 1'),
    index: await scanProject(options.root),
  }
}

export async function reloadIndex(context: WorkbenchContext): Promise<void> {
  context.index = await scanProject(context.root)
}

export function closeContext(context: WorkbenchContext): void {
  context.connection.disconnectSync()
  context.instance.closeSync()
}
