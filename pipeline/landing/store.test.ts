// Goal: both landing stores behave alike (put/get/head/list, atomic whole-object writes) and
// conditional writes work: enforced for real by the local folder (concurrent writers race on one
// key), sent as If-Match / If-None-Match headers by the S3 store.
// Method: a temp folder for the local store; a real s3rver child process for the S3 store, with an
// SDK middleware recording the headers of every request it sends.
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { LocalLandingStore } from './local-store.ts'
import { openLandingStore } from './open.ts'
import { S3LandingStore } from './s3-store.ts'
import { isLandingConflict, type LandingStore, readText } from './store.ts'
import { type S3rverHandle, startS3rver } from './testing/s3rver.ts'

async function bytesOf(store: LandingStore, key: string): Promise<Buffer> {
  const object = await store.get(key)
  expect(object).toBeDefined()
  const chunks: Buffer[] = []
  for await (const chunk of object!.body) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}

function sha256(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex')
}

let s3: S3rverHandle
beforeAll(async () => {
  s3 = await startS3rver('landing')
})
afterAll(async () => {
  await s3?.stop()
})

function contract(name: string, open: () => Promise<LandingStore>): void {
  describe(`${name} store contract`, () => {
    it('puts, heads, gets and lists objects byte for byte', async () => {
      const store = await open()
      const folder = await mkdtemp(join(tmpdir(), 'materia-body-'))
      const fileBody = randomBytes(300_000)
      await writeFile(join(folder, 'body.bin'), fileBody)
      const fromFile = await store.put('psd/coffee/2022/12/a.csv.gz', { path: join(folder, 'body.bin') })
      const fromText = await store.put('psd/coffee/2022/12/a.json', '{"rows":1}')
      expect(fromFile.bytes).toBe(fileBody.length)
      expect(fromText.bytes).toBe(10)
      expect(sha256(await bytesOf(store, 'psd/coffee/2022/12/a.csv.gz'))).toBe(sha256(fileBody))
      expect(await readText(store, 'psd/coffee/2022/12/a.json')).toBe('{"rows":1}')
      const head = await store.head('psd/coffee/2022/12/a.json')
      expect(head?.etag).toBe(fromText.etag)
      expect(head?.bytes).toBe(10)
      expect(await store.head('psd/coffee/2022/12/missing.json')).toBeUndefined()
      expect(await store.get('psd/coffee/2022/12/missing.json')).toBeUndefined()
      const listed = await store.list('psd/')
      expect(listed.map((entry) => entry.key)).toEqual([
        'psd/coffee/2022/12/a.csv.gz',
        'psd/coffee/2022/12/a.json',
      ])
      expect(listed[0]!.bytes).toBe(fileBody.length)
      expect(await store.list('psd/alldata/')).toEqual([])
    })

    it('refuses keys that escape the store or use reserved names', async () => {
      const store = await open()
      for (const key of ['../x', 'a//b', '/a', 'a/.hidden', 'a/b/', '']) {
        await expect(store.put(key, 'x')).rejects.toThrow(/invalid landing key/)
      }
    })
  })
}

contract('local folder', async () => new LocalLandingStore(await mkdtemp(join(tmpdir(), 'materia-landing-'))))
let prefixCount = 0
contract('s3', async () => {
  prefixCount += 1
  return openLandingStore(`s3://${s3.bucket}/contract${prefixCount}`, s3.env)
})

