// Fetches one snapshot zip to a local file, streaming (memory independent of size), hashing as it
// goes. Conditional: the etags already landed go out as If-None-Match (RFC 9110 §13.1.2), or the
// newest Last-Modified as If-Modified-Since when the source sends no ETag; a 304 transfers no body.
// A 200 whose ETag is already landed is cancelled before its body is read.
//
// Timeouts and 5xx (and 408/429, and a body cut short) are retried with exponential backoff; every
// attempt has its own timeout and all attempts share a total deadline.
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { setTimeout as sleep } from 'node:timers/promises'
import { MateriaError } from '../../errors.ts'
import {
  downloadAttemptsMax,
  downloadBackoffMs,
  downloadBytesMax,
  downloadRequestTimeoutMs,
  downloadTotalTimeoutMs,
  ifNoneMatchEtagsMax,
} from '../../limits.ts'

export interface DownloadPolicy {
  readonly requestTimeoutMs: number
  readonly totalTimeoutMs: number
  readonly attemptsMax: number
  readonly backoffMs: number
}

export const defaultDownloadPolicy: DownloadPolicy = {
  requestTimeoutMs: downloadRequestTimeoutMs,
  totalTimeoutMs: downloadTotalTimeoutMs,
  attemptsMax: downloadAttemptsMax,
  backoffMs: downloadBackoffMs,
}

export interface DownloadRequest {
  readonly url: string
  readonly targetPath: string
  readonly knownEtags: readonly string[]
  readonly ifModifiedSince?: string
  readonly policy?: DownloadPolicy
  readonly signal?: AbortSignal
  readonly onProgress?: (bytes: number, totalBytes: number | undefined) => void
}

export type DownloadOutcome =
  | { readonly kind: 'not_found'; readonly status: number }
  | { readonly kind: 'not_modified'; readonly etag: string | undefined }
  | { readonly kind: 'known_etag'; readonly etag: string }
  | {
      readonly kind: 'downloaded'
      readonly etag: string | undefined
      readonly lastModified: string | undefined
      readonly bytes: number
      readonly sha256: string
    }

// A failure worth another attempt (timeout, 5xx, connection reset, body cut short).
class TransientFailure extends Error {}

function conditionalHeaders(request: DownloadRequest): Record<string, string> {
  const etags = request.knownEtags.slice(0, ifNoneMatchEtagsMax)
  if (etags.length > 0) return { 'if-none-match': etags.join(', ') }
  if (request.ifModifiedSince !== undefined) return { 'if-modified-since': request.ifModifiedSince }
  return {}
}

async function saveBody(response: Response, request: DownloadRequest): Promise<DownloadOutcome> {
  const declared = response.headers.get('content-length')
  const totalBytes = declared === null ? undefined : Number(declared)
  if (totalBytes !== undefined && totalBytes > downloadBytesMax) {
    await response.body?.cancel()
    throw new MateriaError(
      'limit',
      `${request.url}: ${totalBytes} bytes is over downloadBytesMax ${downloadBytesMax}`,
    )
  }
  const hash = createHash('sha256')
  let bytes = 0
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)
  await pipeline(
    body,
    async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        bytes += chunk.length
        if (bytes > downloadBytesMax) {
          throw new MateriaError(
            'limit',
            `${request.url}: body over downloadBytesMax ${downloadBytesMax} bytes`,
          )
        }
        hash.update(chunk)
        request.onProgress?.(bytes, totalBytes)
        yield chunk
      }
    },
    createWriteStream(request.targetPath),
  )
  if (totalBytes !== undefined && bytes !== totalBytes) {
    throw new TransientFailure(`body cut short: ${bytes} of ${totalBytes} bytes`)
  }
  return {
    kind: 'downloaded',
    etag: response.headers.get('etag') ?? undefined,
    lastModified: response.headers.get('last-modified') ?? undefined,
    bytes,
    sha256: hash.digest('hex'),
  }
}

async function attempt(request: DownloadRequest, signal: AbortSignal): Promise<DownloadOutcome> {
  const response = await fetch(request.url, {
    headers: conditionalHeaders(request),
    signal,
    redirect: 'follow',
  })
  const etag = response.headers.get('etag') ?? undefined
  if (response.status === 304) return { kind: 'not_modified', etag }
  if (response.status === 404 || response.status === 410) {
    await response.body?.cancel()
    return { kind: 'not_found', status: response.status }
  }
  if (response.status >= 500 || response.status === 408 || response.status === 429) {
    await response.body?.cancel()
    throw new TransientFailure(`HTTP ${response.status}`)
  }
  if (response.status !== 200) {
    await response.body?.cancel()
    throw new MateriaError(
      'extract',
      `${request.url}: unexpected HTTP ${response.status}; check MATERIA_PSD_BASE_URL`,
    )
  }
  if (etag !== undefined && request.knownEtags.includes(etag)) {
    await response.body?.cancel()
    return { kind: 'known_etag', etag }
  }
  return saveBody(response, request)
}

function describeFailure(error: unknown, requestTimeoutMs: number): string {
  if (error instanceof TransientFailure) return error.message
  if (error instanceof Error && error.name === 'TimeoutError')
    return `no complete answer within ${requestTimeoutMs} ms`
  const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : ''
  // undici reports a connection closed mid-body as "terminated".
  if (error instanceof Error && error.message === 'terminated')
    return `body cut short (connection closed${cause})`
  return `${error instanceof Error ? error.message : String(error)}${cause}`
}

export async function download(request: DownloadRequest): Promise<DownloadOutcome> {
  const policy = request.policy ?? defaultDownloadPolicy
  const total = AbortSignal.timeout(policy.totalTimeoutMs)
  const outer = request.signal === undefined ? total : AbortSignal.any([total, request.signal])
  let lastFailure = ''
  for (let attemptNumber = 1; attemptNumber <= policy.attemptsMax; attemptNumber += 1) {
    const signal = AbortSignal.any([outer, AbortSignal.timeout(policy.requestTimeoutMs)])
    try {
      return await attempt(request, signal)
    } catch (error) {
      if (error instanceof MateriaError) throw error
      if (request.signal?.aborted) throw new MateriaError('extract', `${request.url}: cancelled`)
      lastFailure = describeFailure(error, policy.requestTimeoutMs)
      if (total.aborted) {
        throw new MateriaError(
          'extract',
          `${request.url}: gave up after the total time limit of ${policy.totalTimeoutMs} ms (last: ${lastFailure}); retry later`,
        )
      }
    }
    if (attemptNumber < policy.attemptsMax) {
      const delayMs = policy.backoffMs * 2 ** (attemptNumber - 1) * (0.75 + Math.random() * 0.5)
      await sleep(delayMs, undefined, { signal: outer }).catch(() => undefined)
    }
  }
  throw new MateriaError(
    'extract',
    `${request.url}: ${lastFailure} after ${policy.attemptsMax} attempts; the source may be down, retry later`,
  )
}
