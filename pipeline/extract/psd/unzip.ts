// Unzips the PSD CSV out of a snapshot zip and re-compresses it with gzip (DuckDB reads gzip
// natively; it cannot read zip offline), streaming: one chunk at a time from the zip entry through
// the checks into the gzip file. yauzl reads the central directory but does not check CRC-32, so
// the CRC is computed here and compared with the entry's; the header line is compared with the PSD
// layout. A failed check raises SnapshotRejected: the caller quarantines the zip with the reason.
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { crc32, createGzip } from 'node:zlib'
import yauzl from 'yauzl'
import { MateriaError } from '../../errors.ts'
import { csvBytesMax, csvHeaderBytesMax, zipEntriesMax } from '../../limits.ts'
import { psdHeader } from './locate.ts'

export interface CsvFacts {
  readonly csvName: string
  readonly csvBytes: number
  readonly csvSha256: string
  readonly rows: number
}

// The snapshot is not what it claims to be; `reason` goes into the quarantine note.
export class SnapshotRejected extends MateriaError {
  constructor(
    readonly source: string,
    readonly reason: string,
  ) {
    super('extract', `${source}: ${reason}`)
    this.name = 'SnapshotRejected'
  }
}

function openZip(zipPath: string): Promise<yauzl.ZipFile> {
  return new Promise((resolveZip, reject) => {
    const options = { lazyEntries: true, autoClose: false, validateEntrySizes: true, strictFileNames: false }
    yauzl.open(zipPath, options, (error, zip) => (error ? reject(error) : resolveZip(zip)))
  })
}

function findEntry(zip: yauzl.ZipFile, name: string): Promise<yauzl.Entry | undefined> {
  return new Promise((resolveEntry, reject) => {
    let seen = 0
    zip.on('entry', (entry: yauzl.Entry) => {
      seen += 1
      if (entry.fileName === name) resolveEntry(entry)
      else if (seen >= zipEntriesMax) reject(new Error(`over ${zipEntriesMax} entries without ${name}`))
      else zip.readEntry()
    })
    zip.on('end', () => resolveEntry(undefined))
    zip.on('error', reject)
    zip.readEntry()
  })
}

function openEntry(zip: yauzl.ZipFile, entry: yauzl.Entry): Promise<Readable> {
  return new Promise((resolveStream, reject) => {
    zip.openReadStream(entry, (error, stream) => (error ? reject(error) : resolveStream(stream)))
  })
}

function checkHeader(firstLine: Buffer, source: string): void {
  const header = firstLine
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .replace(/\r$/, '')
  if (header !== psdHeader) {
    throw new SnapshotRejected(
      source,
      `CSV header changed: expected "${psdHeader}", found "${header.slice(0, 300)}"`,
    )
  }
}

// Streams the entry into `gzipPath`, checking the header, counting rows and computing CRC-32.
async function copyEntry(stream: Readable, gzipPath: string, source: string) {
  const hash = createHash('sha256')
  let crc = 0
  let bytes = 0
  let newlines = 0
  let lastByte = -1
  let head: Buffer | undefined = Buffer.alloc(0)
  await pipeline(
    stream,
    async function* (chunks: AsyncIterable<Buffer>) {
      for await (const chunk of chunks) {
        if (head !== undefined) {
          head = Buffer.concat([head, chunk])
          const end = head.indexOf(0x0a)
          if (end >= 0) {
            checkHeader(head.subarray(0, end), source)
            head = undefined
          } else if (head.length > csvHeaderBytesMax) {
            throw new SnapshotRejected(source, `CSV header line longer than ${csvHeaderBytesMax} bytes`)
          }
        }
        crc = crc32(chunk, crc)
        hash.update(chunk)
        bytes += chunk.length
        for (let at = chunk.indexOf(0x0a); at >= 0; at = chunk.indexOf(0x0a, at + 1)) newlines += 1
        lastByte = chunk.at(-1) ?? lastByte
        yield chunk
      }
    },
    // Level pinned (zlib's default today) so landed bytes do not change with a Node upgrade.
    createGzip({ level: 6, chunkSize: 64 * 1024 }),
    createWriteStream(gzipPath),
  )
  if (head !== undefined) checkHeader(head, source)
  const lines = newlines + (lastByte !== 0x0a && bytes > 0 ? 1 : 0)
  return { crc, bytes, sha256: hash.digest('hex'), rows: Math.max(0, lines - 1) }
}

export async function unzipToGzip(
  zipPath: string,
  name: string,
  gzipPath: string,
  source: string,
): Promise<CsvFacts> {
  let zip: yauzl.ZipFile
  try {
    zip = await openZip(zipPath)
  } catch (error) {
    throw new SnapshotRejected(source, `not a readable zip (${(error as Error).message})`)
  }
  try {
    const entry = await findEntry(zip, name).catch((error: Error) => {
      throw new SnapshotRejected(source, `zip unreadable (${error.message})`)
    })
    if (entry === undefined) throw new SnapshotRejected(source, `zip holds no ${name}`)
    if (entry.uncompressedSize > csvBytesMax) {
      throw new SnapshotRejected(
        source,
        `${name} is ${entry.uncompressedSize} bytes, over csvBytesMax ${csvBytesMax}`,
      )
    }
    const facts = await openEntry(zip, entry)
      .then((stream) => copyEntry(stream, gzipPath, source))
      .catch((error: Error) => {
        if (error instanceof MateriaError) throw error
        throw new SnapshotRejected(source, `${name} does not inflate (${error.message})`)
      })
    if (facts.crc !== entry.crc32) {
      const found = facts.crc.toString(16).padStart(8, '0')
      const expected = entry.crc32.toString(16).padStart(8, '0')
      throw new SnapshotRejected(
        source,
        `${name} fails its CRC-32 check (zip says ${expected}, data gives ${found})`,
      )
    }
    return { csvName: name, csvBytes: facts.bytes, csvSha256: facts.sha256, rows: facts.rows }
  } finally {
    zip.close()
  }
}
