// Applies started from the workbench run in the background; their events are kept so the page's
// SSE stream can replay what happened before it connected, then follow live. One apply at a time
// per workbench (the engine's Database also serializes them); Cancel aborts after the running
// statement, leaving the environment as it was.
import type { ApplyEvent } from '../pipeline/engine/index.ts'

export type JobEvent =
  | { readonly kind: 'event'; readonly event: ApplyEvent; readonly atMs: number }
  | { readonly kind: 'done'; readonly summary: string }
  | { readonly kind: 'failed'; readonly message: string }

export interface ApplyJob {
  readonly id: string
  readonly environment: string
  readonly startedMs: number
  readonly events: JobEvent[]
  readonly controller: AbortController
  finished: boolean
  listeners: Set<(event: JobEvent) => void>
}

// Events kept per job: a 1,000-model plan with batches sends a few thousand.
const jobEventsMax = 20_000

export class ApplyJobs {
  readonly #jobs = new Map<string, ApplyJob>()
  readonly #working = new Set<Promise<unknown>>()
  #next = 1
  #finished = 0

  /** How many applies have ended (done or failed): a plan begun before the last end is out of date. */
  get finishedCount(): number {
    return this.#finished
  }

  running(): ApplyJob | null {
    return [...this.#jobs.values()].find((job) => !job.finished) ?? null
  }

  get(id: string): ApplyJob | undefined {
    return this.#jobs.get(id)
  }

  start(
    environment: string,
    work: (job: ApplyJob, emit: (event: JobEvent) => void) => Promise<string>,
  ): ApplyJob {
    const job: ApplyJob = {
      id: String(this.#next++),
      environment,
      startedMs: Date.now(),
      events: [],
      controller: new AbortController(),
      finished: false,
      listeners: new Set(),
    }
    const emit = (event: JobEvent) => {
      if (job.events.length < jobEventsMax) job.events.push(event)
      for (const listener of job.listeners) listener(event)
    }
    this.#jobs.set(job.id, job)
    const working = work(job, emit).then(
      (summary) => {
        job.finished = true
        this.#finished += 1
        emit({ kind: 'done', summary })
      },
      (error: unknown) => {
        job.finished = true
        this.#finished += 1
        emit({ kind: 'failed', message: error instanceof Error ? error.message : String(error) })
      },
    )
    this.#working.add(working)
    working.then(() => this.#working.delete(working))
    return job
  }

  // Cancels the running apply and waits until no job touches the database any more (before it closes).
  async settle(): Promise<void> {
    for (const job of this.#jobs.values()) if (!job.finished) job.controller.abort()
    await Promise.allSettled([...this.#working])
  }
}
