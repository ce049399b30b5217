// The local-folder landing store. Every write goes to a temporary dot-file in the target folder,
// is flushed, then renamed over the key: rename(2) within one folder is atomic, so readers never
// see half a file. Writers to one key serialize on a lock file created with O_EXCL, which makes the
// conditional writes (If-Match / If-None-Match) a true compare-and-swap across processes.
//
// The etag is the SHA-256 of the content: deterministic, comparable with a landed manifest, and it
// needs no sidecar file. Computing it reads the object, which is cheap for the small state files
// that use compare-and-swap and acceptable for head() on a landed snapshot.
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream, type Dirent } from 'node:fs'
import { type FileHandle, mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises'
import { basename, dirname, join, relative, sep } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { MateriaError } from '../errors.ts'
import { landingListKeysMax, landingLockWaitMs } from '../limits.ts'
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

async function hashHandle(handle: FileHandle): Promise<string> {
  const hash = createHash('sha256')
  const stream = handle.createReadStream({ start: 0, autoClose: false })
  for await (const chunk of stream) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

async function etagOf(path: string): Promise<string | undefined> {
  const handle = await openIfExists(path)
  if (handle === undefined) return undefined
  try {
    return await hashHandle(handle)
  } finally {
    await handle.close()
  }
}

// What a failed file operation means for the landing, in one line. ENOTDIR: some part of the
// landing path is a regular file; the others are permissions or a full or read-only disk.
const fsReasons: Record<string, string> = {
  ENOTDIR: 'a part of that path is a file, not a folder; choose another --landing (or MATERIA_LANDING)',
  EISDIR: 'a landing key is a folder on disk; move that folder away',
  EACCES: 'permission denied; fix the folder permissions or choose another --landing',
  EPERM: 'operation not permitted; fix the folder permissions or choose another --landing',
  EROFS: 'the file system is read-only; choose another --landing',
  ENOSPC: 'the disk is full; free space and retry',
}

async function withFsErrors<T>(root: string, job: () => Promise<T>): Promise<T> {
  try {
    return await job()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    const reason = code === undefined ? undefined : fsReasons[code]
    if (reason === undefined) throw error
    throw new MateriaError('landing', `landing ${root}: ${code}: ${reason}`, { cause: error })
  }
}

function bodyStream(body: LandingBody): Readable {
  if (typeof body === 'string' || body instanceof Uint8Array) return Readable.from([Buffer.from(body)])
  return createReadStream(body.path)
}

export class LocalLandingStore implements LandingStore {
  readonly location: string

  // lockWaitMs: how long a writer waits for another writer of the same key (tests shorten it).
  constructor(
    readonly root: string,
    private readonly lockWaitMs = landingLockWaitMs,
  ) {
    this.location = root
  }

  private pathOf(key: string): string {
    return join(this.root, ...checkKey(key).split('/'))
  }

  head(key: string): Promise<LandingObject | undefined> {
    return withFsErrors(this.root, () => this.headFiles(key))
  }

  private async headFiles(key: string): Promise<LandingObject | undefined> {
    const path = this.pathOf(key)
    const handle = await openIfExists(path)
    if (handle === undefined) return undefined
    try {
      const { size } = await handle.stat()
      return { key, etag: await hashHandle(handle), bytes: size }
    } finally {
      await handle.close()
    }
  }

  // The etag and the body come from one open file handle: a concurrent rename cannot split them.
  get(key: string): Promise<(LandingObject & { body: Readable }) | undefined> {
    return withFsErrors(this.root, () => this.getFiles(key))
  }

  private async getFiles(key: string): Promise<(LandingObject & { body: Readable }) | undefined> {
    const handle = await openIfExists(this.pathOf(key))
    if (handle === undefined) return undefined
    try {
      const { size } = await handle.stat()
      const etag = await hashHandle(handle)
      return { key, etag, bytes: size, body: handle.createReadStream({ start: 0, autoClose: true }) }
    } catch (error) {
      await handle.close()
      throw error
    }
  }

  put(key: string, body: LandingBody, options: PutOptions = {}): Promise<LandingObject> {
    return withFsErrors(this.root, () => this.putFiles(key, body, options))
  }

  private async putFiles(key: string, body: LandingBody, options: PutOptions): Promise<LandingObject> {
    const path = this.pathOf(key)
    await mkdir(dirname(path), { recursive: true })
    const lockPath = join(dirname(path), `.${basename(path)}.lock`)
    const lock = await this.acquireLock(lockPath, key)
    const temporaryPath = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`)
    try {
      await this.checkPrecondition(path, key, options)
      const hash = createHash('sha256')
      let bytes = 0
      const output = createWriteStream(temporaryPath, { flags: 'wx' })
      await pipeline(
        bodyStream(body),
        async function* (source: AsyncIterable<Buffer>) {
          for await (const chunk of source) {
            hash.update(chunk)
            bytes += chunk.length
            yield chunk
          }
        },
        output,
      )
      const written = await open(temporaryPath, 'r+')
      await written.sync().finally(() => written.close())
      await rename(temporaryPath, path)
      return { key, etag: hash.digest('hex'), bytes }
    } finally {
      await rm(temporaryPath, { force: true })
      await lock.close()
      await rm(lockPath, { force: true })
    }
  }

  private async checkPrecondition(path: string, key: string, options: PutOptions): Promise<void> {
    if (options.ifMatch === undefined && options.ifNoneMatch === undefined) return
    const current = await etagOf(path)
    if (options.ifNoneMatch === '*' && current !== undefined) {
      throw new LandingConflictError(
        `${this.root}: ${key} already exists (If-None-Match: *); another writer created it first`,
      )
    }
    if (options.ifMatch !== undefined && current !== options.ifMatch) {
      const found = current === undefined ? 'it is gone' : `it is now ${current}`
      throw new LandingConflictError(
        `${this.root}: ${key} changed since it was read (If-Match ${options.ifMatch}; ${found}); re-read it and retry`,
      )
    }
  }

  private async acquireLock(lockPath: string, key: string): Promise<FileHandle> {
    const deadline = Date.now() + this.lockWaitMs
    for (;;) {
      try {
        return await open(lockPath, 'wx')
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      }
      if (Date.now() > deadline) {
        throw new MateriaError(
          'landing',
          `${this.root}: ${key} is locked by ${lockPath} for over ${this.lockWaitMs} ms; if no materia process is writing, delete that file`,
        )
      }
      await sleep(5 + Math.random() * 20)
    }
  }

  list(prefix: string): Promise<LandingListEntry[]> {
    return withFsErrors(this.root, () => this.listFiles(prefix))
  }

  private async listFiles(prefix: string): Promise<LandingListEntry[]> {
    const start = join(this.root, ...checkPrefix(prefix).split('/').filter(Boolean))
    const entries: LandingListEntry[] = []
    const pending = [start]
    while (pending.length > 0) {
      const folder = pending.pop()!
      let names: Dirent[]
      try {
        names = await readdir(folder, { withFileTypes: true })
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
        throw error
      }
      for (const entry of names) {
        if (entry.name.startsWith('.')) continue
        const path = join(folder, entry.name)
        if (entry.isDirectory()) pending.push(path)
        else if (entry.isFile())
          entries.push({ key: relative(this.root, path).split(sep).join('/'), bytes: 0 })
        if (entries.length > landingListKeysMax) {
          throw new MateriaError('limit', `${this.root}/${prefix} holds over ${landingListKeysMax} keys`)
        }
      }
    }
    const sized = await Promise.all(
      entries.map(async (entry) => ({ key: entry.key, bytes: (await stat(this.pathOf(entry.key))).size })),
    )
    return sized.sort((left, right) => (left.key < right.key ? -1 : left.key > right.key ? 1 : 0))
  }
}
