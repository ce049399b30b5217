// A remote pipeline run as the CLI, the workbench and the supervisor start it: plan it (code,
// server type, cost shown before anything is created), then run it on a fresh worker, record it
// in the run history and report the outcome. Secrets come from the environment only.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { MateriaError } from '../errors.ts'
import { sshReadyWaitMs } from '../limits.ts'
import { localCommit, packWorkingTree, remoteCommit, repositoryRoot } from './code-source.ts'
import { loadRemoteConfig, type PipelineName, stepsOf } from './config.ts'
import { hetznerClientFromEnv } from './hetzner/client.ts'
import { createHetznerProvider } from './hetzner/provider.ts'
import type { Provider } from './provider.ts'
import { allSecretValues, createRedactor, workerSecrets } from './redact.ts'
import { appendRunRecord, type RunRecord, runHistoryPath } from './run-history.ts'
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
  readonly commit: string // what the worker will run, as far as it can be known here
  readonly serverType: string
  readonly location: string | null
  readonly hourlyEur: number
  readonly expectedMinutes: number
  readonly costEur: number
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
  return `run ${plan.runId}: ${plan.steps.join(' + ')} at ${plan.commit} on ${plan.serverType}${plan.location ? ` (${plan.location})` : ''}, ~${plan.expectedMinutes} min x EUR ${plan.hourlyEur.toFixed(4)}/h = EUR ${plan.costEur.toFixed(4)}`
}

export async function planRemoteRun(request: RemoteRunRequest): Promise<RemotePlan> {
  const config = await loadRemoteConfig(request.projectRoot)
  const spec = config.workers.pipelines[request.pipeline]
  const provider = request.provider ?? createHetznerProvider(hetznerClientFromEnv(request.env))
  const price = await provider.serverTypePrice(spec.serverType, spec.location)
  let commit: string
  if (request.upload) {
    commit = `${(await localCommit(await repositoryRoot(request.projectRoot))).slice(0, 12)} + working tree`
  } else {
    const url = gitUrl(request.env)
    const ref = request.commit ?? 'main'
    commit = (await remoteCommit(url, ref, request.env.GIT_READ_TOKEN)) ?? ref
  }
  return {
    runId: newRunId(),
    pipeline: request.pipeline,
    steps: stepsOf(request.pipeline),
    commit,
    serverType: spec.serverType,
    location: spec.location,
    hourlyEur: price.hourlyEur,
    expectedMinutes: spec.expectedMinutes,
    costEur: (price.hourlyEur * spec.expectedMinutes) / 60,
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

export interface RemoteRunHooks {
  readonly onStatus: (status: RunStatus) => void
  readonly onLine: LineSink
  readonly signal?: AbortSignal
}

export async function executeRemoteRun(request: RemoteRunRequest, plan: RemotePlan, hooks: RemoteRunHooks) {
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
  try {
    const code = request.upload
      ? { kind: 'upload' as const, archivePath: await packWorkingTree(repoRoot, scratch) }
      : { kind: 'git' as const, url: gitUrl(request.env), commit: request.commit ?? 'main' }
    const result = await runOnWorker({
      provider,
      runId: plan.runId,
      pipeline: request.pipeline,
      serverType: spec.serverType,
      image: spec.image,
      location: spec.location,
      user: config.workers.user,
      sshPort: workerSshPort(request.env),
      existingKey: existingKey(config.workers.sshKeyName, request.env),
      code,
      prepare: config.workers.prepare,
      command: `node bin/materia.js pipeline run ${request.pipeline} --env ${request.environment} --project ${shellQuote(projectPath)}`,
      prepareEnv,
      env: workerEnvironment(request.env),
      redact,
      deadlineMs: config.workers.deadlineMinutes * 60_000,
      sshReadyWaitMs,
      sshPollMs: 3000,
      signal: hooks.signal,
      onStatus: hooks.onStatus,
      onLine: hooks.onLine,
    })
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
      serverType: spec.serverType,
      costEur: (plan.hourlyEur * (finished.getTime() - started.getTime())) / 3_600_000,
      trigger: request.trigger,
    })
  }
}
