// The supervisor's loop: every interval it fast-forwards its clone, starts the scheduled pipelines
// whose slot has come (each at most once, the latest missed slot only after downtime), never two
// runs of one pipeline at once, reaps orphan workers, and appends each run to a JSON-lines log.
// Transform waits until that day's extract has succeeded; publish follows a successful transform,
// so the Parquet files and the site stay fresh. A failed run is retried with exponential backoff
// (3 times by default), then alerted. After its clone moved, the supervisor starts nothing more
// and ends its loop (when `restartOnUpdate`), so systemd restarts it on the new schedule code.
// The clock, the runner and the git update are injected, so tests drive it with a fake clock.
import { Cron } from 'croner'
import { MateriaError } from '../errors.ts'
import { supervisorCatchUpMs, supervisorSlotScanMax } from '../limits.ts'
import type { PipelineName, ScheduleConfig } from './config.ts'

export interface Clock {
  now(): Date
  sleep(ms: number, signal: AbortSignal): Promise<void>
}

export interface SupervisorRunOutcome {
  readonly outcome: 'done' | 'failed'
  readonly message: string
}

export interface SupervisorEntry {
  readonly pipeline: PipelineName
  readonly slot: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly outcome: 'done' | 'failed' | 'skipped'
  readonly message: string
}

export interface SupervisorDeps {
  readonly clock: Clock
  readonly schedule: ScheduleConfig
  readonly update: () => Promise<string | null> // a line saying what moved, null when nothing did
  readonly run: (pipeline: PipelineName, signal: AbortSignal) => Promise<SupervisorRunOutcome>
  readonly reap: () => Promise<number>
  readonly readLastSlots: () => Promise<Record<string, string>>
  readonly writeLastSlots: (slots: Record<string, string>) => Promise<void>
  readonly record: (entry: SupervisorEntry) => Promise<void>
  readonly log: (line: string) => void
  readonly retries?: number // extra attempts after a failed run; default 0 here, 3 from the CLI
  readonly retryBackoffMs?: number // wait before the first retry; doubles each time
  readonly alert?: (title: string, message: string) => Promise<void> // after the last attempt failed
  readonly restartOnUpdate?: boolean
}

// The key in the slot state holding the slot of the last extract that succeeded.
export const extractDoneKey = 'done:extract'

// The latest slot of `cron` at or before `now` and after `after` (or the catch-up window).
export function latestSlot(cron: string, now: Date, after: Date | null): Date | null {
  let job: Cron
  try {
    job = new Cron(cron, { timezone: 'UTC', paused: true })
  } catch (error) {
    throw new MateriaError('config', `schedule cron "${cron}" is invalid: ${(error as Error).message}`)
  }
  const windowStart = new Date(now.getTime() - supervisorCatchUpMs)
  let cursor = after !== null && after > windowStart ? after : windowStart
  let latest: Date | null = null
  for (let scanned = 0; ; scanned++) {
    if (scanned >= supervisorSlotScanMax) {
      throw new MateriaError(
        'limit',
        `schedule cron "${cron}" fires more than supervisorSlotScanMax=${supervisorSlotScanMax} times in the catch-up window`,
      )
    }
    const next = job.nextRun(cursor)
    if (next === null || next > now) return latest
    latest = next
    cursor = next
  }
}

export class Supervisor {
  private readonly running = new Map<PipelineName, Promise<void>>()
  private readonly deps: SupervisorDeps

  constructor(deps: SupervisorDeps) {
    this.deps = deps
  }

  // One pass: update, start due runs (not awaited), reap. Returns the runs it started.
  restartRequested = false

  async tick(signal: AbortSignal): Promise<PipelineName[]> {
    const { deps } = this
    try {
      const moved = await deps.update()
      if (moved !== null) deps.log(moved)
      if (moved !== null && deps.restartOnUpdate) {
        deps.log('restarting to run the updated code; runs in flight finish first')
        this.restartRequested = true
        return []
      }
    } catch (error) {
      deps.log(`update failed, keeping the current checkout: ${(error as Error).message}`)
    }
    const now = deps.clock.now()
    const lastSlots = await deps.readLastSlots()
    const started: PipelineName[] = []
    for (const entry of deps.schedule.entries) {
      const last = lastSlots[entry.pipeline]
      const slot = latestSlot(entry.cron, now, last === undefined ? null : new Date(last))
      if (slot === null) continue
      if (entry.pipeline === 'transform' && !this.extractDoneOn(lastSlots, slot)) {
        deps.log(`transform slot ${slot.toISOString()} waits for that day's extract`)
        continue
      }
      lastSlots[entry.pipeline] = slot.toISOString()
      await deps.writeLastSlots(lastSlots)
      if (this.running.has(entry.pipeline)) {
        const message = `skipped: the previous ${entry.pipeline} run is still running`
        deps.log(`${entry.pipeline} slot ${slot.toISOString()} ${message}`)
        const at = now.toISOString()
        await deps.record({
          pipeline: entry.pipeline,
          slot: slot.toISOString(),
          startedAt: at,
          finishedAt: at,
          outcome: 'skipped',
          message,
        })
        continue
      }
      this.start(entry.pipeline, slot, signal)
      started.push(entry.pipeline)
    }
    try {
      const reaped = await deps.reap()
      if (reaped > 0) deps.log(`reaped ${reaped} orphan worker${reaped === 1 ? '' : 's'}`)
    } catch (error) {
      deps.log(`reap failed: ${(error as Error).message}`)
    }
    return started
  }

