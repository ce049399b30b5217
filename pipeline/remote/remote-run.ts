// A remote pipeline run as the CLI, the workbench and the supervisor start it: plan it (the exact
// commit, the server type and location read against the provider's price list, the cost shown
// before anything is created), then run it on a fresh worker, record it in the run history and
// report the outcome. Secrets come from the environment only. A run refuses, before creating
// anything, when a setting is missing (all of them named at once: the bucket's, without which the
// worker would write to its own disk, destroyed with it; the chosen provider's credentials; the git
// remote), when a git run would not run what the local tree holds, and when it targets an
// environment other than prod: a worker's dev environment would live and die on its disk.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { MateriaError } from '../errors.ts'
import { sshReadyWaitMs } from '../limits.ts'
import { rankOffers } from './cheapest.ts'
import { dirtyFiles, localCommit, packWorkingTree, remoteCommit, repositoryRoot } from './code-source.ts'
import { loadRemoteConfig, type PipelineName, stepsOf, type WorkerSpec } from './config.ts'
import { leaseRunVariable, withLease } from './lease.ts'
import { billedCostEur, billedHours, choosePlacements, type Placement } from './placement.ts'
import type { Provider, ProviderName } from './provider.ts'
import { type ProviderChoice, providerFromEnv, providerSecretNames, providersOf } from './providers.ts'
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
  readonly providerChoice?: ProviderChoice // default hetzner
  // Providers already made (the bench's, with short polls); the others come from the environment.
  readonly providers?: Partial<Record<ProviderName, Provider>>
}

export interface RemotePlan {
  readonly runId: string
  readonly pipeline: PipelineName
  readonly steps: readonly string[]
  readonly commit: string // the full sha the worker checks out, or "<sha> + working tree" for --upload
  readonly provider: ProviderName
  readonly serverType: string // the first placement's; the run moves on when it has no capacity
  readonly location: string | null
  readonly placements: readonly Placement[]
  readonly skipped: readonly string[] // configured types left out, with the reason
  readonly hourlyEur: number
  readonly expectedMinutes: number
  readonly costEur: number // each started hour billed
}

// What a run in prod needs from the environment, and what each is for. A run refuses with every
// missing one at once (checkRunSettings); the workbench lists them before anything is clicked.
export interface RemoteSetting {
  readonly name: string
  readonly need: string
  readonly purpose: string
}

const bucketSettings: readonly RemoteSetting[] = [
  { name: 'R2_ENDPOINT', need: 'the bucket', purpose: "the bucket's S3 endpoint (Cloudflare R2)" },
  {
    name: 'R2_BUCKET',
    need: 'the bucket',
    purpose:
      "the bucket holding the landing files and prod's database; without it the worker writes to its own disk, destroyed with it",
  },
  { name: 'R2_ACCESS_KEY', need: 'the bucket', purpose: "the bucket's access key id" },
  { name: 'R2_SECRET_KEY', need: 'the bucket', purpose: "the bucket's secret access key" },
]

const providerPurposes: Readonly<Record<string, string>> = {
  HETZNER_TOKEN:
    'a Hetzner Cloud API token (read & write): creates the worker server and destroys it afterwards',
  SCW_SECRET_KEY: 'a Scaleway API secret key: creates the worker instance and deletes it with its volumes',
  SCW_DEFAULT_PROJECT_ID: 'the Scaleway project the worker instance is created in',
}

const gitSetting: RemoteSetting = {
  name: 'MATERIA_GIT_URL',
  need: 'the git remote (or --upload)',
  purpose: 'the git repository the worker checks out (not needed when the working tree is uploaded)',
}

// A setting an uploaded working tree cannot stand in for: without it no run can start.
export function blocksEveryRun(setting: RemoteSetting): boolean {
  return setting !== gitSetting
}

// Every setting a run with this provider choice needs, in the order they are reported.
export function remoteRunSettings(providerChoice: ProviderChoice): RemoteSetting[] {
  const need = `${providersOf(providerChoice).join(' and ')} credentials`
  const credentials = providersOf(providerChoice).flatMap((provider) =>
    providerSecretNames[provider].map((name) => ({ name, need, purpose: providerPurposes[name] ?? need })),
  )
  return [...bucketSettings, ...credentials, gitSetting]
}

export function missingRemoteSettings(
  env: NodeJS.ProcessEnv,
  input: { readonly providerChoice: ProviderChoice; readonly upload: boolean },
): RemoteSetting[] {
  return remoteRunSettings(input.providerChoice).filter(
    (setting) => !env[setting.name] && !(setting === gitSetting && input.upload),
  )
}

