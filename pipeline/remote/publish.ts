// publish: exports every serving model of the prod environment as Parquet under
// serving/<model>/<version>/<model>.parquet and writes serving/manifest.json last (model, version,
// rows, schema, sha256), so a reader never sees a manifest naming a file not yet uploaded. Steps
// that must succeed before the manifest moves (the Iceberg tables) run in `beforeManifest`: when
// any step fails, the previous manifest stays the pointer readers follow.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { quoteIdentifier, quoteLiteral } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { LandingStore } from '../landing/store.ts'

// The prod views of the serving models; another environment's live in serving__<env>.
export const servingSchema = 'serving'
export const manifestKey = 'serving/manifest.json'

export interface PublishedModel {
  readonly model: string
  readonly version: string
  readonly rows: number
  readonly schema: readonly { readonly name: string; readonly type: string }[]
  readonly sha256: string
  readonly bytes: number
  readonly key: string
}

export interface ServingManifest {
  readonly published_at: string
  readonly models: readonly PublishedModel[]
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

// The version is the physical table's fingerprint (serving__<name>__<version>) read from the prod
// view; a plain table (no engine view) is versioned by the content hash of its export.
export function versionFromViewSql(sql: string | null, name: string): string | null {
  if (sql === null) return null
  const match = new RegExp(`serving__${name}__([A-Za-z0-9_]+)`).exec(sql)
  return match?.[1] ?? null
}

export async function listServingModels(connection: DuckDBConnection, schema: string) {
  const reader = await connection.runAndReadAll(
    `SELECT table_name, (SELECT sql FROM duckdb_views() v WHERE v.schema_name = t.table_schema AND v.view_name = t.table_name) AS view_sql
     FROM information_schema.tables t WHERE table_schema = ${quoteLiteral(schema)} ORDER BY table_name`,
  )
  return reader.getRowObjectsJson().map((row) => ({
    name: String(row.table_name),
    viewSql: row.view_sql === null ? null : String(row.view_sql),
  }))
}

async function exportModel(
  connection: DuckDBConnection,
  model: { schema: string; name: string; viewSql: string | null },
  dir: string,
) {
  const { name, viewSql } = model
  const relation = `${quoteIdentifier(model.schema)}.${quoteIdentifier(name)}`
  const path = join(dir, `${name}.parquet`)
  await connection.run(
    `COPY (SELECT * FROM ${relation}) TO ${quoteLiteral(path)} (FORMAT parquet, COMPRESSION zstd)`,
  )
  const rows = Number(
    (await connection.runAndReadAll(`SELECT count(*) AS n FROM ${relation}`)).getRowObjectsJson()[0]?.n,
  )
  const columns = (await connection.runAndReadAll(`DESCRIBE ${relation}`)).getRowObjectsJson()
  const schema = columns.map((column) => ({
    name: String(column.column_name),
    type: String(column.column_type),
  }))
  const sha256 = await sha256File(path)
  const version = versionFromViewSql(viewSql, name) ?? sha256.slice(0, 16)
  return { path, rows, schema, sha256, version, bytes: (await stat(path)).size }
}

export async function publishServing(
  connection: DuckDBConnection,
  store: LandingStore,
  log: (line: string) => void,
  options: {
    readonly schema?: string
    readonly now?: () => Date
    readonly beforeManifest?: (manifest: ServingManifest) => Promise<void>
  } = {},
): Promise<ServingManifest> {
  const schema = options.schema ?? servingSchema
  const models = await listServingModels(connection, schema)
  if (models.length === 0) {
    throw new MateriaError('remote', `no ${schema}.* models in the database; run transform before publish`)
  }
  const dir = await mkdtemp(join(tmpdir(), 'materia-publish-'))
  try {
    const published: PublishedModel[] = []
    for (const model of models) {
      const exported = await exportModel(connection, { schema, ...model }, dir)
      const key = `serving/${model.name}/${exported.version}/${model.name}.parquet`
      await store.put(key, { path: exported.path }, { contentType: 'application/vnd.apache.parquet' })
      log(`published ${schema}.${model.name} version ${exported.version}: ${exported.rows} rows -> ${key}`)
      const { path: _path, ...facts } = exported
      published.push({ model: `${servingSchema}.${model.name}`, key, ...facts })
    }
    const publishedAt = (options.now ?? (() => new Date()))().toISOString()
    const manifest: ServingManifest = { published_at: publishedAt, models: published }
    await options.beforeManifest?.(manifest)
    await store.put(manifestKey, `${JSON.stringify(manifest, null, 2)}\n`, {
      contentType: 'application/json',
    })
    log(`wrote ${store.location}/${manifestKey} (${published.length} models)`)
    return manifest
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