  // Transform reads what extract landed: it runs once that UTC day's extract has succeeded and
  // none is running. A schedule without extract has nothing to wait for.
  private extractDoneOn(lastSlots: Record<string, string>, slot: Date): boolean {
    if (!this.deps.schedule.entries.some((entry) => entry.pipeline === 'extract')) return true
    if (this.running.has('extract')) return false
    const done = lastSlots[extractDoneKey]
    return done !== undefined && done.slice(0, 10) === slot.toISOString().slice(0, 10)
  }

  // One pipeline with its retries: exponential backoff, then an alert when the last attempt failed.
  private async attempt(
    pipeline: PipelineName,
    slot: Date,
    signal: AbortSignal,
  ): Promise<SupervisorRunOutcome> {
    const { deps } = this
    const attempts = 1 + (deps.retries ?? 0)
    for (let attempt = 1; ; attempt++) {
      const result = await deps
        .run(pipeline, signal)
        .catch((error: Error): SupervisorRunOutcome => ({ outcome: 'failed', message: error.message }))
      if (result.outcome === 'done') return result
      if (attempt >= attempts || signal.aborted) {
        const message = attempts > 1 ? `${result.message} (after ${attempt} attempts)` : result.message
        await deps
          .alert?.(`materia: ${pipeline} failed`, `${pipeline} slot ${slot.toISOString()} failed: ${message}`)
          .catch((error: Error) => deps.log(`alert failed: ${error.message}`))
        return { outcome: 'failed', message }
      }
      const delayMs = (deps.retryBackoffMs ?? 0) * 2 ** (attempt - 1)
      deps.log(
        `${pipeline} slot ${slot.toISOString()}: attempt ${attempt} failed (${result.message}); retrying in ${Math.round(delayMs / 1000)} s`,
      )
      await deps.clock.sleep(delayMs, signal).catch(() => {})
    }
  }

  private async runRecorded(pipeline: PipelineName, slot: Date, signal: AbortSignal) {
    const { deps } = this
    const startedAt = deps.clock.now().toISOString()
    deps.log(`${pipeline} slot ${slot.toISOString()}: starting`)
    const result = await this.attempt(pipeline, slot, signal)
    deps.log(`${pipeline} slot ${slot.toISOString()}: ${result.outcome} ${result.message}`)
    await deps.record({
      pipeline,
      slot: slot.toISOString(),
      startedAt,
      finishedAt: deps.clock.now().toISOString(),
      ...result,
    })
    return result
  }

  private start(pipeline: PipelineName, slot: Date, signal: AbortSignal) {
    const { deps } = this
    const job = this.runRecorded(pipeline, slot, signal)
      .then(async (result) => {
        if (result.outcome !== 'done') return
        if (pipeline === 'extract') {
          const slots = await deps.readLastSlots()
          await deps.writeLastSlots({ ...slots, [extractDoneKey]: slot.toISOString() })
        }
        if (pipeline === 'transform' && !signal.aborted) await this.runRecorded('publish', slot, signal)
      })
      .finally(() => this.running.delete(pipeline))
    this.running.set(pipeline, job)
  }

  // Resolves when the run of `pipeline` in flight (if any) has finished and been recorded.
  async settled(pipeline: PipelineName): Promise<void> {
    await this.running.get(pipeline)
  }

  async idle(): Promise<void> {
    await Promise.all(this.running.values())
  }

  // Ticks every interval until aborted, then waits for the runs in flight (they destroy workers).
  async loop(signal: AbortSignal): Promise<void> {
    const intervalMs = this.deps.schedule.intervalMinutes * 60_000
    while (!signal.aborted && !this.restartRequested) {
      await this.tick(signal)
      if (this.restartRequested) break
      await this.deps.clock.sleep(intervalMs, signal).catch(() => {})
    }
    await this.idle()
  }
}
