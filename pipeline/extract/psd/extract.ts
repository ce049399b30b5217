// `materia extract psd`: find the snapshot(s) to fetch, download each conditionally, land it.
// Latest mode takes the first candidate that exists (this month's archive, up to three months
// back, then the current file). `--since` walks every monthly vintage; unpublished months are
// skipped, identical vintages dedupe (304 on a known ETag, or the same CSV landing as a duplicate).
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MateriaError } from '../../errors.ts'
import type { LandingStore } from '../../landing/store.ts'
import { type DownloadPolicy, download } from './download.ts'
import { type LandResult, landZip } from './land.ts'
import { type Candidate, latestCandidates, type Month, monthOf, sinceCandidates } from './locate.ts'
import { type Manifest, readManifests } from './manifest.ts'

export interface ExtractReporter {
  start(url: string): void
  progress(bytes: number, totalBytes: number | undefined): void
  verifying(csvName: string): void
  skipped(url: string, reason: string): void
  done(result: LandResult): void
  // Ends a half-drawn progress line so the error that follows starts on its own line.
  failed(): void
}

export interface ExtractOptions {
  readonly store: LandingStore
  readonly dataset: string
  readonly baseUrl: string
  readonly since?: Month
  readonly now?: Date
  readonly policy?: DownloadPolicy
  readonly signal?: AbortSignal
  readonly reporter?: ExtractReporter
}

function unchangedMonth(candidate: Candidate, etag: string | undefined, landed: readonly Manifest[]) {
  if (candidate.month !== undefined) return candidate.month
  return landed.find((manifest) => manifest.etag === etag || manifest.source_url === candidate.url)?.month
}

// One candidate: 'missing' when the source answers 404, else what landing it gave.
async function fetchCandidate(
  options: ExtractOptions,
  candidate: Candidate,
  landed: readonly Manifest[],
): Promise<LandResult | 'missing'> {
  const folder = await mkdtemp(join(tmpdir(), 'materia-extract-'))
  try {
    const zipPath = join(folder, 'snapshot.zip')
    const knownEtags = landed.flatMap((manifest) => (manifest.etag === null ? [] : [manifest.etag]))
    const sameUrl = landed.find((manifest) => manifest.source_url === candidate.url && manifest.last_modified)
    options.reporter?.start(candidate.url)
    const outcome = await download({
      url: candidate.url,
      targetPath: zipPath,
      knownEtags: [...new Set(knownEtags)],
      ifModifiedSince: sameUrl?.last_modified ?? undefined,
      policy: options.policy,
      signal: options.signal,
      onProgress: options.reporter?.progress,
    })
    const base = {
      dataset: options.dataset,
      url: candidate.url,
      bodyBytes: 0,
      key: undefined,
      rows: undefined,
    }
    switch (outcome.kind) {
      case 'not_found':
        return 'missing'
      case 'not_modified':
      case 'known_etag':
        return { ...base, status: 'unchanged', month: unchangedMonth(candidate, outcome.etag, landed) }
      case 'downloaded': {
        const lastModified = outcome.lastModified === undefined ? undefined : new Date(outcome.lastModified)
        const fallbackMonth = monthOf(
          lastModified && !Number.isNaN(lastModified.getTime()) ? lastModified : new Date(),
        )
        const zip = {
          ...outcome,
          url: candidate.url,
          zipPath,
          zipSha256: outcome.sha256,
          zipBytes: outcome.bytes,
        }
        const month = candidate.month ?? fallbackMonth
        return await landZip(options.store, zip, options.dataset, month, landed, options.reporter?.verifying)
      }
      default:
        outcome satisfies never
        throw new Error('unreachable')
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}

export async function extractPsd(options: ExtractOptions): Promise<LandResult[]> {
  const now = options.now ?? new Date()
  const candidates =
    options.since === undefined
      ? latestCandidates(options.baseUrl, options.dataset, now)
      : sinceCandidates(options.baseUrl, options.dataset, options.since, now)
  const results: LandResult[] = []
  const missing: string[] = []
  let landed = await readManifests(options.store, options.dataset)
  for (const candidate of candidates) {
    const result = await fetchCandidate(options, candidate, landed).catch((error: unknown) => {
      options.reporter?.failed()
      throw error
    })
    if (result === 'missing') {
      missing.push(candidate.url)
      options.reporter?.skipped(candidate.url, 'not published (404)')
      continue
    }
    options.reporter?.done(result)
    results.push(result)
    if (options.since === undefined) return results
    if (result.status !== 'unchanged') landed = await readManifests(options.store, options.dataset)
  }
  if (results.length === 0) {
    throw new MateriaError(
      'extract',
      `no ${options.dataset} snapshot found: ${missing.join(', ')} answered 404; check --dataset and MATERIA_PSD_BASE_URL`,
    )
  }
  return results
}
