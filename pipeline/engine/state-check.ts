// State against the database: every physical table (or view) a snapshot names exists with the
// columns state recorded, and every live environment has a view for each of its models. Something
// outside plan/apply (a DROP run by hand, a file restored from an older copy) leaves state and
// database apart; plan repairs what it finds (plan.ts) and `materia doctor` reports it.
import type { Database } from './database.ts'
import { environmentSchema } from './project.ts'
import { type State, snapshotKey } from './state.ts'

type Drift =
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
  // Physical objects (tables, and views of VIEW models) live in materia__ schemas: one row per object
  // with its columns as text, so a no-op plan over 1,000 models reads 1,000 rows here, not one per
  // column, and no duckdb_tables() (which sizes every table).
  const columns = new Map<string, string>()
  for (const row of await db.rows(
    `SELECT schema_name || '.' || table_name AS name,
       string_agg(column_name || ' ' || data_type, ', ' ORDER BY column_index) AS columns
     FROM duckdb_columns() WHERE NOT internal AND schema_name LIKE 'materia\\_\\_%' ESCAPE '\\'
     GROUP BY schema_name, table_name`,
  )) {
    columns.set(String(row.name), String(row.columns))
  }
  const views = new Set<string>()
  for (const row of await db.rows(
    `SELECT schema_name || '.' || view_name AS name FROM duckdb_views() WHERE NOT internal AND NOT temporary`,
  )) {
    views.add(String(row.name))
  }
  const drift: Drift[] = []
  for (const snapshot of [...state.snapshots.values()].sort((a, b) =>
    a.physicalTable.localeCompare(b.physicalTable),
  )) {
    const base = { model: snapshot.name, version: snapshot.version, table: snapshot.physicalTable }
    const actual = columns.get(snapshot.physicalTable)
    if (actual === undefined) {
      drift.push({
        kind: 'table_missing',
        ...base,
        message: `${snapshot.physicalTable} (${snapshot.name}@${snapshot.version}) is in state but not in the database`,
      })
      continue
    }
    if (actual !== columnsText(snapshot.columns)) {
      drift.push({
        kind: 'table_columns',
        ...base,
        message: `${snapshot.physicalTable} (${snapshot.name}@${snapshot.version}) has columns (${actual}), state recorded (${columnsText(snapshot.columns)})`,
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
