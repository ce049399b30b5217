// Where a prod run keeps things between runs: the bucket (R2 in prod, via the landing store's S3
// implementation) holds landing (psd/...), the prod database (state/prod.duckdb) and the published
// serving models (serving/...). Without R2 settings a local folder stands in for the bucket:
// MATERIA_PROD_BUCKET, else <project>/.materia/bucket.
import { createWriteStream } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { LocalLandingStore } from '../landing/local-store.ts'
import { openLandingStore } from '../landing/open.ts'
import type { LandingStore } from '../landing/store.ts'

export function openProdStore(env: NodeJS.ProcessEnv, projectRoot: string): LandingStore {
  if (env.R2_ENDPOINT && env.R2_BUCKET && env.R2_ACCESS_KEY && env.R2_SECRET_KEY) {
    return openLandingStore(`s3://${env.R2_BUCKET}`, env)
  }
  const folder = env.MATERIA_PROD_BUCKET
    ? resolve(env.MATERIA_PROD_BUCKET)
    : join(projectRoot, '.materia', 'bucket')
  return new LocalLandingStore(folder)
}

// Copies the landed snapshots (psd/...) from the bucket into a local folder, so DuckDB reads them
// from disk on the worker (no httpfs extension, no credentials inside SQL). Files already there
// with the same size are kept: keys are content-derived, so same key and size is the same file.
export async function syncLanding(store: LandingStore, targetDir: string, log: (line: string) => void) {
  const entries = await store.list('psd/')
  let copied = 0
  for (const entry of entries) {
    const path = join(targetDir, ...entry.key.split('/'))
    const existing = await stat(path).catch(() => null)
    if (existing !== null && existing.size === entry.bytes) continue
    const object = await store.get(entry.key)
    if (object === undefined) continue // removed between list and get: nothing to read
    await mkdir(dirname(path), { recursive: true })
    await pipeline(object.body, createWriteStream(path))
    copied++
  }
  log(`landing: ${entries.length} files in ${store.location}/psd, ${copied} copied to ${targetDir}`)
  return entries.length
}
