// A remote pipeline run as the CLI, the workbench and the supervisor start it: plan it (the exact
// commit, the server type and location read against the provider's price list, the cost shown
// before anything is created), then run it on a fresh worker, record it in the run history and
// report the outcome. Secrets come from the environment only. A run refuses, before creating
// anything, when the bucket's settings are missing (the worker would write to its own disk,
// destroyed with it) or when a git run would not run what the local tree holds.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { MateriaError } from '../errors.ts'
import { sshReadyWaitMs } from '../limits.ts'
import { dirtyFiles, localCommit, packWorkingTree, remoteCommit, repositoryRoot } from './code-source.ts'
import { loadRemoteConfig, type PipelineName, stepsOf } from './config.ts'
import { hetznerClientFromEnv } from './hetzner/client.ts'
import { createHetznerProvider } from './hetzner/provider.ts'
import { leaseRunVariable, withLease } from './lease.ts'
import { billedCostEur, billedHours, choosePlacements, type Placement } from './placement.ts'
import type { Provider } from './provider.ts'
import { allSecretValues, createRedactor, workerSecrets } from './redact.ts'
import { appendRunRecord, type RunRecord, runHistoryPath } from './run-history.ts'
import { openProdStore } from './stores.ts'
import { type RunStatus, runOnWorker } from './worker-run.ts'
import { gitAuthEnv, type LineSink, shellQuote } from './worker-steps.ts'

export interface RemoteRunRequest {
  readonly projectRoot: string
  readonly pipeline: PipelineName
  readonly environment: string
  readonly upload: boolean
  readonly commit?: string // a ref or sha of MATERIA_GIT_URL; default main
  readonly env: NodeJS.ProcessEnv
  readonly trigger: RunRecord['trigger']
  readonly provider?: Provider // default: Hetzner from HETZNER_TOKEN / HETZNER_API_URL
}

export interface RemotePlan {
  readonly runId: string
  readonly pipeline: PipelineName
  readonly steps: readonly string[]
  readonly commit: string // the full sha the worker checks out, or "<sha> + working tree" for --upload
  readonly serverType: string // the first placement's; the run moves on when it has no capacity
  readonly location: string | null
  readonly placements: readonly Placement[]
  readonly skipped: readonly string[] // configured types left out, with the reason
  readonly hourlyEur: number
  readonly expectedMinutes: number
  readonly costEur: number // each started hour billed
}

// What a run in prod needs from the environment, and what each is for. The CLI refuses with every
// missing one at once (checkRemoteSettings); the workbench lists them before anything is clicked.
export interface RemoteSetting {
  readonly name: string
  readonly need: 'the bucket' | 'the cloud API' | 'the code'
  readonly purpose: string
}

export const remoteRunSettings: readonly RemoteSetting[] = [
  { name: 'R2_ENDPOINT', need: 'the bucket', purpose: "the bucket's S3 endpoint (Cloudflare R2)" },
  {
    name: 'R2_BUCKET',
    need: 'the bucket',
    purpose:
      "the bucket holding the landing files and prod's database; without it the worker writes to its own disk, destroyed with it",
  },
  { name: 'R2_ACCESS_KEY', need: 'the bucket', purpose: "the bucket's access key id" },
  { name: 'R2_SECRET_KEY', need: 'the bucket', purpose: "the bucket's secret access key" },
  {
    name: 'HETZNER_TOKEN',
    need: 'the cloud API',
    purpose: 'a Hetzner Cloud API token (read & write): creates the worker server and destroys it afterwards',
  },
  {
    name: 'MATERIA_GIT_URL',
    need: 'the code',
    purpose: 'the git repository the worker checks out (not needed when the working tree is uploaded)',
  },
]

// The settings a run would miss: the cloud token only when no provider is given (tests bring a
// fake), the repository only when the worker checks out git rather than the uploaded tree.
export function missingRemoteSettings(
  env: NodeJS.ProcessEnv,
  options: { readonly upload: boolean; readonly provider: boolean },
): RemoteSetting[] {
  return remoteRunSettings.filter(
    (setting) =>
      !env[setting.name] &&
      !(setting.need === 'the cloud API' && options.provider) &&
      !(setting.need === 'the code' && options.upload),
  )
}

function refuseMissing(missing: readonly RemoteSetting[]): never {
  const needs = [...new Set(missing.map((setting) => setting.need))].map((need) => {
    const names = missing.filter((setting) => setting.need === need).map((setting) => setting.name)
    return `${need}, but ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not set`
  })
  throw new MateriaError(
    'config',
    `a remote run needs ${needs.join('; needs ')}; export them (esc run <env> -- materia ...); nothing was created`,
  )
}

