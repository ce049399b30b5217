// State against the database: every physical table (or view) a snapshot names exists with the
// columns state recorded, and every live environment has a view for each of its models. Something
// outside plan/apply (a DROP run by hand, a file restored from an older copy) leaves state and
// database apart; plan repairs what it finds (plan.ts) and `materia doctor` reports it.
import type { Database } from './database.ts'
import { environmentSchema } from './project.ts'
import { type State, snapshotKey } from './state.ts'

export type Drift =
  | {
      readonly kind: 'table_missing' | 'table_columns'
      readonly model: string
      readonly version: string
      readonly table: string
      readonly message: string
    }
  | {
      readonly kind: 'view_missing'
      readonly model: string
      readonly environment: string
      readonly view: string
      readonly message: string
    }

function columnsText(columns: readonly { name: string; type: string }[]): string {
  return columns.map((column) => `${column.name} ${column.type}`).join(', ')
}

export async function checkState(db: Database, state: State, now: Date = new Date()): Promise<Drift[]> {
  const relations = new Set<string>()
  const views = new Set<string>()
  for (const row of await db.rows(
    `SELECT schema_name, table_name AS name, false AS is_view FROM duckdb_tables() WHERE NOT temporary
     UNION ALL SELECT schema_name, view_name, true FROM duckdb_views() WHERE NOT internal AND NOT temporary`,
  )) {
    const name = `${String(row.schema_name)}.${String(row.name)}`
    relations.add(name)
    if (row.is_view === true) views.add(name)
  }
  const columns = new Map<string, { name: string; type: string }[]>()
  for (const row of await db.rows(
    `SELECT schema_name, table_name, column_name, data_type FROM duckdb_columns()
     WHERE NOT internal AND schema_name LIKE 'materia\\_\\_%' ESCAPE '\\' ORDER BY schema_name, table_name, column_index`,
  )) {
    const name = `${String(row.schema_name)}.${String(row.table_name)}`
    const list = columns.get(name) ?? []
    list.push({ name: String(row.column_name), type: String(row.data_type) })
    columns.set(name, list)
  }
  const drift: Drift[] = []
  for (const snapshot of [...state.snapshots.values()].sort((a, b) =>
    a.physicalTable.localeCompare(b.physicalTable),
  )) {
    const base = { model: snapshot.name, version: snapshot.version, table: snapshot.physicalTable }
    if (!relations.has(snapshot.physicalTable)) {
      drift.push({
        kind: 'table_missing',
        ...base,
        message: `${snapshot.physicalTable} (${snapshot.name}@${snapshot.version}) is in state but not in the database`,
      })
      continue
    }
    const actual = columns.get(snapshot.physicalTable) ?? []
    if (columnsText(actual) !== columnsText(snapshot.columns)) {
      drift.push({
        kind: 'table_columns',
        ...base,
        message: `${snapshot.physicalTable} (${snapshot.name}@${snapshot.version}) has columns (${columnsText(actual)}), state recorded (${columnsText(snapshot.columns)})`,
      })
    }
  }
  for (const environment of [...state.environments.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    // An invalidated environment has no views by design; the janitor removes its state.
    if (environment.expiresAtMs !== null && environment.expiresAtMs <= now.getTime()) continue
    for (const entry of [...environment.models.values()].sort((a, b) => a.model.localeCompare(b.model))) {
      const [schema, table] = entry.model.split('.') as [string, string]
      const view = `${environmentSchema(schema, environment.name)}.${table}`
      if (!views.has(view)) {
        drift.push({
          kind: 'view_missing',
          model: entry.model,
          environment: environment.name,
          view,
          message: `view ${view} of environment ${environment.name} (${entry.model}) is missing`,
        })
      }
    }
  }
  return drift
}

// The state plan builds steps from: without the snapshots whose tables are missing or differ, so
// their versions are built again (apply replaces the stale state rows in the build's transaction).
export function withoutBrokenSnapshots(
  state: State,
  drift: readonly Drift[],
): { state: State; broken: Set<string> } {
  const broken = new Set<string>()
  for (const item of drift) {
    if (item.kind !== 'view_missing') broken.add(snapshotKey(item.model, item.version))
  }
  if (broken.size === 0) return { state, broken }
  return {
    state: {
      ...state,
      snapshots: new Map([...state.snapshots].filter(([key]) => !broken.has(key))),
      intervals: new Map([...state.intervals].filter(([key]) => !broken.has(key))),
    },
    broken,
  }
}
