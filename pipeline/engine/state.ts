// Engine state in schema materia_state of the same DuckDB file: which versions are built
// (snapshots), which versions each environment shows (environments, environment_models), and which
// time intervals an incremental version holds (intervals, kept as merged ranges).
// A snapshot row exists only once its physical table is complete: it is written in the same
// transaction as the table, so a crash never leaves a half table marked as built.
import type { DuckDBConnection } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { MateriaError, type MateriaErrorCode } from '../errors.ts'
import type { Database } from './database.ts'
import { type Interval, mergeIntervals } from './interval.ts'
import { quoteLiteral } from './sql-quote.ts'

export const stateSchema = 'materia_state'
const stateFormat = '1'

export interface Column {
  readonly name: string
  readonly type: string
}

interface Snapshot {
  readonly name: string
  readonly version: string
  readonly dataHash: string // fingerprint the table was built from
  readonly ownHash: string // the model's own definition (see plan-compare.ts)
  readonly metadataHash: string
  readonly kind: string // ModelKind as JSON
  readonly columns: readonly Column[]
  readonly physicalTable: string
  readonly query: string // rendered with model names as written, for change categorization
  readonly createdAtMs: number
}

export interface EnvironmentModel {
  readonly model: string
  readonly version: string
  readonly dataHash: string // may differ from the table's when a non-breaking upstream change kept it
  readonly metadataHash: string
}

export interface Environment {
  readonly name: string
  readonly planId: string
  readonly updatedAtMs: number
  readonly expiresAtMs: number | null // null: never expires (prod)
  readonly models: ReadonlyMap<string, EnvironmentModel>
  // The landing folder the environment was last applied with (landing-runtime.ts); null when it was
  // applied before materia recorded it.
  readonly landingDir: string | null
}

export interface State {
  readonly snapshots: ReadonlyMap<string, Snapshot> // by snapshotKey
  readonly environments: ReadonlyMap<string, Environment>
  readonly intervals: ReadonlyMap<string, readonly Interval[]> // by snapshotKey, merged and sorted
}

export function snapshotKey(name: string, version: string): string {
  return `${name}@${version}`
}

export function physicalTable(modelName: string, version: string): string {
  const [schema, table] = modelName.split('.')
  assert(schema !== undefined && table !== undefined, `model name ${modelName} is schema.table`)
  assert(/^[0-9a-f]{12}$/.test(version), `version ${version} is 12 hex`)
  return `materia__${schema}.${schema}__${table}__${version}`
}

const ddl = [
  `CREATE SCHEMA IF NOT EXISTS ${stateSchema}`,
  `CREATE TABLE IF NOT EXISTS ${stateSchema}.format (format VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${stateSchema}.snapshots (
    name VARCHAR NOT NULL, version VARCHAR NOT NULL, data_hash VARCHAR NOT NULL, own_hash VARCHAR NOT NULL,
    metadata_hash VARCHAR NOT NULL, kind VARCHAR NOT NULL, columns VARCHAR NOT NULL,
    physical_table VARCHAR NOT NULL, query VARCHAR NOT NULL, created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (name, version))`,
  `CREATE TABLE IF NOT EXISTS ${stateSchema}.environments (
    name VARCHAR NOT NULL PRIMARY KEY, plan_id VARCHAR NOT NULL, updated_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP)`,
  `CREATE TABLE IF NOT EXISTS ${stateSchema}.environment_models (
    environment VARCHAR NOT NULL, model VARCHAR NOT NULL, version VARCHAR NOT NULL,
    data_hash VARCHAR NOT NULL, metadata_hash VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS ${stateSchema}.intervals (
    name VARCHAR NOT NULL, version VARCHAR NOT NULL, start_ms BIGINT NOT NULL, end_ms BIGINT NOT NULL)`,
  // Added after format 1 shipped; a file without it reads as "landing not recorded".
  `CREATE TABLE IF NOT EXISTS ${stateSchema}.environment_landing (
    environment VARCHAR NOT NULL PRIMARY KEY, landing_dir VARCHAR NOT NULL)`,
]

export async function ensureState(db: Database): Promise<void> {
  await db.run('BEGIN TRANSACTION')
  try {
    for (const statement of ddl) await db.run(statement)
    const rows = await db.rows(`SELECT format FROM ${stateSchema}.format`)
    if (rows.length === 0)
      await db.run(`INSERT INTO ${stateSchema}.format VALUES (${quoteLiteral(stateFormat)})`)
    else if (rows[0]?.format !== stateFormat) {
      throw new MateriaError(
        'state',
        `${db.path}: ${stateSchema} has format ${String(rows[0]?.format)}, this materia reads ${stateFormat}; upgrade materia`,
      )
    }
    await db.run('COMMIT')
  } catch (error) {
    await db.run('ROLLBACK')
    throw error
  }
}

