// Goal: a prod transform + publish leaves the bucket consistent whatever step fails. The order is
// prod state, Parquet, Iceberg, then serving/manifest.json as the last pointer: a failure at any
// step leaves the previous manifest in place byte for byte, and nothing is published from a run
// whose prod state was not saved.
// Method: the real prod run (engine transform, DuckDB, Parquet export) on the e2e project, over a
// local-folder bucket wrapped so one chosen key fails to write; the Iceberg step fails for real
// (configured, but the extension cannot be loaded on this machine).
import { cp, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import { LocalLandingStore } from '../landing/local-store.ts'
import { type LandingBody, type LandingStore, type PutOptions, readText } from '../landing/store.ts'
import { runProdWith } from './pipeline-run.ts'
import { prodStateKey } from './prod-state.ts'
import { manifestKey } from './publish.ts'

// The bucket with one injected write failure: any key matching `failing`.
class FailingStore implements LandingStore {
  failing: RegExp | null = null
  constructor(private readonly inner: LocalLandingStore) {}
  get location() {
    return this.inner.location
  }
  head(key: string) {
    return this.inner.head(key)
  }
  get(key: string) {
    return this.inner.get(key)
  }
  list(prefix: string) {
    return this.inner.list(prefix)
  }
  async put(key: string, body: LandingBody, options?: PutOptions) {
    if (this.failing?.test(key)) throw new MateriaError('landing', `injected write failure for ${key}`)
    return this.inner.put(key, body, options)
  }
}

let root: string
let project: string
let bucket: FailingStore

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'materia-publish-order-'))
  project = join(root, 'project')
  await cp(join(import.meta.dirname, 'testdata/e2e-project'), project, { recursive: true })
  bucket = new FailingStore(new LocalLandingStore(join(root, 'bucket')))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})

async function run(env: Record<string, string> = {}, log: string[] = []) {
  await runProdWith(bucket, {
    projectRoot: project,
    environment: 'prod',
    steps: ['transform', 'publish'],
    env: { ...process.env, MATERIA_ICEBERG_CATALOG_URI: '', ...env },
    log: (line) => log.push(line),
  })
  return log
}

const snapshot = async () => ({
  manifest: await readText(bucket, manifestKey),
  state: (await bucket.head(prodStateKey))?.etag,
})

describe('prod publish order', { timeout: 120_000 }, () => {
  it('keeps the previous manifest when any step fails, and publishes only saved prod state', async () => {
    const log = await run()
    expect(log.findIndex((line) => line.startsWith('prod state saved'))).toBeLessThan(
      log.findIndex((line) => line.startsWith('published ')),
    )
    const first = await snapshot()
    expect(first.manifest).toContain('"serving.dim_country"')

    bucket.failing = /^state\/prod\.duckdb$/
    await expect(run()).rejects.toThrow(/injected write failure for state\/prod\.duckdb/)
    expect(await snapshot()).toEqual(first) // nothing published from unsaved state

    bucket.failing = /\.parquet$/
    const parquetLog: string[] = []
    await expect(run({}, parquetLog)).rejects.toThrow(/injected write failure for serving\/dim_country\//)
    expect((await snapshot()).manifest).toBe(first.manifest)
    expect(parquetLog.some((line) => line.startsWith('prod state saved'))).toBe(true) // before Parquet

    bucket.failing = null
    await expect(
      run({ MATERIA_ICEBERG_CATALOG_URI: 'https://catalog.invalid/a/b', MATERIA_ICEBERG_WAREHOUSE: 'a_b' }),
    ).rejects.toThrow(/^iceberg: .*the manifest was left as it was/)
    expect((await snapshot()).manifest).toBe(first.manifest)

    bucket.failing = /^serving\/manifest\.json$/
    await expect(run()).rejects.toThrow(/injected write failure for serving\/manifest\.json/)
    expect((await snapshot()).manifest).toBe(first.manifest)

    bucket.failing = null
    await run()
    const last = await snapshot()
    expect(last.manifest).not.toBe(first.manifest)
    expect(last.manifest).toContain('"serving.dim_country"')
  })
})
