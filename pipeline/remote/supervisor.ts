// The supervisor's loop: every interval it fast-forwards its clone, starts the scheduled pipelines
// whose slot has come (each at most once, the latest missed slot only after downtime), never two
// runs of one pipeline at once, reaps orphan workers, and appends each run to a JSON-lines log.
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
}

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
  async tick(signal: AbortSignal): Promise<PipelineName[]> {
    const { deps } = this
    try {
      const moved = await deps.update()
      if (moved !== null) deps.log(moved)
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

  private start(pipeline: PipelineName, slot: Date, signal: AbortSignal) {
    const { deps } = this
    const startedAt = deps.clock.now().toISOString()
    deps.log(`${pipeline} slot ${slot.toISOString()}: starting`)
    const job = deps
      .run(pipeline, signal)
      .catch((error: Error): SupervisorRunOutcome => ({ outcome: 'failed', message: error.message }))
      .then(async (result) => {
        deps.log(`${pipeline} slot ${slot.toISOString()}: ${result.outcome} ${result.message}`)
        await deps.record({
          pipeline,
          slot: slot.toISOString(),
          startedAt,
          finishedAt: deps.clock.now().toISOString(),
          ...result,
        })
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
    while (!signal.aborted) {
      await this.tick(signal)
      await this.deps.clock.sleep(intervalMs, signal).catch(() => {})
    }
    await this.idle()
  }
}
