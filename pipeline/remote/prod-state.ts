// The prod DuckDB database lives in the bucket between runs (state/prod.duckdb); workers keep
// nothing. A run downloads it, works on a local copy and uploads it back with a conditional write
// on the version it started from (If-Match, or If-None-Match: * when there was none). When two
// runs overlap, the second upload fails its precondition: that run stops with a clear message and
// its copy is discarded, never merged. The bucket's copy stays the winner's, whole.
import { createWriteStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { MateriaError } from '../errors.ts'
import { isLandingConflict, type LandingObject, type LandingStore } from '../landing/store.ts'
import { prodStateBytesMax } from '../limits.ts'

export const prodStateKey = 'state/prod.duckdb'

export interface ProdStateRun<T> {
  readonly result: T
  readonly startedFrom: string | null // etag of the version downloaded, null for a first run
  readonly savedAs: string // etag of the version uploaded
}

// Downloads the prod database into a fresh private folder; the path is absent when none exists yet.
async function download(store: LandingStore, dir: string): Promise<{ path: string; etag: string | null }> {
  const path = join(dir, 'prod.duckdb')
  const object = await store.get(prodStateKey)
  if (object === undefined) return { path, etag: null }
  if (object.bytes > prodStateBytesMax) {
    object.body.destroy()
    throw new MateriaError(
      'limit',
      `${store.location}/${prodStateKey} is over prodStateBytesMax=${prodStateBytesMax}`,
    )
  }
  await pipeline(object.body, createWriteStream(path, { mode: 0o600 }))
  return { path, etag: object.etag }
}

// `work` receives the local path and must close every DuckDB handle on it before returning, so the
// file is checkpointed and whole when it is uploaded. `afterSave` runs on the saved copy only once
// the upload succeeded: what is published from it then always matches the prod state in the bucket.
export async function withProdState<T>(
  store: LandingStore,
  work: (databasePath: string) => Promise<T>,
  log: (line: string) => void,
  afterSave?: (databasePath: string) => Promise<void>,
): Promise<ProdStateRun<T>> {
  const dir = await mkdtemp(join(tmpdir(), 'materia-prod-'))
  try {
    const { path, etag } = await download(store, dir)
    log(
      etag === null
        ? `no prod state at ${store.location}/${prodStateKey}; starting a new database`
        : `prod state ${store.location}/${prodStateKey} version ${shortEtag(etag)} downloaded`,
    )
    const result = await work(path)
    const exists = await stat(path).then(
      () => true,
      () => false,
    )
    if (!exists) throw new MateriaError('remote', `the run left no database at ${path}; nothing uploaded`)
    const condition = etag === null ? { ifNoneMatch: '*' as const } : { ifMatch: etag }
    let saved: LandingObject
    try {
      saved = await store.put(prodStateKey, { path }, condition)
      log(`prod state saved as version ${shortEtag(saved.etag)}`)
    } catch (error) {
      if (!isLandingConflict(error)) throw error
      const from = etag === null ? 'no prior version' : `version ${shortEtag(etag)}`
      throw new MateriaError(
        'remote',
        `prod state changed while this run worked (it started from ${from}); another run saved first, so this run's work is discarded: rerun it`,
        { cause: error },
      )
    }
    await afterSave?.(path)
    return { result, startedFrom: etag, savedAs: saved.etag }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

// For steps that only read the database (publish alone): download, work, discard; nothing uploaded.
export async function readProdState<T>(
  store: LandingStore,
  work: (databasePath: string) => Promise<T>,
  log: (line: string) => void,
): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), 'materia-prod-'))
  try {
    const { path, etag } = await download(store, dir)
    if (etag === null) {
      throw new MateriaError(
        'remote',
        `no prod state at ${store.location}/${prodStateKey}; run transform first`,
      )
    }
    log(`prod state version ${shortEtag(etag)} downloaded (read only)`)
    return await work(path)
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

function shortEtag(etag: string): string {
  return etag.replace(/"/g, '').slice(0, 12)
}
