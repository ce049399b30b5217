// Broken snapshot zips for tests, derived from genuine data: the real zip with a wrong CRC-32, and
// a zip whose CSV (genuine rows) has a changed header line.
import { readFileSync } from 'node:fs'
import { ZipFile } from 'yazl'
import { genuineZip } from './psd-server.ts'

const localHeaderSignature = 0x04034b50
const centralHeaderSignature = 0x02014b50

// The genuine zip with the stored CRC-32 of its one entry flipped, in the local header and in the
// central directory alike: it opens fine and inflates fine, only the CRC check can catch it.
export function zipWithWrongCrc(): Buffer {
  const zip = Buffer.from(genuineZip)
  let patched = 0
  for (let offset = 0; offset + 4 <= zip.length; offset += 1) {
    const signature = zip.readUInt32LE(offset)
    const crcOffset =
      signature === localHeaderSignature
        ? offset + 14
        : signature === centralHeaderSignature
          ? offset + 16
          : -1
    if (crcOffset < 0) continue
    zip.writeUInt32LE((zip.readUInt32LE(crcOffset) ^ 0x5a5a5a5a) >>> 0, crcOffset)
    patched += 1
  }
  if (patched !== 2) throw new Error(`expected one local and one central header, patched ${patched}`)
  return zip
}

export function zipOf(name: string, content: Buffer): Promise<Buffer> {
  const zip = new ZipFile()
  zip.addBuffer(content, name)
  zip.end()
  return new Promise((resolveZip, reject) => {
    const chunks: Buffer[] = []
    zip.outputStream.on('data', (chunk: Buffer) => chunks.push(chunk))
    zip.outputStream.on('end', () => resolveZip(Buffer.concat(chunks)))
    zip.outputStream.on('error', reject)
  })
}

const genuineRows = readFileSync(
  new URL('../../../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url),
)

// Genuine rows under a header whose last column was renamed, as if USDA changed the layout.
export function zipWithChangedHeader(): Promise<Buffer> {
  const text = genuineRows.toString('utf8')
  const changed = text.replace(/,Value(\r?\n)/, ',Amount$1')
  if (changed === text) throw new Error('fixture CSV header not found')
  return zipOf('psd_coffee.csv', Buffer.from(changed))
}