async function stateExists(db: Database): Promise<boolean> {
  const rows = await db.rows(
    `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = '${stateSchema}' AND table_name = 'intervals' AND NOT temporary`,
  )
  return rows[0]?.n === 1
}

function toMs(value: unknown): number {
  assert(value instanceof Date, 'timestamp read as Date')
  return value.getTime()
}

function readSnapshot(row: Record<string, unknown>): Snapshot {
  const name = String(row.name)
  const version = String(row.version)
  const columns = JSON.parse(String(row.columns)) as Column[]
  assert(Array.isArray(columns), `snapshot ${name}@${version} columns is an array`)
  const snapshot: Snapshot = {
    name,
    version,
    dataHash: String(row.data_hash),
    ownHash: String(row.own_hash),
    metadataHash: String(row.metadata_hash),
    kind: String(row.kind),
    columns,
    physicalTable: String(row.physical_table),
    query: String(row.query),
    createdAtMs: toMs(row.created_at),
  }
  assert(snapshot.physicalTable === physicalTable(name, version), `snapshot ${name}@${version} table name`)
  return snapshot
}

// The one error for an environment the state does not hold: the ones it holds, and what to do
// (by default, create it).
export function missingEnvironment(
  state: State,
  name: string,
  code: MateriaErrorCode,
  todo = `create it with materia plan ${name}`,
): MateriaError {
  const names = [...state.environments.keys()].sort().join(', ') || 'none'
  return new MateriaError(code, `no environment ${name} (environments: ${names}); ${todo}`)
}

// Readers of an environment's views (queries, audits, diffs, dashboards) refuse one the state has
// no record of, in the same words everywhere. prod is let through: before its first apply its views
// are simply missing, and the reader says which.
export async function requireEnvironment(db: Database, name: string, code: MateriaErrorCode): Promise<void> {
  if (name === 'prod') return
  const state = await readState(db)
  if (!state.environments.has(name)) throw missingEnvironment(state, name, code)
}

export async function readState(db: Database, connection?: DuckDBConnection): Promise<State> {
  const snapshots = new Map<string, Snapshot>()
  const environments = new Map<string, Environment>()
  const intervals = new Map<string, Interval[]>()
  if (!(await stateExists(db))) return { snapshots, environments, intervals }
  for (const row of await db.rows(`SELECT * FROM ${stateSchema}.snapshots`, undefined, connection)) {
    const snapshot = readSnapshot(row)
    const key = snapshotKey(snapshot.name, snapshot.version)
    assert(!snapshots.has(key), `snapshot ${key} is unique`)
    snapshots.set(key, snapshot)
  }
  const models = new Map<string, Map<string, EnvironmentModel>>()
  for (const row of await db.rows(`SELECT * FROM ${stateSchema}.environment_models`, undefined, connection)) {
    const environment = String(row.environment)
    const entry: EnvironmentModel = {
      model: String(row.model),
      version: String(row.version),
      dataHash: String(row.data_hash),
      metadataHash: String(row.metadata_hash),
    }
    const map = models.get(environment) ?? new Map<string, EnvironmentModel>()
    assert(!map.has(entry.model), `environment ${environment} lists ${entry.model} once`)
    assert(
      snapshots.has(snapshotKey(entry.model, entry.version)),
      `environment ${environment} model ${entry.model} is built`,
    )
    map.set(entry.model, entry)
    models.set(environment, map)
  }
  const landings = new Map<string, string>()
  const landingTable = await db.rows(
    `SELECT count(*)::INTEGER AS n FROM duckdb_tables() WHERE schema_name = '${stateSchema}' AND table_name = 'environment_landing'`,
    undefined,
    connection,
  )
  if (landingTable[0]?.n === 1) {
    const sql = `SELECT environment, landing_dir FROM ${stateSchema}.environment_landing`
    for (const row of await db.rows(sql, undefined, connection))
      landings.set(String(row.environment), String(row.landing_dir))
  }
  for (const row of await db.rows(`SELECT * FROM ${stateSchema}.environments`, undefined, connection)) {
    const name = String(row.name)
    environments.set(name, {
      name,
      planId: String(row.plan_id),
      updatedAtMs: toMs(row.updated_at),
      expiresAtMs: row.expires_at === null ? null : toMs(row.expires_at),
      models: models.get(name) ?? new Map(),
      landingDir: landings.get(name) ?? null,
    })
  }
  const sql = `SELECT name, version, start_ms, end_ms FROM ${stateSchema}.intervals ORDER BY name, version, start_ms`
  for (const row of await db.rows(sql, undefined, connection)) {
    const key = snapshotKey(String(row.name), String(row.version))
    const start = Number(row.start_ms)
    const end = Number(row.end_ms)
    assert(start < end, `interval of ${key} is not empty`)
    const list = intervals.get(key) ?? []
    list.push([start, end])
    intervals.set(key, list)
  }
  for (const [key, list] of intervals) intervals.set(key, mergeIntervals(list))
  return { snapshots, environments, intervals }
}

