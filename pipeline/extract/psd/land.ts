// Lands one snapshot zip that is already on local disk: verify (zip CRC, CSV header), re-compress
// to gzip in a temp folder, then put the .csv.gz and only after it the manifest. Nothing reaches the
// landing before every check passed; a zip that fails goes to _quarantine/ with the reason.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { MateriaError } from '../../errors.ts'
import { LocalLandingStore } from '../../landing/local-store.ts'
import type { LandingStore } from '../../landing/store.ts'
import { csvProblem } from './check-csv.ts'
import { csvName, type Month, parseMonth } from './locate.ts'
import { csvKey, landingId, type Manifest, manifestKey, quarantineKey, readManifests } from './manifest.ts'
import { SnapshotRejected, unzipToGzip } from './unzip.ts'

export interface LandResult {
  // landed: a new file; unchanged: already landed (no new file); duplicate: same CSV as a landed
  // file under another ETag, recorded by a manifest only.
  readonly status: 'landed' | 'unchanged' | 'duplicate'
  readonly dataset: string
  readonly month: Month | undefined
  readonly url: string
  readonly key: string | undefined
  readonly rows: number | undefined
  readonly bodyBytes: number
}

export interface LocalZip {
  readonly url: string
  readonly etag: string | undefined
  readonly lastModified: string | undefined
  readonly zipPath: string
  readonly zipSha256: string
  readonly zipBytes: number
}

async function quarantine(store: LandingStore, zip: LocalZip, dataset: string, month: Month, reason: string) {
  const key = quarantineKey(dataset, month, zip.zipSha256, '.zip')
  await store.put(key, { path: zip.zipPath }, { contentType: 'application/zip' })
  const note = [
    `reason: ${reason}`,
    `source: ${zip.url}`,
    `etag: ${zip.etag ?? '(none)'}`,
    `last_modified: ${zip.lastModified ?? '(none)'}`,
    `quarantined_at: ${new Date().toISOString()}`,
    '',
  ].join('\n')
  await store.put(quarantineKey(dataset, month, zip.zipSha256, '.reason.txt'), note, {
    contentType: 'text/plain',
  })
  return key
}

export async function landZip(
  store: LandingStore,
  zip: LocalZip,
  dataset: string,
  month: Month,
  landed: readonly Manifest[],
  onVerify?: (csvName: string) => void,
): Promise<LandResult> {
  const id = landingId(zip.etag, zip.zipSha256)
  const base = { dataset, month, url: zip.url, bodyBytes: zip.zipBytes }
  const known = landed.find((manifest) => manifest.id === id && manifest.month === month)
  if (known !== undefined || (await store.head(manifestKey(dataset, month, id))) !== undefined) {
    return { ...base, status: 'unchanged', key: csvKey(dataset, month, id), rows: known?.rows }
  }
  const folder = await mkdtemp(join(tmpdir(), 'materia-land-'))
  try {
    const gzipPath = join(folder, `${id}.csv.gz`)
    onVerify?.(csvName(dataset))
    const rejected = async (error: unknown): Promise<never> => {
      if (!(error instanceof SnapshotRejected)) throw error
      const key = await quarantine(store, zip, dataset, month, error.reason)
      throw new MateriaError(
        'extract',
        `${error.message}; quarantined as ${store.location}/${key} (see its .reason.txt); retry later or report the file`,
      )
    }
    const facts = await unzipToGzip(zip.zipPath, csvName(dataset), gzipPath, zip.url).catch(rejected)
    // What passed the byte-level checks must also read cleanly in DuckDB, as the raw model reads it.
    const problem = await csvProblem(gzipPath, facts.csvName)
    if (problem !== undefined) await rejected(new SnapshotRejected(zip.url, problem))
    const twin = landed.find(
      (manifest) => manifest.csv_sha256 === facts.csvSha256 && manifest.duplicate_of === null,
    )
    const manifest: Manifest = {
      id,
      dataset,
      month,
      source_url: zip.url,
      etag: zip.etag ?? null,
      last_modified: zip.lastModified ?? null,
      zip_sha256: zip.zipSha256,
      zip_bytes: zip.zipBytes,
      csv_name: facts.csvName,
      csv_sha256: facts.csvSha256,
      csv_bytes: facts.csvBytes,
      gzip_bytes: twin === undefined ? (await stat(gzipPath)).size : 0,
      rows: facts.rows,
      fetched_at: new Date().toISOString(),
      duplicate_of: twin === undefined ? null : csvKey(twin.dataset, twin.month, twin.id),
    }
    if (twin === undefined)
      await store.put(csvKey(dataset, month, id), { path: gzipPath }, { contentType: 'application/gzip' })
    await store.put(manifestKey(dataset, month, id), `${JSON.stringify(manifest, null, 2)}\n`, {
      contentType: 'application/json',
    })
    const status = twin === undefined ? 'landed' : 'duplicate'
    return { ...base, status, key: manifest.duplicate_of ?? csvKey(dataset, month, id), rows: facts.rows }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

// The vintage of a local zip: `..._YYYY-MM.zip` in its name, else the --month given.
export function monthOfFile(path: string, month: string | undefined): Month {
  if (month !== undefined) return parseMonth(month, '--month')
  const match = /_(\d{4}-\d{2})\.zip$/i.exec(basename(path))
  if (match === null) {
    throw new MateriaError('usage', `--from-file ${path}: name it ..._YYYY-MM.zip or pass --month YYYY-MM`)
  }
  return parseMonth(match[1]!, `--from-file ${path}:`)
}

// Lands a zip from disk (`--from-file`); the etag is the zip's SHA-256.
export async function landFromFile(
  store: LandingStore,
  path: string,
  dataset: string,
  month: Month,
): Promise<LandResult> {
  const absolute = resolve(path)
  const stats = await stat(absolute).catch(() => {
    throw new MateriaError('extract', `--from-file ${absolute}: no such file`)
  })
  if (!stats.isFile())
    throw new MateriaError('extract', `--from-file ${absolute}: not a file; pass the snapshot's .zip file`)
  const size = stats.size
  const zip: LocalZip = {
    url: pathToFileURL(absolute).href,
    etag: undefined,
    lastModified: undefined,
    zipPath: absolute,
    zipSha256: await sha256File(absolute),
    zipBytes: size,
  }
  const result = await landZip(store, zip, dataset, month, await readManifests(store, dataset))
  return { ...result, bodyBytes: 0 }
}

export const bundledSnapshotPath = fileURLToPath(
  new URL('../../../assets/data/psd_coffee_csv_2022-12.zip', import.meta.url),
)

// The offline default: the genuine USDA PSD coffee snapshot of December 2022, shipped in the repo,
// so a fresh clone has real data without a network.
export async function landBundledSnapshot(landingDir: string): Promise<LandResult> {
  return landFromFile(new LocalLandingStore(landingDir), bundledSnapshotPath, 'coffee', '2022-12')
}
