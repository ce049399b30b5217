// Runs in prod started from the workbench: each is a remote run (pipeline/remote/remote-run.ts) on
// an ephemeral worker, running in the background of the server process so the analyst keeps
// editing. The manager keeps each run's status and a bounded tail of its (already redacted) log,
// and fans both out to the SSE streams of any open page.
import { MateriaError } from '../pipeline/errors.ts'
import { runLogLinesMax } from '../pipeline/limits.ts'
import { type PipelineName, pipelineNames } from '../pipeline/remote/config.ts'
import { parseProviderChoice } from '../pipeline/remote/providers.ts'
import {
  executeRemoteRun,
  missingRemoteSettings,
  planRemoteRun,
  type RemotePlan,
  type RemoteRunRequest,
  type RemoteSetting,
} from '../pipeline/remote/remote-run.ts'
import { type RunRecord, readRunRecords, runHistoryPath } from '../pipeline/remote/run-history.ts'
import type { RunStatus } from '../pipeline/remote/worker-run.ts'

export type ProdRunEvent =
  | { readonly kind: 'status'; readonly status: RunStatus }
  | { readonly kind: 'line'; readonly line: string }
  | { readonly kind: 'end'; readonly status: 'done' | 'failed'; readonly message: string }

export interface ProdRun {
  readonly plan: RemotePlan
  readonly upload: boolean
  status: RunStatus | 'planned'
  readonly lines: string[]
  message: string
  startedMs: number | null
}

// A plan not started within this time is forgotten: its cost estimate and commit may be stale.
const planTtlMs = 10 * 60_000

export class ProdRuns {
  private readonly runs = new Map<string, ProdRun>()
  private readonly listeners = new Map<string, Set<(event: ProdRunEvent) => void>>()
  private readonly planned = new Map<string, number>()
  private readonly controller = new AbortController()

  constructor(
    private readonly projectRoot: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {}

  private request(pipeline: PipelineName, upload: boolean): RemoteRunRequest {
    return {
      projectRoot: this.projectRoot,
      pipeline,
      environment: 'prod',
      upload,
      env: this.env,
      trigger: 'workbench',
      // The workbench has no provider picker: MATERIA_PROVIDER chooses, as for the CLI.
      providerChoice: parseProviderChoice(this.env.MATERIA_PROVIDER || undefined),
    }
  }

  async plan(pipelineText: string, upload: boolean): Promise<ProdRun> {
    if (!(pipelineNames as readonly string[]).includes(pipelineText)) {
      throw new MateriaError('usage', `unknown pipeline "${pipelineText}"; use ${pipelineNames.join(' | ')}`)
    }
    const plan = await planRemoteRun(this.request(pipelineText as PipelineName, upload))
    const run: ProdRun = { plan, upload, status: 'planned', lines: [], message: '', startedMs: null }
    this.runs.set(plan.runId, run)
    this.planned.set(plan.runId, Date.now())
    return run
  }

  // The settings a git run from the workbench would miss, from the remote module's own list.
  missingSettings(): RemoteSetting[] {
    return missingRemoteSettings(this.env, {
      upload: false,
      providerChoice: parseProviderChoice(this.env.MATERIA_PROVIDER || undefined),
    })
  }

  get(runId: string): ProdRun | undefined {
    return this.runs.get(runId)
  }

  active(): ProdRun[] {
    return [...this.runs.values()].filter(
      (run) => run.status !== 'planned' && run.status !== 'done' && run.status !== 'failed',
    )
  }

  start(runId: string): ProdRun {
    const run = this.runs.get(runId)
    const plannedMs = this.planned.get(runId)
    if (run === undefined || plannedMs === undefined || run.status !== 'planned') {
      throw new MateriaError('usage', `run ${runId} is not awaiting confirmation; review the run again`)
    }
    if (Date.now() - plannedMs > planTtlMs) {
      throw new MateriaError(
        'usage',
        `the estimate for run ${runId} is older than 10 minutes; review the run again`,
      )
    }
    if (this.active().some((other) => other.plan.pipeline === run.plan.pipeline)) {
      throw new MateriaError(
        'usage',
        `a ${run.plan.pipeline} run is already running in prod; wait for it to finish`,
      )
    }
    this.planned.delete(runId)
    run.status = 'creating'
    run.startedMs = Date.now()
    const push = (line: string) => {
      run.lines.push(line)
      if (run.lines.length > runLogLinesMax) run.lines.splice(0, run.lines.length - runLogLinesMax)
      this.emit(runId, { kind: 'line', line })
    }
    executeRemoteRun(this.request(run.plan.pipeline, run.upload), run.plan, {
      signal: this.controller.signal,
      onStatus: (status) => {
        run.status = status
        this.emit(runId, { kind: 'status', status })
      },
      onLine: (line, stream) => push(stream === 'status' ? `[worker] ${line}` : line),
    })
      .then(() => {
        run.status = 'done'
        run.message = 'done'
      })
      .catch((error: Error) => {
        run.status = 'failed'
        run.message = error.message
        push(`failed: ${error.message}`)
      })
      .finally(() => {
        const status = run.status === 'done' ? 'done' : 'failed'
        this.emit(runId, { kind: 'end', status, message: run.message })
      })
    return run
  }

  subscribe(runId: string, listener: (event: ProdRunEvent) => void): () => void {
    let set = this.listeners.get(runId)
    if (set === undefined) {
      set = new Set()
      this.listeners.set(runId, set)
    }
    set.add(listener)
    return () => set.delete(listener)
  }

  private emit(runId: string, event: ProdRunEvent) {
    for (const listener of this.listeners.get(runId) ?? []) listener(event)
  }

  async history(): Promise<RunRecord[]> {
    const records = await readRunRecords(runHistoryPath(this.projectRoot, this.env))
    return records
      .filter((record) => record.environment === 'prod')
      .reverse()
      .slice(0, 50)
  }

  // Server shutdown: interrupts the runs, which destroy their workers, and waits for them.
  async close(): Promise<void> {
    this.controller.abort()
    await this.settle()
  }

  // Waits for every started run to end.
  async settle(): Promise<void> {
    await Promise.all(
      this.active().map(
        (run) =>
          new Promise<void>((resolve) => {
            const unsubscribe = this.subscribe(run.plan.runId, (event) => {
              if (event.kind === 'end') {
                unsubscribe()
                resolve()
              }
            })
          }),
      ),
    )
  }
}