export function checkBucketSettings(env: NodeJS.ProcessEnv): void {
  const missing = missingRemoteSettings(env, { upload: true, provider: true })
  if (missing.length > 0) refuseMissing(missing)
}

export function checkRemoteSettings(
  env: NodeJS.ProcessEnv,
  options: { upload: boolean; provider: boolean },
): void {
  const missing = missingRemoteSettings(env, options)
  if (missing.length > 0) refuseMissing(missing)
}

// Non-secret settings a worker's pipeline honours, passed through when set here.
const passthroughNames = [
  'MATERIA_PSD_BASE_URL',
  'MATERIA_PSD_DATASETS',
  'MATERIA_HTTP_TIMEOUT_MS',
  'MATERIA_HTTP_TOTAL_MS',
  'MATERIA_HTTP_BACKOFF_MS',
  'MATERIA_ICEBERG_CATALOG_URI',
  'MATERIA_ICEBERG_WAREHOUSE',
  // The site built by publish keeps its checkout only with both the client token (a secret above,
  // though Paddle calls it public) and the price ids.
  'PADDLE_PRICE_IDS',
]

/** What a worker's environment holds: the pass-through settings set here plus the worker secrets. */
export function workerEnvironment(env: NodeJS.ProcessEnv): Record<string, string> {
  const passthrough = Object.fromEntries(
    passthroughNames.filter((name) => env[name]).map((name) => [name, env[name]!]),
  )
  return { ...passthrough, ...workerSecrets(env) }
}

export function newRunId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').slice(0, 13).toLowerCase()
  return `${stamp}-${randomBytes(3).toString('hex')}`
}

export function formatPlan(plan: RemotePlan): string {
  const hours = billedHours(plan.expectedMinutes)
  const skipped = plan.skipped.length === 0 ? '' : `\n  skipped: ${plan.skipped.join('; ')}`
  return `run ${plan.runId}: ${plan.steps.join(' + ')} at ${plan.commit} on ${plan.serverType}${plan.location ? ` (${plan.location})` : ''}, ~${plan.expectedMinutes} min billed as ${hours} h x EUR ${plan.hourlyEur.toFixed(4)}/h = EUR ${plan.costEur.toFixed(4)}${skipped}`
}

export async function planRemoteRun(request: RemoteRunRequest): Promise<RemotePlan> {
  checkRemoteSettings(request.env, { upload: request.upload, provider: request.provider !== undefined })
  const config = await loadRemoteConfig(request.projectRoot)
  const spec = config.workers.pipelines[request.pipeline]
  const repoRoot = await repositoryRoot(request.projectRoot)
  let commit: string
  if (request.upload) {
    commit = `${(await localCommit(repoRoot)).slice(0, 12)} + working tree`
  } else {
    const dirty = await dirtyFiles(repoRoot)
    if (dirty.length > 0) {
      const shown = dirty.slice(0, 5).join(', ') + (dirty.length > 5 ? `, ... (${dirty.length} files)` : '')
      throw new MateriaError(
        'remote',
        `${repoRoot} has changes git would not send (${shown}); commit and push them, or pass --upload to run the working tree`,
      )
    }
    const url = gitUrl(request.env)
    const ref = request.commit ?? 'main'
    const resolved = await remoteCommit(url, ref, request.env.GIT_READ_TOKEN)
    if (resolved === null) {
      throw new MateriaError(
        'remote',
        `cannot resolve ${ref} at ${url} to a commit; check MATERIA_GIT_URL and GIT_READ_TOKEN, or pass --commit <sha>`,
      )
    }
    commit = resolved
  }
  const provider = request.provider ?? createHetznerProvider(hetznerClientFromEnv(request.env))
  const { placements, skipped } = choosePlacements(
    await provider.serverTypes(),
    spec,
    `materia.yaml workers.${request.pipeline}`,
  )
  const first = placements[0]!
  return {
    runId: newRunId(),
    pipeline: request.pipeline,
    steps: stepsOf(request.pipeline),
    commit,
    serverType: first.serverType,
    location: first.location,
    placements,
    skipped,
    hourlyEur: first.hourlyEur,
    expectedMinutes: spec.expectedMinutes,
    costEur: billedCostEur(first.hourlyEur, spec.expectedMinutes),
  }
}

function gitUrl(env: NodeJS.ProcessEnv): string {
  const url = env.MATERIA_GIT_URL
  if (!url)
    throw new MateriaError(
      'remote',
      'MATERIA_GIT_URL is not set; set it, or pass --upload to send the working tree',
    )
  return url
}

