// Reads one entry of a zip archive (stored or deflated) with node:zlib, so tests and benches can use
// the bundled USDA snapshot without an unzip binary. Reads the central directory, which holds the
// true sizes even when the local header defers them to a data descriptor (PKWARE APPNOTE 4.3).
import { readFile } from 'node:fs/promises'
import { inflateRawSync } from 'node:zlib'
import { assert } from '../assert.ts'

const endOfDirectorySignature = 0x06054b50
const directorySignature = 0x02014b50
const localSignature = 0x04034b50
// The end record is 22 bytes plus a comment of at most 65,535 bytes.
const endSearchBytesMax = 22 + 65_535

export async function readZipEntry(zipPath: string, entryName: string): Promise<Buffer> {
  const archive = await readFile(zipPath)
  const endOffset = findEndOfDirectory(archive)
  const entryCount = archive.readUInt16LE(endOffset + 10)
  let offset = archive.readUInt32LE(endOffset + 16)
  for (let index = 0; index < entryCount; index++) {
    assert(archive.readUInt32LE(offset) === directorySignature, `zip directory entry at ${offset}`)
    const method = archive.readUInt16LE(offset + 10)
    const compressedBytes = archive.readUInt32LE(offset + 20)
    const nameBytes = archive.readUInt16LE(offset + 28)
    const extraBytes = archive.readUInt16LE(offset + 30)
    const commentBytes = archive.readUInt16LE(offset + 32)
    const localOffset = archive.readUInt32LE(offset + 42)
    const name = archive.toString('utf8', offset + 46, offset + 46 + nameBytes)
    if (name === entryName) return inflateEntry(archive, localOffset, compressedBytes, method)
    offset += 46 + nameBytes + extraBytes + commentBytes
  }
  throw new Error(`${zipPath} has no entry ${entryName}`)
}

function findEndOfDirectory(archive: Buffer): number {
  const lowest = Math.max(0, archive.length - endSearchBytesMax)
  for (let offset = archive.length - 22; offset >= lowest; offset--) {
    if (archive.readUInt32LE(offset) === endOfDirectorySignature) return offset
  }
  throw new Error('not a zip archive: no end of central directory record')
}

function inflateEntry(archive: Buffer, localOffset: number, compressedBytes: number, method: number): Buffer {
  assert(archive.readUInt32LE(localOffset) === localSignature, 'zip local header signature')
  const start =
    localOffset + 30 + archive.readUInt16LE(localOffset + 26) + archive.readUInt16LE(localOffset + 28)
  const data = archive.subarray(start, start + compressedBytes)
  if (method === 0) return Buffer.from(data)
  assert(method === 8, `zip compression method ${method} is not deflate`)
  return inflateRawSync(data)
}
