// The janitor: removes dev environments whose TTL passed (their views and state rows), then the
// physical tables no environment shows once they are older than the table TTL, and the unmarked
// tables (no snapshot names them: a build that crashed or failed before apply marked it, see
// apply.ts), which nothing reads. prod is never removed, and a table any environment shows is never
// dropped.
import { assert } from '../assert.ts'
import { tableTtlMs } from '../limits.ts'
import type { Database } from './database.ts'
import { dropEnvironmentViews } from './environments.ts'
import { quoteQualified } from './sql-quote.ts'
import { deleteEnvironment, deleteSnapshot, readState } from './state.ts'

export interface JanitorOptions {
  readonly now?: Date
  readonly ignoreTtl?: boolean // drop unreferenced tables whatever their age
  readonly tableTtlMs?: number
}

export interface JanitorResult {
  readonly environmentsRemoved: readonly string[]
  readonly tablesDropped: readonly string[]
}

// Base tables of the physical schemas (materia__<schema>, which model names cannot take).
async function physicalTables(db: Database): Promise<string[]> {
  const rows = await db.rows(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema LIKE 'materia\\_\\_%' ESCAPE '\\' ORDER BY name`,
  )
  return rows.map((row) => String(row.name))
}

export async function runJanitor(db: Database, options: JanitorOptions = {}): Promise<JanitorResult> {
  const nowMs = (options.now ?? new Date()).getTime()
  const ttlMs = options.ignoreTtl === true ? 0 : (options.tableTtlMs ?? tableTtlMs)
  return db.exclusive(async () => {
    const state = await readState(db)
    const environmentsRemoved: string[] = []
    for (const environment of state.environments.values()) {
      if (environment.name === 'prod' || environment.expiresAtMs === null || environment.expiresAtMs > nowMs)
        continue
      await db.run('BEGIN TRANSACTION')
      try {
        await dropEnvironmentViews(db, environment.name, [...environment.models.keys()])
        await deleteEnvironment(db.connection, environment.name)
        await db.run('COMMIT')
      } catch (error) {
        await db.run('ROLLBACK')
        throw error
      }
      environmentsRemoved.push(environment.name)
    }
    const after = await readState(db)
    assert(
      after.environments.has('prod') === state.environments.has('prod'),
      'the janitor never removes prod',
    )
    const referenced = new Set<string>()
    for (const environment of after.environments.values()) {
      for (const row of environment.models.values()) referenced.add(`${row.model}@${row.version}`)
    }
    const tablesDropped: string[] = []
    for (const [key, snapshot] of after.snapshots) {
      if (referenced.has(key) || snapshot.createdAtMs + ttlMs > nowMs) continue
      const isView = JSON.parse(snapshot.kind).name === 'VIEW'
      await db.run('BEGIN TRANSACTION')
      try {
        await db.run(`DROP ${isView ? 'VIEW' : 'TABLE'} IF EXISTS ${quoteQualified(snapshot.physicalTable)}`)
        await deleteSnapshot(db.connection, snapshot.name, snapshot.version)
        await db.run('COMMIT')
      } catch (error) {
        await db.run('ROLLBACK')
        throw error
      }
      tablesDropped.push(snapshot.physicalTable)
    }
    const marked = new Set([...(await readState(db)).snapshots.values()].map((row) => row.physicalTable))
    for (const table of await physicalTables(db)) {
      if (marked.has(table)) continue
      await db.run(`DROP TABLE IF EXISTS ${quoteQualified(table)}`)
      tablesDropped.push(table)
    }
    return { environmentsRemoved, tablesDropped: tablesDropped.sort() }
  })
}