// The SSH port of workers: 22. MATERIA_WORKER_SSH_PORT exists for tests only, whose "worker" is
// an sshd on 127.0.0.1 at a random port.
function workerSshPort(env: NodeJS.ProcessEnv): number {
  const text = env.MATERIA_WORKER_SSH_PORT
  if (!text) return 22
  const port = Number(text)
  if (!Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new MateriaError('usage', `MATERIA_WORKER_SSH_PORT=${text} is not a port`)
  }
  return port
}

function existingKey(name: string | null, env: NodeJS.ProcessEnv) {
  if (name === null) return undefined
  const identityPath = env.MATERIA_SSH_IDENTITY
  if (!identityPath) {
    throw new MateriaError(
      'config',
      `workers.ssh_key_name is ${name}: set MATERIA_SSH_IDENTITY to its private key file`,
    )
  }
  return { name, identityPath }
}

function combineSignals(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal): signal is AbortSignal => signal !== undefined)
  if (present.length <= 1) return present[0]
  return AbortSignal.any(present)
}

export interface RemoteRunHooks {
  readonly onStatus: (status: RunStatus) => void
  readonly onLine: LineSink
  readonly signal?: AbortSignal
}

export async function executeRemoteRun(request: RemoteRunRequest, plan: RemotePlan, hooks: RemoteRunHooks) {
  checkBucketSettings(request.env)
  const config = await loadRemoteConfig(request.projectRoot)
  const spec = config.workers.pipelines[request.pipeline]
  const provider = request.provider ?? createHetznerProvider(hetznerClientFromEnv(request.env))
  const repoRoot = await repositoryRoot(request.projectRoot)
  const projectPath = relative(repoRoot, request.projectRoot) || '.'
  const prepareEnv = gitAuthEnv(request.env.GIT_READ_TOKEN)
  const redact = createRedactor([...allSecretValues(request.env), ...Object.values(prepareEnv)])
  const started = new Date()
  const scratch = await mkdtemp(join(tmpdir(), 'materia-upload-'))
  let outcome: RunRecord['outcome'] = 'failed'
  let message = ''
  let placement = plan.placements[0]!
  try {
    const code = request.upload
      ? { kind: 'upload' as const, archivePath: await packWorkingTree(repoRoot, scratch) }
      : { kind: 'git' as const, url: gitUrl(request.env), commit: plan.commit }
    const onWorker = (leaseSignal?: AbortSignal) =>
      runOnWorker({
        provider,
        runId: plan.runId,
        pipeline: request.pipeline,
        placements: plan.placements,
        image: spec.image,
        user: config.workers.user,
        sshPort: workerSshPort(request.env),
        existingKey: existingKey(config.workers.sshKeyName, request.env),
        code,
        prepare: config.workers.prepare,
        command: `node bin/materia.js pipeline run ${request.pipeline} --env ${request.environment} --project ${shellQuote(projectPath)}`,
        prepareEnv,
        env: { ...workerEnvironment(request.env), [leaseRunVariable]: plan.runId },
        redact,
        deadlineMs: config.workers.deadlineMinutes * 60_000,
        sshReadyWaitMs,
        sshPollMs: 3000,
        signal: combineSignals(hooks.signal, leaseSignal),
        onStatus: hooks.onStatus,
        onLine: hooks.onLine,
      })
    // A prod run holds the bucket's lease for its whole length: never two at once, whoever starts
    // them. The worker is told, so its own `pipeline run --env prod` does not take it again.
    const result =
      request.environment === 'prod'
        ? await withLease(
            openProdStore(request.env, request.projectRoot),
            { runId: plan.runId, pipeline: request.pipeline, log: (line) => hooks.onLine(line, 'status') },
            onWorker,
          )
        : await onWorker()
    placement = result.placement
    if (result.exitCode !== 0) {
      throw new MateriaError(
        'remote',
        `pipeline ${request.pipeline} failed on the worker with exit ${result.exitCode}; worker destroyed`,
      )
    }
    outcome = 'done'
    message = 'ok'
  } catch (error) {
    message = redact((error as Error).message)
    throw error
  } finally {
    await rm(scratch, { recursive: true, force: true })
    const finished = new Date()
    await appendRunRecord(runHistoryPath(request.projectRoot, request.env), {
      runId: plan.runId,
      pipeline: request.pipeline,
      environment: request.environment,
      remote: true,
      commit: plan.commit,
      startedAt: started.toISOString(),
      finishedAt: finished.toISOString(),
      durationMs: finished.getTime() - started.getTime(),
      outcome,
      message,
      serverType: placement.serverType,
      costEur: billedCostEur(placement.hourlyEur, (finished.getTime() - started.getTime()) / 60_000),
      trigger: request.trigger,
    })
  }
}
