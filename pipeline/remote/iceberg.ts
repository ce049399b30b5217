// Optional Iceberg publication of the serving tables to an Iceberg REST catalog (Cloudflare R2
// Data Catalog), configured by environment. DuckDB's iceberg extension supports CREATE/DROP TABLE,
// CREATE TABLE ... AS and INSERT on an attached REST catalog, but not CREATE OR REPLACE TABLE
// (duckdb.org/docs/current/core_extensions/iceberg/writing_to_iceberg), so each table is replaced
// by DROP TABLE IF EXISTS + CREATE TABLE AS inside one transaction, rolled back on any failure.
// Iceberg has no 8/16-bit, unsigned or 128-bit integers, intervals or enums: such columns are cast
// to the nearest Iceberg type (HUGEINT -> DECIMAL(38,0), UBIGINT -> DECIMAL(20,0), ...).
// Configured but impossible (the extension cannot be loaded) is a failure, never a silent skip.
import type { DuckDBConnection } from '@duckdb/node-api'
import { quoteIdentifier, quoteLiteral } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'

export interface IcebergCatalog {
  readonly uri: string // MATERIA_ICEBERG_CATALOG_URI, e.g. https://catalog.cloudflarestorage.com/<account>/<bucket>
  readonly warehouse: string // MATERIA_ICEBERG_WAREHOUSE
  readonly tokenVariable: string // name of the environment variable holding the token, never its value
}

export interface IcebergTable {
  readonly name: string
  readonly columns: readonly { readonly name: string; readonly type: string }[]
}

export function icebergCatalogFromEnv(env: NodeJS.ProcessEnv): IcebergCatalog | null {
  const uri = env.MATERIA_ICEBERG_CATALOG_URI
  const warehouse = env.MATERIA_ICEBERG_WAREHOUSE
  if (!uri || !warehouse) return null
  return { uri, warehouse, tokenVariable: 'MATERIA_ICEBERG_TOKEN' }
}

// The Iceberg-compatible type a DuckDB column is cast to, or null when it maps as it is.
const casts: Readonly<Record<string, string>> = {
  TINYINT: 'INTEGER',
  SMALLINT: 'INTEGER',
  UTINYINT: 'INTEGER',
  USMALLINT: 'INTEGER',
  UINTEGER: 'BIGINT',
  UBIGINT: 'DECIMAL(20,0)',
  HUGEINT: 'DECIMAL(38,0)',
  UHUGEINT: 'DECIMAL(38,0)',
  INTERVAL: 'VARCHAR',
  BIT: 'VARCHAR',
  JSON: 'VARCHAR',
  'TIME WITH TIME ZONE': 'VARCHAR',
  TIMESTAMP_S: 'TIMESTAMP',
  TIMESTAMP_MS: 'TIMESTAMP',
  TIMESTAMP_NS: 'TIMESTAMP',
}

export function icebergCast(duckdbType: string): string | null {
  const type = duckdbType.trim().toUpperCase()
  if (type.startsWith('ENUM(')) return 'VARCHAR'
  return casts[type] ?? null
}

function selectList(table: IcebergTable): string {
  return table.columns
    .map((column) => {
      const cast = icebergCast(column.type)
      const name = quoteIdentifier(column.name)
      return cast === null ? name : `CAST(${name} AS ${cast}) AS ${name}`
    })
    .join(', ')
}

// The statements, in order, for a token already known; pure so tests can check them.
export function icebergStatements(
  catalog: IcebergCatalog,
  token: string,
  tables: readonly IcebergTable[],
  sourceSchema = 'serving',
): string[] {
  return [
    'INSTALL iceberg',
    'LOAD iceberg',
    `CREATE OR REPLACE SECRET materia_iceberg (TYPE iceberg, TOKEN ${quoteLiteral(token)})`,
    `ATTACH ${quoteLiteral(catalog.warehouse)} AS materia_catalog (TYPE iceberg, SECRET materia_iceberg, ENDPOINT ${quoteLiteral(catalog.uri)})`,
    'CREATE SCHEMA IF NOT EXISTS materia_catalog.serving',
    'BEGIN TRANSACTION',
    ...tables.flatMap((table) => [
      `DROP TABLE IF EXISTS materia_catalog.serving.${quoteIdentifier(table.name)}`,
      `CREATE TABLE materia_catalog.serving.${quoteIdentifier(table.name)} AS SELECT ${selectList(table)} FROM ${quoteIdentifier(sourceSchema)}.${quoteIdentifier(table.name)}`,
    ]),
    'COMMIT',
    'DETACH materia_catalog',
  ]
}

export type IcebergOutcome = 'skipped: not configured' | 'published'

export async function publishIceberg(
  connection: DuckDBConnection,
  env: NodeJS.ProcessEnv,
  tables: readonly IcebergTable[],
  log: (line: string) => void,
  sourceSchema = 'serving',
): Promise<IcebergOutcome> {
  const catalog = icebergCatalogFromEnv(env)
  if (catalog === null) return 'skipped: not configured'
  try {
    await connection.run('LOAD iceberg')
  } catch {
    try {
      await connection.run('INSTALL iceberg')
      await connection.run('LOAD iceberg')
    } catch (error) {
      const reason = (error as Error).message.split('\n')[0]
      throw new MateriaError(
        'remote',
        `iceberg: MATERIA_ICEBERG_CATALOG_URI is set but the DuckDB iceberg extension cannot be loaded (${reason}); the manifest was left as it was; unset MATERIA_ICEBERG_CATALOG_URI to publish Parquet only`,
      )
    }
  }
  const statements = icebergStatements(catalog, env[catalog.tokenVariable] ?? '', tables, sourceSchema)
  let inTransaction = false
  try {
    for (const statement of statements.slice(2)) {
      await connection.run(statement)
      if (statement === 'BEGIN TRANSACTION') inTransaction = true
      if (statement === 'COMMIT') inTransaction = false
    }
  } catch (error) {
    if (inTransaction) await connection.run('ROLLBACK').catch(() => {})
    const reason = (error as Error).message.split('\n')[0]
    throw new MateriaError(
      'remote',
      `iceberg: publishing to ${catalog.uri} failed (${reason}); nothing replaced`,
      {
        cause: error,
      },
    )
  }
  log(`iceberg: published ${tables.length} serving tables to ${catalog.uri}`)
  return 'published'
}
