// A local stand-in for USDA PSD Online (node:http on 127.0.0.1, port 0). It serves a zip at the
// same paths as USDA ({base}/psd_coffee_csv.zip and {base}/archives/YYYY/MM/psd_coffee_csv.zip)
// with ETag and Last-Modified, answers conditional requests with 304, and can be switched to the
// failures the extractor must survive. It counts the body bytes it sends.
import { createHash } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

export type ServerMode = 'ok' | 'fail_then_ok' | 'always_500' | 'truncated' | 'slow' | 'forbidden'

export interface PsdServerState {
  mode: ServerMode
  body: Buffer
  dataset: string
  // Archive months after this one answer 404 (not published yet); undefined: all published.
  publishedThrough: string | undefined
  currentFile: boolean // whether {base}/psd_{dataset}_csv.zip exists
  sendEtag: boolean
  etagPerUrl: boolean // a different ETag per URL for the same bytes, as some CDNs do
  sendLastModified: boolean
  honourConditionals: boolean
  failuresLeft: number
  bodyBytesServed: number
  requests: { method: string; url: string; ifNoneMatch?: string; ifModifiedSince?: string }[]
}

export const genuineZipPath = new URL('../../../../assets/data/psd_coffee_csv_2022-12.zip', import.meta.url)
export const genuineZip = readFileSync(genuineZipPath)
const basePath = '/psdonline/downloads'
const lastModified = 'Tue, 20 Dec 2022 15:02:00 GMT'

function etagFor(state: PsdServerState, url: string): string {
  const hash = createHash('sha256').update(state.body)
  if (state.etagPerUrl) hash.update(url)
  return `"${hash.digest('hex').slice(0, 20)}"`
}

function published(state: PsdServerState, path: string): boolean {
  const file = `psd_${state.dataset}_csv.zip`
  if (path === `/${file}`) return state.currentFile
  const match = /^\/archives\/(\d{4})\/(\d{2})\/(.+)$/.exec(path)
  if (match === null || match[3] !== file) return false
  return state.publishedThrough === undefined || `${match[1]}-${match[2]}` <= state.publishedThrough
}

function notModified(state: PsdServerState, request: IncomingMessage, etag: string): boolean {
  if (!state.honourConditionals) return false
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch !== undefined) return state.sendEtag && ifNoneMatch.split(/\s*,\s*/).includes(etag)
  const since = request.headers['if-modified-since']
  return since !== undefined && state.sendLastModified && Date.parse(lastModified) <= Date.parse(since)
}

function send(state: PsdServerState, response: ServerResponse, body: Buffer): void {
  if (state.mode === 'truncated') {
    const half = body.subarray(0, Math.floor(body.length / 2))
    state.bodyBytesServed += half.length
    response.write(half, () => response.socket?.destroy())
    return
  }
  if (state.mode === 'slow') {
    const first = body.subarray(0, 1000)
    state.bodyBytesServed += first.length
    response.write(first)
    return // the rest never comes; the client's timeout must fire
  }
  state.bodyBytesServed += body.length
  response.end(body)
}

function handle(state: PsdServerState, request: IncomingMessage, response: ServerResponse): void {
  const fullPath = new URL(request.url ?? '/', 'http://localhost').pathname
  const path = fullPath.startsWith(basePath) ? fullPath.slice(basePath.length) : ''
  state.requests.push({
    method: request.method ?? 'GET',
    url: fullPath,
    ifNoneMatch: request.headers['if-none-match'],
    ifModifiedSince: request.headers['if-modified-since'],
  })
  if (!published(state, path)) {
    response.writeHead(404, { 'content-type': 'text/html' }).end('<h1>Not Found</h1>')
    return
  }
  if (state.mode === 'forbidden') {
    response.writeHead(403, { 'content-type': 'text/plain' }).end('Forbidden')
    return
  }
  if (state.mode === 'always_500' || (state.mode === 'fail_then_ok' && state.failuresLeft > 0)) {
    state.failuresLeft -= 1
    response.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error')
    return
  }
  const etag = etagFor(state, path)
  const headers: Record<string, string | number> = { 'content-type': 'application/x-zip-compressed' }
  if (state.sendEtag) headers.etag = etag
  if (state.sendLastModified) headers['last-modified'] = lastModified
  if (notModified(state, request, etag)) {
    response.writeHead(304, headers).end()
    return
  }
  headers['content-length'] = state.body.length
  response.writeHead(200, headers)
  if (request.method === 'HEAD') response.end()
  else send(state, response, state.body)
}

export interface PsdServer {
  readonly baseUrl: string
  readonly state: PsdServerState
  close(): Promise<void>
}

export async function startPsdServer(initial: Partial<PsdServerState> = {}): Promise<PsdServer> {
  const state: PsdServerState = {
    mode: 'ok',
    body: genuineZip,
    dataset: 'coffee',
    publishedThrough: undefined,
    currentFile: true,
    sendEtag: true,
    etagPerUrl: false,
    sendLastModified: true,
    honourConditionals: true,
    failuresLeft: 0,
    bodyBytesServed: 0,
    requests: [],
    ...initial,
  }
  const server = createServer((request, response) => handle(state, request, response))
  await new Promise<void>((resolveListen) => server.listen(0, '127.0.0.1', resolveListen))
  const { port } = server.address() as AddressInfo
  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    state,
    close: () =>
      new Promise<void>((resolveClose) => {
        server.closeAllConnections()
        server.close(() => resolveClose())
      }),
  }
}
