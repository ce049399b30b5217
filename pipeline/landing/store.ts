// The landing store: where raw snapshots land before any transform reads them. One small
// interface, two implementations (a local folder, an S3/R2 bucket). Keys are '/'-separated
// relative paths such as `psd/coffee/2022/12/<id>.csv.gz`.
//
// Writes are whole-object and atomic: a reader sees the old object or the new one, never half.
// Conditional writes give compare-and-swap: `ifNoneMatch: '*'` creates only when the key is absent,
// `ifMatch: etag` replaces only the version that was read. An etag is an opaque token: pass back
// exactly what `head`, `get` or `put` returned.
import type { Readable } from 'node:stream'
import { MateriaError } from '../errors.ts'
import { landingTextBytesMax } from '../limits.ts'

// A body is bytes in memory or a local file streamed from disk (large snapshots never sit in memory).
export type LandingBody = string | Uint8Array | { readonly path: string }

export interface PutOptions {
  readonly ifMatch?: string
  readonly ifNoneMatch?: '*'
  readonly contentType?: string
}

export interface LandingObject {
  readonly key: string
  readonly etag: string
  readonly bytes: number
}

export interface LandingListEntry {
  readonly key: string
  readonly bytes: number
}

export interface LandingStore {
  // Where this store points, for messages: a folder or s3://bucket/prefix, never a secret.
  readonly location: string
  head(key: string): Promise<LandingObject | undefined>
  get(key: string): Promise<(LandingObject & { readonly body: Readable }) | undefined>
  put(key: string, body: LandingBody, options?: PutOptions): Promise<LandingObject>
  // Keys under a prefix (itself a key prefix ending in '/' or empty), sorted.
  list(prefix: string): Promise<LandingListEntry[]>
}

// Raised when a conditional write's precondition fails: someone else wrote the key first.
export class LandingConflictError extends MateriaError {
  constructor(message: string) {
    super('landing', message)
    this.name = 'LandingConflictError'
  }
}

export function isLandingConflict(error: unknown): error is LandingConflictError {
  return error instanceof LandingConflictError
}

const segmentPattern = /^[A-Za-z0-9_=+-][A-Za-z0-9._=+-]{0,199}$/

// Keys are plain relative paths. A segment may not start with '.': the local store keeps its
// temporary and lock files under dot names, so they never show up as objects.
export function checkKey(key: string): string {
  const segments = key.split('/')
  const valid = segments.length <= 16 && segments.every((segment) => segmentPattern.test(segment))
  if (!valid) {
    throw new MateriaError(
      'landing',
      `invalid landing key "${key}": use '/'-separated names of letters, digits, . _ = + - (no leading dot)`,
    )
  }
  return key
}

export function checkPrefix(prefix: string): string {
  if (prefix === '') return prefix
  if (!prefix.endsWith('/')) {
    throw new MateriaError('landing', `invalid landing prefix "${prefix}": a prefix ends with '/'`)
  }
  checkKey(prefix.slice(0, -1))
  return prefix
}

// Reads a small text object (a manifest, a state file) whole; larger objects are refused.
export async function readText(
  store: LandingStore,
  key: string,
  bytesMax = landingTextBytesMax,
): Promise<string | undefined> {
  const object = await store.get(key)
  if (object === undefined) return undefined
  if (object.bytes > bytesMax) {
    object.body.destroy()
    throw new MateriaError('limit', `${store.location}/${key} has ${object.bytes} bytes, over ${bytesMax}`)
  }
  const chunks: Buffer[] = []
  for await (const chunk of object.body) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks).toString('utf8')
}
