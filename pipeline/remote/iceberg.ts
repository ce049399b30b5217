// Optional Iceberg publication of the serving tables to an Iceberg REST catalog (Cloudflare R2
// Data Catalog), configured by environment. Where DuckDB's iceberg extension cannot be loaded (no
// network to fetch it, as on these machines) publish says so in one line and the Parquet
// publication stands on its own.
import type { DuckDBConnection } from '@duckdb/node-api'

export interface IcebergCatalog {
  readonly uri: string // MATERIA_ICEBERG_CATALOG_URI, e.g. https://catalog.cloudflarestorage.com/<account>/<bucket>
  readonly warehouse: string // MATERIA_ICEBERG_WAREHOUSE
  readonly tokenVariable: string // name of the environment variable holding the token, never its value
}

export function icebergCatalogFromEnv(env: NodeJS.ProcessEnv): IcebergCatalog | null {
  const uri = env.MATERIA_ICEBERG_CATALOG_URI
  const warehouse = env.MATERIA_ICEBERG_WAREHOUSE
  if (!uri || !warehouse) return null
  return { uri, warehouse, tokenVariable: 'MATERIA_ICEBERG_TOKEN' }
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`
}

// The statements, in order, for a token already known; pure so tests can check them.
export function icebergStatements(
  catalog: IcebergCatalog,
  token: string,
  models: readonly string[],
): string[] {
  return [
    'INSTALL iceberg',
    'LOAD iceberg',
    `CREATE OR REPLACE SECRET materia_iceberg (TYPE iceberg, TOKEN ${literal(token)})`,
    `ATTACH ${literal(catalog.warehouse)} AS materia_catalog (TYPE iceberg, SECRET materia_iceberg, ENDPOINT ${literal(catalog.uri)})`,
    'CREATE SCHEMA IF NOT EXISTS materia_catalog.serving',
    ...models.map(
      (model) =>
        `CREATE OR REPLACE TABLE materia_catalog.serving."${model}" AS SELECT * FROM serving."${model}"`,
    ),
    'DETACH materia_catalog',
  ]
}

export type IcebergOutcome = 'skipped: not configured' | 'skipped: extension unavailable' | 'published'

export async function publishIceberg(
  connection: DuckDBConnection,
  env: NodeJS.ProcessEnv,
  models: readonly string[],
  log: (line: string) => void,
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
      log(`iceberg: the DuckDB iceberg extension cannot be loaded here (${reason}); published Parquet only`)
      return 'skipped: extension unavailable'
    }
  }
  for (const statement of icebergStatements(catalog, env[catalog.tokenVariable] ?? '', models).slice(2)) {
    await connection.run(statement)
  }
  log(`iceberg: published ${models.length} serving tables to ${catalog.uri}`)
  return 'published'
}
