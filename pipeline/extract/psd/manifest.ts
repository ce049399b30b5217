// The landing layout for PSD and the manifest landed beside each file:
//   psd/{dataset}/{YYYY}/{MM}/{id}.csv.gz   the CSV, gzip
//   psd/{dataset}/{YYYY}/{MM}/{id}.json     this manifest
//   _quarantine/psd/{dataset}/{YYYY}/{MM}/{zip sha256}.zip (+ .reason.txt)
// The id derives from the content's identity (the source's ETag, else the zip's SHA-256), so a
// rerun computes the same names and lands nothing twice.
import { createHash } from 'node:crypto'
import { MateriaError } from '../../errors.ts'
import { type LandingStore, readText } from '../../landing/store.ts'
import { landingListKeysMax } from '../../limits.ts'

const manifestReadsConcurrent = 8

import type { Month } from './locate.ts'

export interface Manifest {
  readonly id: string
  readonly dataset: string
  readonly month: Month
  readonly source_url: string
  readonly etag: string | null // the source's ETag header as sent, or null
  readonly last_modified: string | null
  readonly zip_sha256: string
  readonly zip_bytes: number
  readonly csv_name: string
  readonly csv_sha256: string
  readonly csv_bytes: number
  readonly gzip_bytes: number
  readonly rows: number
  readonly fetched_at: string
  // When the same CSV already landed under another name (an unchanged vintage): that file's key.
  // Such a manifest has no .csv.gz of its own; it records the etag so the next run sends it.
  readonly duplicate_of: string | null
}

// An ETag as a file name: strip W/ and quotes, keep safe characters; when anything had to be
// replaced, a short hash of the raw ETag keeps distinct ETags distinct.
export function landingId(etag: string | undefined, zipSha256: string): string {
  if (etag === undefined || etag === '') return `sha256-${zipSha256}`
  const bare = etag.replace(/^W\//, '').replace(/^"|"$/g, '')
  const safe = bare
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^[._-]+/, '')
    .slice(0, 100)
  if (safe === bare && safe !== '') return safe
  const tag = createHash('sha256').update(etag).digest('hex').slice(0, 12)
  return safe === '' ? `etag-${tag}` : `${safe}-${tag}`
}

export function monthPath(dataset: string, month: Month): string {
  const [year, monthNumber] = month.split('-')
  return `psd/${dataset}/${year}/${monthNumber}`
}

export function csvKey(dataset: string, month: Month, id: string): string {
  return `${monthPath(dataset, month)}/${id}.csv.gz`
}

export function manifestKey(dataset: string, month: Month, id: string): string {
  return `${monthPath(dataset, month)}/${id}.json`
}

export function quarantineKey(dataset: string, month: Month, zipSha256: string, suffix: string): string {
  return `_quarantine/${monthPath(dataset, month)}/${zipSha256}${suffix}`
}

function parseManifest(text: string, where: string): Manifest {
  try {
    const manifest = JSON.parse(text) as Manifest
    if (typeof manifest.id !== 'string' || typeof manifest.csv_sha256 !== 'string')
      throw new Error('fields missing')
    return manifest
  } catch (error) {
    throw new MateriaError(
      'landing',
      `${where}: unreadable manifest (${(error as Error).message}); move it aside`,
    )
  }
}

// Every manifest landed for a dataset, newest fetch first.
export async function readManifests(store: LandingStore, dataset: string): Promise<Manifest[]> {
  const keys = (await store.list(`psd/${dataset}/`))
    .map((entry) => entry.key)
    .filter((key) => key.endsWith('.json'))
  if (keys.length > landingListKeysMax)
    throw new MateriaError('limit', `psd/${dataset}/ has too many manifests`)
  // A few reads at a time: a bucket holding years of vintages must not open hundreds of requests.
  const manifests: Manifest[] = []
  for (let start = 0; start < keys.length; start += manifestReadsConcurrent) {
    const batch = keys.slice(start, start + manifestReadsConcurrent)
    const read = await Promise.all(
      batch.map(async (key) =>
        parseManifest((await readText(store, key)) ?? '{}', `${store.location}/${key}`),
      ),
    )
    manifests.push(...read)
  }
  return manifests.sort((left, right) => (left.fetched_at < right.fetched_at ? 1 : -1))
}
