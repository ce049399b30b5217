// The landing folder is resolved when a query runs, not when a view is created: models read it as
// materia_runtime.main.landing_dir(), a macro in an in-memory catalog that every process binds to
// its own landing folder (materia.yaml `landing`, or MATERIA_LANDING) when it opens the database.
// Moving the project folder, or pointing MATERIA_LANDING elsewhere, then needs no rebuild of the
// views over landed files, and no stored view names a folder that may no longer exist. Each
// environment records the landing folder it was last applied with, so plan can say when it changed.
//
// An in-memory catalog is shared by all connections of the instance (DuckDB ATTACH), unlike SET
// VARIABLE, which is per connection; READ_WRITE lets a READ_ONLY instance attach it too.
import type { DuckDBConnection } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import type { Model } from './model.ts'
import { quoteLiteral } from './sql-quote.ts'

const runtimeCatalog = 'materia_runtime'

// What @VAR('landing_dir') renders to in the SQL that apply stores (views) or runs (builds).
export const landingExpression = `${runtimeCatalog}.main.landing_dir()`

export async function bindLanding(connection: DuckDBConnection, landingDir: string): Promise<void> {
  assert(landingDir.startsWith('/'), `landing folder ${landingDir} is absolute`)
  await connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${runtimeCatalog} (READ_WRITE)`)
  await connection.run(`CREATE OR REPLACE MACRO ${landingExpression} AS ${quoteLiteral(landingDir)}`)
}

// Models whose query reads the landing folder (directly; their children read it through them).
export function readsLanding(model: Model): boolean {
  return /@VAR\s*\(\s*'landing_dir'/i.test(model.query)
}