describe('local folder conditional writes', () => {
  it('lets exactly one of many concurrent creators win with If-None-Match: *', async () => {
    const root = await mkdtemp(join(tmpdir(), 'materia-landing-'))
    const stores = Array.from({ length: 8 }, () => new LocalLandingStore(root))
    const outcomes = await Promise.allSettled(
      stores.map((store, index) => store.put('state/lock.json', `{"writer":${index}}`, { ifNoneMatch: '*' })),
    )
    const won = outcomes.filter((outcome) => outcome.status === 'fulfilled')
    const lost = outcomes.filter((outcome) => outcome.status === 'rejected')
    expect(won).toHaveLength(1)
    expect(lost).toHaveLength(7)
    for (const outcome of lost) {
      expect(isLandingConflict(outcome.reason)).toBe(true)
      expect(String(outcome.reason.message)).toMatch(/state\/lock.json already exists/)
    }
    expect(await readdir(join(root, 'state'))).toEqual(['lock.json'])
  })

  it('compare-and-swaps with If-Match: the stale writer fails and nothing is lost', async () => {
    const store = new LocalLandingStore(await mkdtemp(join(tmpdir(), 'materia-landing-'))) as LandingStore
    const first = await store.put('state/env.json', '{"v":1}')
    const read = await store.head('state/env.json')
    expect(read?.etag).toBe(first.etag)
    const second = await store.put('state/env.json', '{"v":2}', { ifMatch: read!.etag })
    expect(second.etag).not.toBe(first.etag)
    const stale = store.put('state/env.json', '{"v":3}', { ifMatch: first.etag })
    await expect(stale).rejects.toSatisfy(isLandingConflict)
    await expect(stale).rejects.toThrow(/changed since it was read/)
    expect(await readText(store, 'state/env.json')).toBe('{"v":2}')
    await expect(store.put('state/gone.json', 'x', { ifMatch: first.etag })).rejects.toThrow(/it is gone/)
  })

  it('names a leftover lock file and leaves the object untouched', async () => {
    const root = await mkdtemp(join(tmpdir(), 'materia-landing-'))
    const store = new LocalLandingStore(root, 50)
    await store.put('state/env.json', '{"v":1}')
    await writeFile(join(root, 'state/.env.json.lock'), '')
    await expect(store.put('state/env.json', '{"v":2}')).rejects.toThrow(
      /state\/env.json is locked by .*state\/.env.json.lock for over 50 ms; if no materia process is writing, delete that file/,
    )
    expect(await readText(store, 'state/env.json')).toBe('{"v":1}')
    expect((await store.list('')).map((entry) => entry.key)).toEqual(['state/env.json'])
  })

  it('serializes concurrent read-modify-write increments without losing one', async () => {
    const root = await mkdtemp(join(tmpdir(), 'materia-landing-'))
    await new LocalLandingStore(root).put('state/counter', '0')
    async function increment(store: LandingStore): Promise<void> {
      for (let attempt = 0; attempt < 200; attempt += 1) {
        const object = await store.head('state/counter')
        const value = Number(await readText(store, 'state/counter'))
        try {
          await store.put('state/counter', String(value + 1), { ifMatch: object!.etag })
          return
        } catch (error) {
          if (!isLandingConflict(error)) throw error
        }
      }
      throw new Error('increment starved')
    }
    await Promise.all(Array.from({ length: 6 }, () => increment(new LocalLandingStore(root))))
    expect(await readText(new LocalLandingStore(root), 'state/counter')).toBe('6')
  })
})

