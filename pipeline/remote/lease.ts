// The prod lease: never two prod runs at once, across machines and processes (a laptop, the
// workbench, the supervisor). A small JSON object in the bucket, `state/lease.json`, taken with a
// conditional write: If-None-Match: * when there is none, If-Match on the etag read when the one
// there has expired or was released. Whoever's write lands holds it; the other gets a precondition
// failure and learns who holds it until when. The holder renews it (If-Match on its own etag)
// while it works, so a lease outlives a long run but not a dead process: it expires leaseTtlMs
// after the last renewal. Release writes it back expired, again only over the holder's own etag.
import { hostname } from 'node:os'
import { MateriaError } from '../errors.ts'
import { isLandingConflict, type LandingStore, readText } from '../landing/store.ts'

export const leaseKey = 'state/lease.json'
// Set on a worker whose caller holds the prod lease for it: the worker's own prod run does not
// take it again.
export const leaseRunVariable = 'MATERIA_PROD_LEASE_RUN'
// Long enough that a renewal every third of it survives a slow bucket; short enough that a
// crashed holder blocks the next run for minutes, not hours.
export const leaseTtlMs = 10 * 60_000

export interface LeaseRecord {
  readonly holder: string // host and process, for the message another run shows
  readonly runId: string
  readonly pipeline: string
  readonly acquiredAt: string
  readonly expiresAt: string
  readonly released: boolean
}

export interface Lease {
  readonly record: LeaseRecord
  readonly etag: string
}

export class LeaseHeldError extends MateriaError {
  constructor(message: string) {
    super('lock', message)
    this.name = 'LeaseHeldError'
  }
}

export function leaseHolder(): string {
  return `${hostname()} pid ${process.pid}`
}

function body(record: LeaseRecord): string {
  return `${JSON.stringify(record)}\n`
}

function heldMessage(store: LandingStore, record: LeaseRecord): string {
  return `prod is busy: ${record.pipeline} run ${record.runId} on ${record.holder} holds ${store.location}/${leaseKey} until ${record.expiresAt}; wait for it, or after a crash let the lease expire`
}

async function readLease(store: LandingStore): Promise<{ record: LeaseRecord; etag: string } | undefined> {
  const head = await store.head(leaseKey)
  if (head === undefined) return undefined
  const text = await readText(store, leaseKey)
  if (text === undefined) return undefined
  let record: LeaseRecord
  try {
    record = JSON.parse(text) as LeaseRecord
  } catch {
    throw new MateriaError(
      'state',
      `${store.location}/${leaseKey} is not valid JSON; delete it if no run is going`,
    )
  }
  return { record, etag: head.etag }
}

export async function acquireLease(
  store: LandingStore,
  input: { runId: string; pipeline: string; nowMs: number; ttlMs?: number; holder?: string },
): Promise<Lease> {
  const ttlMs = input.ttlMs ?? leaseTtlMs
  const record: LeaseRecord = {
    holder: input.holder ?? leaseHolder(),
    runId: input.runId,
    pipeline: input.pipeline,
    acquiredAt: new Date(input.nowMs).toISOString(),
    expiresAt: new Date(input.nowMs + ttlMs).toISOString(),
    released: false,
  }
  const current = await readLease(store)
  if (
    current !== undefined &&
    !current.record.released &&
    Date.parse(current.record.expiresAt) > input.nowMs
  ) {
    throw new LeaseHeldError(heldMessage(store, current.record))
  }
  const condition = current === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: current.etag }
  try {
    const written = await store.put(leaseKey, body(record), { ...condition, contentType: 'application/json' })
    return { record, etag: written.etag }
  } catch (error) {
    if (!isLandingConflict(error)) throw error
    const winner = await readLease(store)
    throw new LeaseHeldError(
      winner === undefined
        ? `prod is busy: another run took ${leaseKey} first`
        : heldMessage(store, winner.record),
    )
  }
}

// Extends the lease; fails when someone else took it over (it had expired): the run must stop.
export async function renewLease(store: LandingStore, lease: Lease, nowMs: number, ttlMs = leaseTtlMs) {
  const record: LeaseRecord = { ...lease.record, expiresAt: new Date(nowMs + ttlMs).toISOString() }
  try {
    const written = await store.put(leaseKey, body(record), {
      ifMatch: lease.etag,
      contentType: 'application/json',
    })
    return { record, etag: written.etag }
  } catch (error) {
    if (!isLandingConflict(error)) throw error
    throw new LeaseHeldError(
      `lost the prod lease of run ${lease.record.runId}: it expired and another run took it; stopping`,
    )
  }
}

export async function releaseLease(store: LandingStore, lease: Lease, nowMs: number): Promise<void> {
  const record: LeaseRecord = { ...lease.record, expiresAt: new Date(nowMs).toISOString(), released: true }
  try {
    await store.put(leaseKey, body(record), { ifMatch: lease.etag, contentType: 'application/json' })
  } catch (error) {
    if (!isLandingConflict(error)) throw error // someone else holds it now: nothing of ours to release
  }
}

// Holds the lease for the length of `work`, renewing it every third of its life; a lost lease
// aborts the signal given to `work`.
export async function withLease<T>(
  store: LandingStore,
  input: { runId: string; pipeline: string; ttlMs?: number; log: (line: string) => void },
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const ttlMs = input.ttlMs ?? leaseTtlMs
  let lease = await acquireLease(store, { ...input, nowMs: Date.now(), ttlMs })
  input.log(`prod lease taken until ${lease.record.expiresAt}`)
  const controller = new AbortController()
  let renewing: Promise<void> = Promise.resolve()
  const timer = setInterval(() => {
    renewing = renewLease(store, lease, Date.now(), ttlMs).then(
      (renewed) => {
        lease = renewed
      },
      (error: Error) => {
        input.log(error.message)
        controller.abort(error)
      },
    )
  }, ttlMs / 3)
  try {
    return await work(controller.signal)
  } finally {
    clearInterval(timer)
    await renewing
    await releaseLease(store, lease, Date.now())
  }
}
