// Goal: extracting into an S3/R2 landing gives the same layout and bytes as the local folder, a
// rerun transfers no body, and a snapshot that fails verification lands only in _quarantine/.
// Method: the real CLI against the local USDA stand-in, landing into a real s3rver child process
// (`--landing s3://bucket/prefix`, credentials from the R2_* variables); objects are read back with
// the store and compared after decompression.
import { mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openLandingStore } from '../../landing/open.ts'
import { type LandingStore, readText } from '../../landing/store.ts'
import { type S3rverHandle, startS3rver } from '../../landing/testing/s3rver.ts'
import { addMonths, monthOf } from './locate.ts'
import type { Manifest } from './manifest.ts'
import { fingerprint, genuineCsvSha256, runCli, sha256 } from './testing/harness.ts'
import { genuineZip, type PsdServer, startPsdServer } from './testing/psd-server.ts'
import { zipWithWrongCrc } from './testing/zips.ts'

const published = addMonths(monthOf(new Date()), -1)
const monthPath = published.replace('-', '/')

let s3: S3rverHandle
let server: PsdServer
beforeAll(async () => {
  s3 = await startS3rver('landing')
  server = await startPsdServer({ publishedThrough: published })
})
afterAll(async () => {
  await server?.close()
  await s3?.stop()
})

async function objectBytes(store: LandingStore, key: string): Promise<Buffer> {
  const object = await store.get(key)
  expect(object, key).toBeDefined()
  const chunks: Buffer[] = []
  for await (const chunk of object!.body) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}

function env(): Record<string, string> {
  return { ...s3.env, MATERIA_PSD_BASE_URL: server.baseUrl, MATERIA_HTTP_BACKOFF_MS: '5' }
}

describe('extract psd into S3/R2', () => {
  it('lands the same bytes as the local folder, and a rerun transfers no body', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'materia-cwd-'))
    const run = await runCli(
      ['extract', 'psd', '--dataset', 'coffee', '--landing', 's3://landing/materia'],
      env(),
      cwd,
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('into s3://landing/materia: 1 landed')
    expect(run.stdout).not.toContain(s3.env.R2_SECRET_KEY)

    const store = openLandingStore('s3://landing/materia', s3.env)
    const keys = (await store.list('')).map((entry) => entry.key)
    expect(keys).toHaveLength(2)
    expect(keys.every((key) => key.startsWith(`psd/coffee/${monthPath}/`))).toBe(true)
    const manifestKey = keys.find((key) => key.endsWith('.json'))!
    const manifest = JSON.parse((await readText(store, manifestKey))!) as Manifest
    expect(manifest.zip_sha256).toBe(sha256(genuineZip))
    expect(manifest.rows).toBe(77_957)
    const gzip = await objectBytes(store, `psd/coffee/${monthPath}/${manifest.id}.csv.gz`)
    expect(gzip.length).toBe(manifest.gzip_bytes)
    expect(sha256(gunzipSync(gzip))).toBe(genuineCsvSha256)

    // The local folder store lands byte-identical objects under the same keys.
    const localLanding = mkdtempSync(join(tmpdir(), 'materia-landing-'))
    const local = await runCli(
      ['extract', 'psd', '--dataset', 'coffee', '--landing', localLanding],
      env(),
      cwd,
    )
    expect(local.code).toBe(0)
    const localFiles = fingerprint(localLanding)
    expect(Object.keys(localFiles).sort()).toEqual(keys)
    const localGzip = readFileSync(join(localLanding, `psd/coffee/${monthPath}/${manifest.id}.csv.gz`))
    expect(localGzip.equals(gzip)).toBe(true)

    const served = server.state.bodyBytesServed
    const rerun = await runCli(
      ['extract', 'psd', '--dataset', 'coffee', '--landing', 's3://landing/materia'],
      env(),
      cwd,
    )
    expect(rerun.code).toBe(0)
    expect(rerun.stdout).toContain('0 landed, 0 duplicate, 1 unchanged')
    expect(server.state.bodyBytesServed).toBe(served)
    expect((await store.list('')).map((entry) => entry.key)).toEqual(keys)
  })

  it('quarantines a corrupt snapshot in the bucket and lands nothing else', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'materia-cwd-'))
    const body = zipWithWrongCrc()
    server.state.body = body
    try {
      const run = await runCli(
        ['extract', 'psd', '--dataset', 'coffee', '--landing', 's3://landing/broken'],
        env(),
        cwd,
      )
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(
        /fails its CRC-32 check.*quarantined as s3:\/\/landing\/broken\/_quarantine\/psd\/coffee\//,
      )
      const store = openLandingStore('s3://landing/broken', s3.env)
      const keys = (await store.list('')).map((entry) => entry.key)
      expect(keys).toEqual([
        `_quarantine/psd/coffee/${monthPath}/${sha256(body)}.reason.txt`,
        `_quarantine/psd/coffee/${monthPath}/${sha256(body)}.zip`,
      ])
      expect((await objectBytes(store, keys[1]!)).equals(body)).toBe(true)
      expect(await readText(store, keys[0]!)).toMatch(/^reason: psd_coffee.csv fails its CRC-32 check/)
    } finally {
      server.state.body = genuineZip
    }
  })

  it('uses the R2_* variables alone when no --landing is given', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'materia-cwd-'))
    const run = await runCli(['extract', 'psd', '--dataset', 'coffee'], env(), cwd)
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('into s3://landing:')
    const store = openLandingStore(undefined, s3.env)
    expect((await store.list('psd/coffee/')).length).toBe(2)
  })
})