describe('s3 store', () => {
  function recordingStore(prefix: string, extra: object = {}): { store: S3LandingStore; sent: Headers[] } {
    const store = new S3LandingStore({
      endpoint: s3.endpoint,
      bucket: s3.bucket,
      prefix,
      accessKeyId: s3.env.R2_ACCESS_KEY!,
      secretAccessKey: s3.env.R2_SECRET_KEY!,
      ...extra,
    })
    const sent: Headers[] = []
    store.client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as {
          method: string
          headers: Record<string, string>
          query?: Record<string, unknown>
        }
        sent.push(
          new Headers({
            ...request.headers,
            'x-test-method': request.method,
            'x-test-query': Object.keys(request.query ?? {}).join(','),
          }),
        )
        return next(args)
      },
      { step: 'finalizeRequest', name: 'recordHeaders' },
    )
    return { store, sent }
  }

  it('sends If-None-Match and If-Match headers on conditional puts', async () => {
    const { store, sent } = recordingStore('conditional/')
    const created = await store.put('state/env.json', '{"v":1}', { ifNoneMatch: '*' })
    await store.put('state/env.json', '{"v":2}', { ifMatch: created.etag })
    await store.put('state/plain.json', '{}')
    const puts = sent.filter((headers) => headers.get('x-test-method') === 'PUT')
    expect(puts).toHaveLength(3)
    expect(puts[0]!.get('if-none-match')).toBe('*')
    expect(puts[1]!.get('if-match')).toBe(created.etag)
    expect(puts[2]!.get('if-match')).toBeNull()
    expect(puts[2]!.get('if-none-match')).toBeNull()
    expect(puts.every((headers) => headers.get('x-amz-checksum-crc32') === null)).toBe(true)
    expect(await readText(store, 'state/env.json')).toBe('{"v":2}')
  })

  it('uploads a big file as multipart and reads it back byte for byte', async () => {
    const { store, sent } = recordingStore('multipart/', {
      multipartBytes: 6 * 1024 * 1024,
      partBytes: 5 * 1024 * 1024,
    })
    const folder = await mkdtemp(join(tmpdir(), 'materia-body-'))
    const body = randomBytes(12 * 1024 * 1024)
    await writeFile(join(folder, 'big.bin'), body)
    const put = await store.put('psd/alldata/2024/01/big.csv.gz', { path: join(folder, 'big.bin') })
    expect(put.bytes).toBe(body.length)
    expect(sha256(await bytesOf(store, 'psd/alldata/2024/01/big.csv.gz'))).toBe(sha256(body))
    const parts = sent.filter((headers) => headers.get('x-test-method') === 'PUT')
    expect(parts.length).toBe(3)
  })

  it('sends a large conditional write as multipart with the condition on its completion', async () => {
    const { store, sent } = recordingStore('multipart-conditional/', {
      multipartBytes: 6 * 1024 * 1024,
      partBytes: 5 * 1024 * 1024,
    })
    const folder = await mkdtemp(join(tmpdir(), 'materia-body-'))
    const first = randomBytes(12 * 1024 * 1024)
    await writeFile(join(folder, 'prod.duckdb'), first)
    const created = await store.put(
      'state/prod.duckdb',
      { path: join(folder, 'prod.duckdb') },
      { ifNoneMatch: '*' },
    )
    const second = randomBytes(12 * 1024 * 1024)
    await writeFile(join(folder, 'prod.duckdb'), second)
    await store.put('state/prod.duckdb', { path: join(folder, 'prod.duckdb') }, { ifMatch: created.etag })
    expect(sha256(await bytesOf(store, 'state/prod.duckdb'))).toBe(sha256(second))
    const puts = sent.filter((headers) => headers.get('x-test-method') === 'PUT')
    expect(puts.length).toBe(6) // three parts each, never one 12 MB PUT
    expect(
      puts.every((headers) => headers.get('if-match') === null && headers.get('if-none-match') === null),
    ).toBe(true)
    const completions = sent.filter(
      (headers) =>
        headers.get('x-test-method') === 'POST' && headers.get('x-test-query')?.includes('uploadId'),
    )
    expect(completions.map((headers) => [headers.get('if-none-match'), headers.get('if-match')])).toEqual([
      ['*', null],
      [null, created.etag],
    ])
  })

  it('names the bucket and key, never the secret, when the endpoint fails', async () => {
    const env = { ...s3.env, R2_ENDPOINT: 'http://127.0.0.1:9', R2_SECRET_KEY: 'very-secret-value' }
    const store = openLandingStore(`s3://${s3.bucket}/x`, env)
    const error = await store.put('a.json', '{}').catch((caught: unknown) => caught)
    expect(isMateriaError(error)).toBe(true)
    expect((error as Error).message).toMatch(/^s3:\/\/landing\/x\/a.json: PUT failed/)
    expect((error as Error).message).not.toContain('very-secret-value')
  })

  it('asks for the missing variables when --landing s3:// has no credentials', () => {
    expect(() => openLandingStore('s3://bucket/prefix', { R2_ENDPOINT: 'http://x' })).toThrow(
      /needs R2_ACCESS_KEY, R2_SECRET_KEY in the environment/,
    )
  })
})
