// Goal: prod state round-trips through the bucket with conditional writes: a first run creates it
// (If-None-Match: *), later runs replace only the version they started from (If-Match), and of two
// overlapping runs exactly one wins while the other fails with a clear message and the bucket keeps
// the winner's database intact. The S3 store sends the conditional headers.
// Method: the local-folder landing store (which enforces the semantics) on a temp folder, real
// DuckDB files; s3rver for the headers, recorded by SDK middleware.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalLandingStore } from '../landing/local-store.ts'
import { S3LandingStore } from '../landing/s3-store.ts'
import type { LandingStore } from '../landing/store.ts'
import { type S3rverHandle, startS3rver } from '../landing/testing/s3rver.ts'
import { prodStateKey, withProdState } from './prod-state.ts'

let root: string
let s3: S3rverHandle
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'materia-prod-state-test-'))
  s3 = await startS3rver('prod')
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
  await s3?.stop()
})

async function appendRun(path: string, name: string) {
  const instance = await DuckDBInstance.create(path)
  const connection = await instance.connect()
  await connection.run('CREATE TABLE IF NOT EXISTS runs (name VARCHAR)')
  await connection.run(`INSERT INTO runs VALUES ('${name}')`)
  connection.closeSync()
  instance.closeSync()
}

async function runsIn(store: LandingStore): Promise<string[]> {
  let names: string[] = []
  await withProdState(
    store,
    async (path) => {
      const instance = await DuckDBInstance.create(path)
      const connection = await instance.connect()
      names = (await connection.runAndReadAll('SELECT name FROM runs ORDER BY rowid'))
        .getRowObjectsJson()
        .map((row) => String(row.name))
      connection.closeSync()
      instance.closeSync()
    },
    () => {},
  )
  return names
}

describe('prod state in the bucket', () => {
  it('creates, then replaces only the version it started from; of two overlapping runs one wins', async () => {
    const store = new LocalLandingStore(join(root, 'bucket'))
    const log: string[] = []
    const first = await withProdState(
      store,
      (path) => appendRun(path, 'first'),
      (line) => log.push(line),
    )
    expect(first.startedFrom).toBeNull()
    expect(log[0]).toMatch(/no prod state/)

    let release!: () => void
    const bothDownloaded = new Promise<void>((resolve) => {
      release = resolve
    })
    let downloaded = 0
    const overlapping = (name: string) =>
      withProdState(
        store,
        async (path) => {
          if (++downloaded === 2) release()
          await bothDownloaded
          await appendRun(path, name)
        },
        () => {},
      )
    const outcomes = await Promise.allSettled([overlapping('alpha'), overlapping('beta')])
    const winners = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    const losers = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(winners).toHaveLength(1)
    expect(losers).toHaveLength(1)
    expect(String((losers[0] as PromiseRejectedResult).reason.message)).toMatch(
      /prod state changed while this run worked .*this run's work is discarded: rerun it/,
    )
    const winner = outcomes[0]!.status === 'fulfilled' ? 'alpha' : 'beta'
    expect(await runsIn(store)).toEqual(['first', winner])
  })

  it('refuses to create over a state another run created first', async () => {
    const store = new LocalLandingStore(join(root, 'race-create'))
    await expect(
      withProdState(
        store,
        async (path) => {
          await appendRun(path, 'late')
          await store.put(prodStateKey, 'someone else', { ifNoneMatch: '*' })
        },
        () => {},
      ),
    ).rejects.toThrow(/started from no prior version/)
  })

  it('sends If-None-Match: * then If-Match to an S3 bucket', async () => {
    const store = new S3LandingStore({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix: '',
      accessKeyId: s3.env.R2_ACCESS_KEY!,
      secretAccessKey: s3.env.R2_SECRET_KEY!,
    })
    const puts: Headers[] = []
    store.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { method: string; headers: Record<string, string> }
        if (request.method === 'PUT') puts.push(new Headers(request.headers))
        return next(args)
      },
      { step: 'finalizeRequest', name: 'recordPutHeaders' },
    )
    const first = await withProdState(
      store,
      (path) => appendRun(path, 'one'),
      () => {},
    )
    await withProdState(
      store,
      (path) => appendRun(path, 'two'),
      () => {},
    )
    expect(puts).toHaveLength(2)
    expect(puts[0]!.get('if-none-match')).toBe('*')
    expect(puts[1]!.get('if-match')).toBe(first.savedAs)
    expect(await runsIn(store)).toEqual(['one', 'two'])
  })
})
