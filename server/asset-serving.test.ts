// Goal: a cold start downloads as few bytes as it can and a later start none: each hashed asset is
// sent as the build's brotli or gzip copy, whichever the request accepts (RFC 9110 Accept-Encoding:
// the identity bytes when it accepts neither), with Vary: Accept-Encoding and a year's immutable
// caching; the copies decode to the built file byte for byte; Home names the chart code as a
// modulepreload hint, so it downloads while the entry script runs; editor pages name Monaco's chunks
// (several, importing one way), each after the chunks it imports, their style sheets at low priority.
// Method: the renderer as the app builds it, the real workbench on port 0 over the fixture project,
// raw node:http requests (fetch would decode the body and hide Content-Encoding).
import { readFileSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ensureRendererBuilt } from './renderer-build.ts'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench
let rendererDir: string

interface Reply {
  readonly status: number
  readonly headers: Readonly<Record<string, string | string[] | undefined>>
  readonly body: Buffer
}

function get(path: string, acceptEncoding?: string): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      host: `127.0.0.1:${workbench.port}`,
      authorization: `Bearer ${workbench.token}`,
    }
    if (acceptEncoding !== undefined) headers['accept-encoding'] = acceptEncoding
    const outgoing = request({ host: '127.0.0.1', port: workbench.port, path, headers }, (incoming) => {
      const chunks: Buffer[] = []
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk))
      incoming.on('end', () =>
        resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body: Buffer.concat(chunks) }),
      )
    })
    outgoing.on('error', reject)
    outgoing.end()
  })
}

// Vite's build manifest: source (or shared chunk) -> built file.
function manifest(): Record<string, { file: string }> {
  return JSON.parse(readFileSync(join(rendererDir, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    { file: string }
  >
}

beforeAll(async () => {
  rendererDir = ensureRendererBuilt()
  project = createFixtureProject()
  await buildEnvironment(project.root, 'prod')
  workbench = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'analyst' } })
}, 300_000)

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('hashed assets', () => {
  it('are sent as brotli, gzip or identity by Accept-Encoding, each decoding to the built file', async () => {
    // Monaco's view chunk: the biggest the workbench loads.
    const file = Object.values(manifest())
      .map((chunk) => chunk.file)
      .find((name) => /^assets\/monaco-view-[\w-]+\.js$/.test(name))
    if (file === undefined) throw new Error('no monaco-view chunk in the renderer manifest')
    const built = readFileSync(join(rendererDir, file))
    const brotli = await get(`/${file}`, 'gzip, deflate, br, zstd')
    const gzip = await get(`/${file}`, 'gzip')
    const identity = await get(`/${file}`)
    for (const reply of [brotli, gzip, identity]) {
      expect(reply.status).toBe(200)
      expect(reply.headers['content-type']).toMatch(/^text\/javascript/)
      expect(reply.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    }
    expect(brotli.headers['content-encoding']).toBe('br')
    expect(brotli.headers.vary).toBe('Accept-Encoding')
    expect(brotli.body.length).toBeLessThan(built.length / 3)
    expect(brotliDecompressSync(brotli.body).equals(built)).toBe(true)
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzip.body).equals(built)).toBe(true)
    expect(identity.headers['content-encoding']).toBeUndefined()
    expect(identity.body.equals(built)).toBe(true)
  })

  it('include the style sheets, compressed the same way', async () => {
    const sheet = readFileSync(join(rendererDir, 'index.html'), 'utf8').match(
      /assets\/index-[\w-]+\.css/,
    )?.[0]
    expect(sheet).toBeDefined()
    const reply = await get(`/${sheet}`, 'br')
    expect(reply.headers['content-encoding']).toBe('br')
    expect(brotliDecompressSync(reply.body).equals(readFileSync(join(rendererDir, sheet ?? '')))).toBe(true)
  })

  it('that do not exist are still a 404, whatever the encoding accepted', async () => {
    const reply = await get('/assets/missing-0000.js', 'br')
    expect(reply.status).toBe(404)
    expect(reply.headers['cache-control']).toBeUndefined()
  })
})

