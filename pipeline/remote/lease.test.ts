// Goal: the prod lease keeps two runs apart across processes: of two takers exactly one wins and
// the other learns who holds it until when; an expired or released lease can be taken; a holder
// whose lease was taken over cannot renew; withLease renews while the work runs and releases after.
// Method: the local-folder landing store (which enforces conditional writes as S3 and R2 do) on a
// temp folder; a fake clock value passed in, real timers for withLease.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalLandingStore } from '../landing/local-store.ts'
import { readText } from '../landing/store.ts'
import { acquireLease, leaseKey, releaseLease, renewLease, withLease } from './lease.ts'

let root: string
let count = 0
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'materia-lease-test-'))
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
})
const freshStore = () => new LocalLandingStore(join(root, `bucket-${++count}`))
const t0 = Date.parse('2026-12-01T02:00:00Z')

describe('prod lease', () => {
  it('lets exactly one of two concurrent takers hold it; the other is told who and until when', async () => {
    const store = freshStore()
    const results = await Promise.allSettled([
      acquireLease(store, { runId: 'run-a', pipeline: 'extract', nowMs: t0, holder: 'laptop pid 1' }),
      acquireLease(store, { runId: 'run-b', pipeline: 'transform', nowMs: t0, holder: 'supervisor pid 2' }),
    ])
    expect(results.filter((result) => result.status === 'fulfilled')).toHaveLength(1)
    const refused = results.find((result) => result.status === 'rejected') as PromiseRejectedResult
    expect(String(refused.reason.message)).toMatch(
      /^prod is busy: (extract|transform) run run-[ab] on (laptop|supervisor) pid \d holds .*state\/lease\.json until 2026-12-01T02:10:00\.000Z/,
    )
  })

  it('refuses a live lease, then hands over an expired one; the old holder cannot renew', async () => {
    const store = freshStore()
    const first = await acquireLease(store, { runId: 'run-a', pipeline: 'all', nowMs: t0, ttlMs: 60_000 })
    await expect(
      acquireLease(store, { runId: 'run-b', pipeline: 'all', nowMs: t0 + 30_000, ttlMs: 60_000 }),
    ).rejects.toThrow(/prod is busy: all run run-a/)
    const second = await acquireLease(store, { runId: 'run-b', pipeline: 'all', nowMs: t0 + 61_000 })
    expect(second.record.runId).toBe('run-b')
    await expect(renewLease(store, first, t0 + 62_000)).rejects.toThrow(
      /lost the prod lease of run run-a: it expired and another run took it/,
    )
    await releaseLease(store, first, t0 + 63_000) // not the holder any more: changes nothing
    expect(JSON.parse((await readText(store, leaseKey))!).runId).toBe('run-b')
  })

  it('can be taken again at once after a release', async () => {
    const store = freshStore()
    const lease = await acquireLease(store, { runId: 'run-a', pipeline: 'extract', nowMs: t0 })
    await releaseLease(store, lease, t0 + 1000)
    const next = await acquireLease(store, { runId: 'run-b', pipeline: 'extract', nowMs: t0 + 2000 })
    expect(next.record.runId).toBe('run-b')
  })

  it('renews while the work runs, refuses others meanwhile, and releases afterwards', async () => {
    const store = freshStore()
    const log: string[] = []
    const expiries: string[] = []
    await withLease(
      store,
      { runId: 'run-a', pipeline: 'all', ttlMs: 3_000, log: (line) => log.push(line) },
      async () => {
        // Waits for a renewal (due every second) rather than a fixed time, so a starved timer on a
        // loaded machine only makes the wait longer; the vitest limit bounds it.
        expiries.push(JSON.parse((await readText(store, leaseKey))!).expiresAt)
        while (new Set(expiries).size < 2) {
          await new Promise((resolve) => setTimeout(resolve, 100))
          expiries.push(JSON.parse((await readText(store, leaseKey))!).expiresAt)
        }
        // A taker a millisecond before the renewed expiry is refused, however late this line runs.
        const expiresMs = Date.parse(expiries.at(-1)!)
        await expect(
          acquireLease(store, { runId: 'run-b', pipeline: 'all', nowMs: expiresMs - 1 }),
        ).rejects.toThrow(/prod is busy/)
      },
    )
    expect(new Set(expiries).size).toBeGreaterThan(1) // renewed at least once
    expect(JSON.parse((await readText(store, leaseKey))!).released).toBe(true)
    const after = await acquireLease(store, { runId: 'run-c', pipeline: 'all', nowMs: Date.now() })
    expect(after.record.runId).toBe('run-c')
  })
})
