// Goal: the download policy's edges: a total deadline across attempts, no retry on a client error
// or a 404, and a 200 whose ETag is already landed stops before its body is saved.
// Method: download() against the local USDA stand-in with short timeouts.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { type DownloadPolicy, download } from './download.ts'
import { genuineZip, type PsdServer, startPsdServer } from './testing/psd-server.ts'

let server: PsdServer
let targetPath: string
beforeEach(async () => {
  server = await startPsdServer()
  targetPath = join(mkdtempSync(join(tmpdir(), 'materia-download-')), 'snapshot.zip')
})
afterEach(async () => {
  await server.close()
})

const quick: DownloadPolicy = {
  requestTimeoutMs: 2_000,
  totalTimeoutMs: 10_000,
  attemptsMax: 4,
  backoffMs: 5,
}

describe('download', () => {
  it('gives up at the total deadline, naming the URL and the last failure', async () => {
    server.state.mode = 'slow'
    const url = `${server.baseUrl}/psd_coffee_csv.zip`
    const policy = { ...quick, requestTimeoutMs: 200, totalTimeoutMs: 300, attemptsMax: 10 }
    const started = performance.now()
    await expect(download({ url, targetPath, knownEtags: [], policy })).rejects.toThrow(
      new RegExp(`^${url}: gave up after the total time limit of 300 ms \\(last: `),
    )
    expect(performance.now() - started).toBeLessThan(5_000)
    expect(server.state.requests.length).toBeLessThan(10)
  })

  it('does not retry a client error and says what to check', async () => {
    server.state.mode = 'forbidden'
    const url = `${server.baseUrl}/psd_coffee_csv.zip`
    await expect(download({ url, targetPath, knownEtags: [], policy: quick })).rejects.toThrow(
      `${url}: unexpected HTTP 403; check MATERIA_PSD_BASE_URL`,
    )
    expect(server.state.requests).toHaveLength(1)
    expect(existsSync(targetPath)).toBe(false)
  })

  it('reports a 404 as not found, without retrying', async () => {
    server.state.currentFile = false
    const url = `${server.baseUrl}/psd_coffee_csv.zip`
    expect(await download({ url, targetPath, knownEtags: [], policy: quick })).toEqual({
      kind: 'not_found',
      status: 404,
    })
    expect(server.state.requests).toHaveLength(1)
  })

  it('stops at a known ETag even when the server ignores If-None-Match', async () => {
    server.state.honourConditionals = false
    const url = `${server.baseUrl}/psd_coffee_csv.zip`
    const first = await download({ url, targetPath, knownEtags: [], policy: quick })
    expect(first.kind).toBe('downloaded')
    if (first.kind !== 'downloaded') return
    expect(first.bytes).toBe(genuineZip.length)
    const otherTarget = `${targetPath}.again`
    const second = await download({ url, targetPath: otherTarget, knownEtags: [first.etag!], policy: quick })
    expect(second).toEqual({ kind: 'known_etag', etag: first.etag })
    expect(existsSync(otherTarget)).toBe(false)
    expect(server.state.requests.at(-1)?.ifNoneMatch).toBe(first.etag)
  })
})