// Statements below run on the caller's connection inside the caller's transaction.

export async function insertSnapshot(connection: DuckDBConnection, snapshot: Snapshot): Promise<void> {
  assert(snapshot.physicalTable === physicalTable(snapshot.name, snapshot.version), 'snapshot table name')
  await connection.run(
    `INSERT INTO ${stateSchema}.snapshots VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, make_timestamp($10::BIGINT * 1000))`,
    [
      snapshot.name,
      snapshot.version,
      snapshot.dataHash,
      snapshot.ownHash,
      snapshot.metadataHash,
      snapshot.kind,
      JSON.stringify(snapshot.columns),
      snapshot.physicalTable,
      snapshot.query,
      snapshot.createdAtMs,
    ],
  )
}

export async function deleteSnapshot(
  connection: DuckDBConnection,
  name: string,
  version: string,
): Promise<void> {
  await connection.run(`DELETE FROM ${stateSchema}.snapshots WHERE name = $1 AND version = $2`, [
    name,
    version,
  ])
  await connection.run(`DELETE FROM ${stateSchema}.intervals WHERE name = $1 AND version = $2`, [
    name,
    version,
  ])
}

// Replaces the stored intervals of one version by `intervals` (merged), so state never holds
// more rows than there are disjoint ranges, however often a range is restated.
export async function writeIntervals(
  connection: DuckDBConnection,
  name: string,
  version: string,
  intervals: readonly Interval[],
): Promise<void> {
  const merged = mergeIntervals(intervals)
  await connection.run(`DELETE FROM ${stateSchema}.intervals WHERE name = $1 AND version = $2`, [
    name,
    version,
  ])
  for (const [start, end] of merged) {
    assert(start < end, 'interval not empty')
    await connection.run(`INSERT INTO ${stateSchema}.intervals VALUES ($1, $2, $3, $4)`, [
      name,
      version,
      start,
      end,
    ])
  }
}

export async function readIntervals(
  connection: DuckDBConnection,
  name: string,
  version: string,
): Promise<readonly Interval[]> {
  const reader = await connection.runAndReadAll(
    `SELECT start_ms, end_ms FROM ${stateSchema}.intervals WHERE name = $1 AND version = $2 ORDER BY start_ms`,
    [name, version],
  )
  const rows = reader.getRowObjectsJS()
  return mergeIntervals(rows.map((row) => [Number(row.start_ms), Number(row.end_ms)] as const))
}

export async function writeEnvironment(
  connection: DuckDBConnection,
  environment: Omit<Environment, 'updatedAtMs' | 'landingDir'> & {
    readonly updatedAtMs: number
    readonly landingDir: string
  },
): Promise<void> {
  await connection.run(`DELETE FROM ${stateSchema}.environment_models WHERE environment = $1`, [
    environment.name,
  ])
  await connection.run(`DELETE FROM ${stateSchema}.environment_landing WHERE environment = $1`, [
    environment.name,
  ])
  await connection.run(`INSERT INTO ${stateSchema}.environment_landing VALUES ($1, $2)`, [
    environment.name,
    environment.landingDir,
  ])
  await connection.run(`DELETE FROM ${stateSchema}.environments WHERE name = $1`, [environment.name])
  await connection.run(
    `INSERT INTO ${stateSchema}.environments VALUES ($1, $2, make_timestamp($3::BIGINT * 1000), CASE WHEN $4::BIGINT IS NULL THEN NULL ELSE make_timestamp($4::BIGINT * 1000) END)`,
    [environment.name, environment.planId, environment.updatedAtMs, environment.expiresAtMs],
  )
  const rows = [...environment.models.values()]
  for (let index = 0; index < rows.length; index += 500) {
    const chunk = rows.slice(index, index + 500)
    const values = chunk
      .map(
        (row) =>
          `(${quoteLiteral(environment.name)}, ${quoteLiteral(row.model)}, ${quoteLiteral(row.version)}, ${quoteLiteral(row.dataHash)}, ${quoteLiteral(row.metadataHash)})`,
      )
      .join(', ')
    await connection.run(`INSERT INTO ${stateSchema}.environment_models VALUES ${values}`)
  }
  const check = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM ${stateSchema}.environment_models WHERE environment = $1`,
    [environment.name],
  )
  assert(check.getRowObjectsJS()[0]?.n === rows.length, `environment ${environment.name} rows written`)
}

export async function deleteEnvironment(connection: DuckDBConnection, name: string): Promise<void> {
  await connection.run(`DELETE FROM ${stateSchema}.environment_models WHERE environment = $1`, [name])
  await connection.run(`DELETE FROM ${stateSchema}.environment_landing WHERE environment = $1`, [name])
  await connection.run(`DELETE FROM ${stateSchema}.environments WHERE name = $1`, [name])
}
