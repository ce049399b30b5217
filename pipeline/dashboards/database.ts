// Opens the transform project's database once for a build and gives each environment a query
// runner whose model names resolve to that environment's views (the engine's rewrite).
import { existsSync } from 'node:fs'
import {
  type Database,
  databasePath,
  loadProject,
  openDatabase,
  type Project,
  queryDirectories,
  rewriteForEnvironment,
  validateEnvironmentName,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import { connectionRunner, type QueryRunner } from './query.ts'

export interface BuildDatabase {
  readonly project: Project
  readonly database: Database
  readonly runnerFor: (environment: string) => QueryRunner
  close(): void
}

export function checkEnvironment(environment: string): void {
  validateEnvironmentName(environment)
}

/** A runner for one environment over an open database of a loaded project. */
export function environmentRunner(project: Project, database: Database, environment: string): QueryRunner {
  validateEnvironmentName(environment)
  return connectionRunner(database.connection, (sql) => rewriteForEnvironment(project, sql, environment))
}

export async function openBuildDatabase(projectRoot: string, env: NodeJS.ProcessEnv): Promise<BuildDatabase> {
  const project = await loadProject(projectRoot, { env })
  const path = databasePath(project.config)
  if (!existsSync(path)) {
    throw new MateriaError(
      'dashboard',
      `${path}: no database yet; run materia start (or materia plan prod) first`,
    )
  }
  // Page queries only read (query-guard.ts), and only files in the project and landing folders.
  const database = await openDatabase(path, {
    landingDir: project.config.landingDir,
    allowedDirectories: queryDirectories(project),
  })
  return {
    project,
    database,
    runnerFor: (environment) => environmentRunner(project, database, environment),
    close: () => database.close(),
  }
}
