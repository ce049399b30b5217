// The S3/R2 landing store. An S3 object becomes visible only when its PUT (or the completion of
// its multipart upload) succeeds, so a failed upload never leaves half a file. Conditional writes
// are sent as If-Match / If-None-Match headers, which S3 and R2 enforce server-side, on a single
// PUT or on the completion of a multipart upload.
//
// Options pinned explicitly: path-style addressing and region `auto` (R2), checksums only when an
// operation requires them (R2 and older S3-compatible servers reject the newer default CRC headers),
// and timeouts on every request.
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { MateriaError } from '../errors.ts'
import { landingListKeysMax, landingMultipartBytes, landingPartBytes } from '../limits.ts'
import {
  checkKey,
  checkPrefix,
  type LandingBody,
  LandingConflictError,
  type LandingListEntry,
  type LandingObject,
  type LandingStore,
  type PutOptions,
} from './store.ts'

export interface S3LandingConfig {
  readonly endpoint: string
  readonly bucket: string
  readonly prefix: string // '' or ending in '/'
  readonly accessKeyId: string
  readonly secretAccessKey: string
  // Multipart threshold and part size; tests lower them to exercise multipart on small files.
  readonly multipartBytes?: number
  readonly partBytes?: number
}

// Connection set-up is quick on a healthy endpoint; a request carries at most one 16 MB part or
// one snapshot file, which a slow uplink still moves within ten minutes.
const connectionTimeoutMs = 10_000
const requestTimeoutMs = 600_000

function statusOf(error: unknown): number | undefined {
  return error instanceof S3ServiceException ? error.$metadata.httpStatusCode : undefined
}

export class S3LandingStore implements LandingStore {
  readonly location: string
  readonly client: S3Client

  constructor(private readonly config: S3LandingConfig) {
    checkPrefix(config.prefix)
    this.location = `s3://${config.bucket}/${config.prefix}`.replace(/\/$/, '')
    this.client = new S3Client({
      endpoint: config.endpoint,
      region: 'auto',
      forcePathStyle: true,
      credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      maxAttempts: 3,
      requestHandler: { connectionTimeout: connectionTimeoutMs, requestTimeout: requestTimeoutMs },
    })
  }

  private objectKey(key: string): string {
    return `${this.config.prefix}${checkKey(key)}`
  }

  private failure(operation: string, key: string, error: unknown): MateriaError {
    const status = statusOf(error)
    const name = error instanceof Error ? error.name : 'Error'
    const detail = error instanceof Error ? error.message : String(error)
    return new MateriaError(
      'landing',
      `${this.location}/${key}: ${operation} failed (${status ?? 'no response'} ${name}: ${detail}); check R2_ENDPOINT, the bucket and the credentials`,
      { cause: error },
    )
  }

  async head(key: string): Promise<LandingObject | undefined> {
    try {
      const output = await this.client.send(
        new HeadObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      )
      return { key, etag: output.ETag ?? '', bytes: output.ContentLength ?? 0 }
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw this.failure('HEAD', key, error)
    }
  }

  async get(key: string): Promise<(LandingObject & { body: Readable }) | undefined> {
    try {
      const output = await this.client.send(
        new GetObjectCommand({ Bucket: this.config.bucket, Key: this.objectKey(key) }),
      )
      const body = output.Body as Readable
      return { key, etag: output.ETag ?? '', bytes: output.ContentLength ?? 0, body }
    } catch (error) {
      if (statusOf(error) === 404) return undefined
      throw this.failure('GET', key, error)
    }
  }

  async put(key: string, body: LandingBody, options: PutOptions = {}): Promise<LandingObject> {
    const conditional = options.ifMatch !== undefined || options.ifNoneMatch !== undefined
    const path = typeof body === 'string' || body instanceof Uint8Array ? undefined : body.path
    const inline = path === undefined ? Buffer.from(body as string | Uint8Array) : undefined
    const bytes = path === undefined ? inline!.length : (await stat(path)).size
    const params = {
      Bucket: this.config.bucket,
      Key: this.objectKey(key),
      ContentType: options.contentType ?? 'application/octet-stream',
      ...(options.ifMatch === undefined ? {} : { IfMatch: options.ifMatch }),
      ...(options.ifNoneMatch === undefined ? {} : { IfNoneMatch: options.ifNoneMatch }),
    }
    try {
      // R2 takes at most 5 GiB in one PUT, so a large file goes as a multipart upload whether or
      // not it is conditional: R2 and S3 check If-Match / If-None-Match on CompleteMultipartUpload,
      // so the object still appears only if the condition holds when it is completed.
      if (path !== undefined && bytes > (this.config.multipartBytes ?? landingMultipartBytes)) {
        const upload = new Upload({
          client: this.client,
          params: { ...params, Body: createReadStream(path) },
          partSize: this.config.partBytes ?? landingPartBytes,
          queueSize: 2,
          leavePartsOnError: false,
        })
        const output = await upload.done()
        return { key, etag: output.ETag ?? '', bytes }
      }
      const payload = path === undefined ? inline! : createReadStream(path)
      const output = await this.client.send(
        new PutObjectCommand({ ...params, Body: payload, ContentLength: bytes }),
      )
      return { key, etag: output.ETag ?? '', bytes }
    } catch (error) {
      const status = statusOf(error)
      if (conditional && (status === 412 || status === 409)) {
        const condition = options.ifMatch === undefined ? 'If-None-Match: *' : `If-Match ${options.ifMatch}`
        throw new LandingConflictError(
          `${this.location}/${key}: precondition failed (${condition}); another writer changed it, re-read and retry`,
        )
      }
      throw this.failure('PUT', key, error)
    }
  }

  private async listPage(prefix: string, token: string | undefined) {
    try {
      return await this.client.send(
        new ListObjectsV2Command({
          Bucket: this.config.bucket,
          Prefix: `${this.config.prefix}${prefix}`,
          ContinuationToken: token,
        }),
      )
    } catch (error) {
      throw this.failure('LIST', prefix, error)
    }
  }

  async list(prefix: string): Promise<LandingListEntry[]> {
    checkPrefix(prefix)
    const entries: LandingListEntry[] = []
    let token: string | undefined
    do {
      const output = await this.listPage(prefix, token)
      for (const item of output.Contents ?? []) {
        if (item.Key === undefined) continue
        entries.push({ key: item.Key.slice(this.config.prefix.length), bytes: item.Size ?? 0 })
      }
      if (entries.length > landingListKeysMax) {
        throw new MateriaError('limit', `${this.location}/${prefix} holds over ${landingListKeysMax} keys`)
      }
      token = output.NextContinuationToken
    } while (token !== undefined)
    return entries.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
  }
}