describe('Home', () => {
  it('names the chart chunk as a modulepreload hint', async () => {
    const reply = await get('/')
    expect(reply.status).toBe(200)
    expect(reply.headers['cache-control']).toBe('no-store')
    expect(reply.body.toString('utf8')).toContain(
      `<link rel="modulepreload" href="/${manifest()['src/charts.ts']?.file}">`,
    )
  })

  it('loads no Monaco: neither the entry script nor the page names a Monaco chunk or style sheet', async () => {
    const page = (await get('/')).body.toString('utf8')
    expect(page).toContain('<script type="module"')
    expect(page).not.toMatch(/monaco-|editor-setup/)
    const entry = Object.values(manifest()).find((chunk) => (chunk as { isEntry?: boolean }).isEntry)
    const entryCode = readFileSync(join(rendererDir, entry?.file ?? 'missing'), 'utf8')
    expect(entryCode).not.toMatch(/from\s*"\.\/monaco-/)
  })
})

// Vite's manifest entry of a chunk, with what it imports.
function chunkOf(key: string): { file: string; imports?: string[] } {
  const chunk = (manifest() as Record<string, { file: string; imports?: string[] }>)[key]
  expect(chunk, key).toBeDefined()
  return chunk as { file: string; imports?: string[] }
}

describe('editor pages', () => {
  it('name every Monaco chunk as a modulepreload hint, each after the chunks it imports', async () => {
    for (const [path, source] of [
      ['/models', 'src/model-editor.ts'],
      ['/query', 'src/query-editor.ts'],
    ] as const) {
      const page = (await get(path)).body.toString('utf8')
      const hinted = [...page.matchAll(/<link rel="modulepreload" href="\/([^"]+)">/g)].map(
        (match) => match[1],
      )
      const monaco = hinted.filter((file) => /^assets\/monaco-/.test(file ?? ''))
      // Monaco comes as several chunks that Chromium compiles side by side while they download.
      expect(monaco.length, path).toBeGreaterThanOrEqual(3)
      expect(hinted, path).toContain(chunkOf(source).file)
      // Style sheet hints, which the editor's import waits for, at the default priority for styles.
      const styleHints = [...page.matchAll(/<link rel="preload" as="style"[^>]*>/g)].map((match) => match[0])
      expect(styleHints.length, path).toBeGreaterThan(0)
      for (const hint of styleHints) expect(hint, path).not.toContain('fetchpriority')
      // In the CORS mode of the <link rel="stylesheet" crossorigin> Vite's preload helper adds.
      for (const hint of styleHints) expect(hint, path).toMatch(/ crossorigin[ >]/)
      const keys = Object.keys(manifest()).filter((key) => hinted.includes(chunkOf(key).file))
      for (const key of keys) {
        for (const imported of chunkOf(key).imports ?? []) {
          expect(hinted.indexOf(chunkOf(imported).file), `${key} imports ${imported}`).toBeLessThan(
            hinted.indexOf(chunkOf(key).file),
          )
        }
      }
    }
  })

  it('split Monaco one way: no Monaco chunk imports a chunk that imports it back', () => {
    const monacoKeys = Object.keys(manifest()).filter((key) => /^_monaco-.*\.js$/.test(key))
    expect(monacoKeys.length).toBeGreaterThanOrEqual(3)
    // Every chunk `from` imports, directly or through others.
    const reached = (from: string): Set<string> => {
      const seen = new Set<string>()
      const pending = [...(chunkOf(from).imports ?? [])]
      while (pending.length > 0) {
        const next = pending.pop() ?? ''
        if (seen.has(next)) continue
        seen.add(next)
        pending.push(...(chunkOf(next).imports ?? []))
      }
      return seen
    }
    for (const key of monacoKeys) expect(reached(key).has(key), key).toBe(false)
  })
})
