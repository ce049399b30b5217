// Opens the project's DuckDB file for a build (read-only, once) and gives each environment a query
// runner whose model names resolve to that environment's views.
import { access } from 'node:fs/promises'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { environmentSchema } from '../engine/project.ts'
import { MateriaError } from '../errors.ts'
import { connectionRunner, type QueryRunner } from './query.ts'

export interface BuildDatabase {
  readonly runnerFor: (environment: string) => QueryRunner
  close(): void
}

const layerSchemas = ['raw', 'staging', 'cleaned', 'serving']
const environmentPattern = /^(prod|dev_[a-z0-9_]+)$/

/** `serving.x` -> `serving__dev_me.x` outside prod; prod views are the plain schema names. */
export function resolveForEnvironment(sql: string, environment: string): string {
  if (environment === 'prod') return sql
  const pattern = new RegExp(`\\b(${layerSchemas.join('|')})\\.(?=[A-Za-z_"])`, 'g')
  return sql.replace(pattern, (_whole, schema: string) => `${environmentSchema(schema, environment)}.`)
}

export function checkEnvironment(environment: string): void {
  if (!environmentPattern.test(environment)) {
    throw new MateriaError(
      'usage',
      `environment "${environment}" is not prod or dev_<name> (lowercase letters, digits, _)`,
    )
  }
}

export async function openBuildDatabase(projectRoot: string): Promise<BuildDatabase> {
  const path = join(projectRoot, '.materia', 'local.duckdb')
  try {
    await access(path)
  } catch {
    throw new MateriaError(
      'dashboard',
      `${path}: no database; land a snapshot and run materia plan --auto-apply first`,
    )
  }
  let instance: DuckDBInstance
  try {
    // Read-only: a build never writes, and may run while another reader has the file open.
    instance = await DuckDBInstance.create(path, { access_mode: 'READ_ONLY' })
  } catch (error) {
    const reason = (error as Error).message.split('\n')[0]
    throw new MateriaError(
      'lock',
      `${path}: cannot open the database (${reason}); close the workbench or retry`,
    )
  }
  const connection = await instance.connect()
  return {
    runnerFor: (environment) => {
      checkEnvironment(environment)
      return connectionRunner(connection, (sql) => resolveForEnvironment(sql, environment))
    },
    close: () => {
      connection.closeSync()
      instance.closeSync()
    },
  }
}