// Every setting the run needs and lacks, named in one message before anything is created.
export function checkRunSettings(
  env: NodeJS.ProcessEnv,
  input: { readonly providerChoice: ProviderChoice; readonly upload: boolean },
): void {
  const missing = missingRemoteSettings(env, input)
  if (missing.length === 0) return
  const needs = [...new Set(missing.map((setting) => setting.need))]
  const names = missing.map((setting) => setting.name)
  throw new MateriaError(
    'config',
    `a remote run needs ${needs.join(' and ')}, but ${names.join(', ')} ${names.length === 1 ? 'is' : 'are'} not set; export them (esc run <env> -- materia ...); nothing was created`,
  )
}

// A remote run writes only through the bucket, and the bucket holds prod's state alone: a dev
// environment built on a worker would stay on its disk and be destroyed with it.
export function checkRemoteEnvironment(environment: string): void {
  if (environment === 'prod') return
  throw new MateriaError(
    'usage',
    `--remote --env ${environment}: a worker keeps a dev environment on its own disk, destroyed with it; run it here (materia pipeline run --env ${environment}) or run prod remotely (--env prod)`,
  )
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
  return `run ${plan.runId}: ${plan.steps.join(' + ')} at ${plan.commit} on ${plan.provider} ${plan.serverType}${plan.location ? ` (${plan.location})` : ''}, ~${plan.expectedMinutes} min billed as ${hours} h x EUR ${plan.hourlyEur.toFixed(4)}/h = EUR ${plan.costEur.toFixed(4)}${skipped}`
}

function providerOf(request: RemoteRunRequest, name: ProviderName): Provider {
  return request.providers?.[name] ?? providerFromEnv(name, request.env)
}

// Where the worker goes. Hetzner alone: the configured types and locations, in order. Scaleway,
// or the cheapest of both: every type that fits the pipeline's cores and memory, cheapest first;
// the run stays with the provider of the cheapest and moves down its list when one has no capacity.
async function choosePlace(
  request: RemoteRunRequest,
  spec: WorkerSpec,
): Promise<{ provider: ProviderName; placements: readonly Placement[]; skipped: readonly string[] }> {
  const choice = request.providerChoice ?? 'hetzner'
  const where = `materia.yaml workers.${request.pipeline}`
  if (choice === 'hetzner') {
    const offers = await providerOf(request, 'hetzner').serverTypes()
    return { provider: 'hetzner', ...choosePlacements(offers, spec, where) }
  }
  const names = providersOf(choice)
  const lists = await Promise.all(
    names.map(async (name) => ({ provider: name, offers: await providerOf(request, name).serverTypes() })),
  )
  const ranked = rankOffers(lists, { cores: spec.cores, memoryGb: spec.memoryGb })
  const first = ranked[0]
  if (first === undefined) {
    throw new MateriaError(
      'config',
      `${where}: no server type on ${names.join(', ')} has ${spec.cores} cores and ${spec.memoryGb} GB memory and can be ordered now; lower cores or memory_gb there`,
    )
  }
  const placements = ranked.filter((entry) => entry.provider === first.provider)
  return { provider: first.provider, placements, skipped: [] }
}

export async function planRemoteRun(request: RemoteRunRequest): Promise<RemotePlan> {
  checkRemoteEnvironment(request.environment)
  checkRunSettings(request.env, {
    providerChoice: request.providerChoice ?? 'hetzner',
    upload: request.upload,
  })
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
  const { provider, placements, skipped } = await choosePlace(request, spec)
  const first = placements[0]!
  return {
    runId: newRunId(),
    pipeline: request.pipeline,
    steps: stepsOf(request.pipeline),
    commit,
    provider,
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
  checkRemoteEnvironment(request.environment)
  checkRunSettings(request.env, { providerChoice: plan.provider, upload: request.upload })
  const config = await loadRemoteConfig(request.projectRoot)
  const spec = config.workers.pipelines[request.pipeline]
  const provider = providerOf(request, plan.provider)
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
        image: plan.provider === 'scaleway' ? spec.scalewayImage : spec.image,
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
      provider: plan.provider,
      serverType: placement.serverType,
      costEur: billedCostEur(placement.hourlyEur, (finished.getTime() - started.getTime()) / 60_000),
      trigger: request.trigger,
    })
  }
}
