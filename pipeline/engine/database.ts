// Database: one DuckDB instance and its main connection for one file, opened once per process.
// DuckDB locks the file for the whole process, so a second process (the workbench, another CLI)
// gets a 'lock' error naming the holder. Within a process, applies take turns (one writer at a time).
import { type DuckDBConnection, DuckDBInstance, type DuckDBValue } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { bindLanding } from './landing-runtime.ts'
import type { ProjectConfig } from './project.ts'
import { quoteLiteral } from './sql-quote.ts'

export type Row = Record<string, unknown>

export class Database {
  readonly path: string
  readonly instance: DuckDBInstance
  readonly connection: DuckDBConnection
  private applying: Promise<void> = Promise.resolve()
  private closed = false

  constructor(path: string, instance: DuckDBInstance, connection: DuckDBConnection) {
    this.path = path
    this.instance = instance
    this.connection = connection
  }

  // A second connection on the same instance, for work that runs concurrently (one per model build).
  async connect(): Promise<DuckDBConnection> {
    assert(!this.closed, 'database is open')
    return this.instance.connect()
  }

  async rows(sql: string, values?: DuckDBValue[], connection?: DuckDBConnection): Promise<Row[]> {
    const reader = await (connection ?? this.connection).runAndReadAll(sql, values)
    return reader.getRowObjectsJS() as Row[]
  }

  async run(sql: string, values?: DuckDBValue[], connection?: DuckDBConnection): Promise<void> {
    await (connection ?? this.connection).run(sql, values)
  }

  // Runs `job` while no other apply runs on this database in this process.
  async exclusive<T>(job: () => Promise<T>): Promise<T> {
    const previous = this.applying
    let release: () => void = () => {}
    this.applying = new Promise<void>((resolve) => {
      release = resolve
    })
    await previous
    try {
      return await job()
    } finally {
      release()
    }
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    this.connection.closeSync()
    this.instance.closeSync()
  }
}

// DuckDB says: Could not set lock on file "x": Conflicting lock is held in /usr/bin/node (PID 8887).
export function lockHolder(message: string): { pid: number | null; program: string | null } {
  const match = /Conflicting lock is held in (.*?) \(PID (\d+)\)/.exec(message)
  if (match === null) return { pid: null, program: null }
  return { pid: Number(match[2]), program: match[1] ?? null }
}

export interface OpenOptions {
  // DuckDB's access_mode READ_ONLY: no statement can write the file, whatever it is.
  readonly readOnly?: boolean
  // The only folders DuckDB may read or write files in (besides the database file and its temp
  // folder). DuckDB's allowed_directories with enable_external_access off; once set, neither can be
  // changed while the database is open (DuckDB: "Cannot change allowed_directories when
  // enable_external_access is disabled").
  readonly allowedDirectories?: readonly string[]
  // The landing folder models read at run time (landing-runtime.ts); bound before file access is
  // restricted.
  readonly landingDir?: string
  // DuckDB configuration options by name (memory_limit, threads, ...), passed as given.
  readonly settings?: Readonly<Record<string, string>>
}

// DuckDB settings of every instance the engine opens on a database file. Empty for now: the
// defaults (memory_limit 80 % of RAM, one thread per core) are what DuckDB documents and tests.
export const databaseSettings: Readonly<Record<string, string>> = {}

async function restrictFileAccess(
  connection: DuckDBConnection,
  directories: readonly string[],
): Promise<void> {
  assert(directories.length > 0, 'at least one allowed directory')
  // A trailing slash makes the entry a folder prefix: /work/p must not admit /work/p2.
  const list = directories.map((directory) =>
    quoteLiteral(directory.endsWith('/') ? directory : `${directory}/`),
  )
  await connection.run(`SET allowed_directories = [${list.join(', ')}]`)
  await connection.run('SET enable_external_access = false')
}

// The DuckDB file of the project's default gateway: the one place that reads it. loadConfig has
// refused a default_gateway that is not among the gateways.
export function databasePath(config: Pick<ProjectConfig, 'defaultGateway' | 'gateways'>): string {
  const gateway = config.gateways[config.defaultGateway]
  assert(gateway !== undefined, `default gateway ${config.defaultGateway} is among the gateways`)
  return gateway.path
}

export async function openDatabase(path: string, options: OpenOptions = {}): Promise<Database> {
  assert(path.length > 0, 'database path is not empty')
  let instance: DuckDBInstance
  try {
    instance = await DuckDBInstance.create(path, {
      ...databaseSettings,
      ...options.settings,
      ...(options.readOnly === true ? { access_mode: 'READ_ONLY' } : {}),
    })
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    if (message.includes('Could not set lock')) {
      const holder = lockHolder(message)
      const who = holder.pid === null ? 'another process' : `process ${holder.pid}`
      throw new MateriaError(
        'lock',
        `${path} is in use by ${who} (${message.split('. See also')[0]}); close it or run this command through the workbench`,
        { cause: error },
      )
    }
    throw new MateriaError('state', `cannot open ${path}: ${message}`, { cause: error })
  }
  const connection = await instance.connect()
  if (options.allowedDirectories !== undefined || options.landingDir !== undefined) {
    try {
      if (options.landingDir !== undefined) await bindLanding(connection, options.landingDir)
      if (options.allowedDirectories !== undefined)
        await restrictFileAccess(connection, options.allowedDirectories)
    } catch (error) {
      connection.closeSync()
      instance.closeSync()
      throw error
    }
  }
  return new Database(path, instance, connection)
}
