// One remote run: create a worker, wait for its action and for SSH, prepare the code, run the
// pipeline with its output streamed live, and destroy the worker in a `finally` that also runs on
// abort (SIGINT/SIGTERM are turned into an abort by the caller) and on the hard deadline. The
// worker is found again by its run label, so even a create that timed out after the server was
// made leaves nothing behind. Every worker and its SSH key carry a `deadline` label (Unix
// seconds): if this process dies, `materia worker reap` and the supervisor destroy them once it
// has passed, so a lost laptop never leaves a server billing.
import { MateriaError } from '../errors.ts'
import { actionWaitMs, prepareTimeoutMs } from '../limits.ts'
import { cloudInitUserData } from './cloud-init.ts'
import { generateRunKeys, removeRunKeys, writeKnownHosts } from './keys.ts'
import type { Placement } from './placement.ts'
import { type CreatedWorker, PlacementUnavailableError, type Provider } from './provider.ts'
import type { Redactor } from './redact.ts'
import { runRemote, type SshTarget, uploadFile } from './ssh.ts'
import { type CodeSource, destroyRun, type LineSink, prepareScript, waitForSsh } from './worker-steps.ts'

export type RunStatus = 'creating' | 'provisioning' | 'running' | 'destroying' | 'done' | 'failed'

export interface WorkerRunInput {
  readonly provider: Provider
  readonly runId: string
  readonly pipeline: string
  readonly placements: readonly Placement[] // tried in order until one has capacity
  readonly image: string
  readonly user: string
  readonly sshPort: number // 22; tests point it at their own sshd (MATERIA_WORKER_SSH_PORT)
  // A key already registered with the provider, and its private key here; default: a per-run key.
  readonly existingKey?: { readonly name: string; readonly identityPath: string }
  readonly code: CodeSource
  readonly prepare: string
  readonly command: string // run in the prepared tree, e.g. node bin/materia.js pipeline run all
  readonly prepareEnv: Readonly<Record<string, string>> // git credentials, sent over stdin
  readonly env: Readonly<Record<string, string>> // secrets for the pipeline, sent over stdin
  readonly redact: Redactor
  readonly deadlineMs: number
  readonly sshReadyWaitMs: number
  readonly sshPollMs: number
  readonly signal?: AbortSignal
  readonly onStatus: (status: RunStatus) => void
  readonly onLine: LineSink // redacted lines only
}

export interface WorkerRunResult {
  readonly exitCode: number
  readonly serverId: string | null
  readonly placement: Placement
}

// The label a worker's deadline travels in: Unix seconds, a valid label value (digits only).
export function deadlineLabel(deadlineMs: number): string {
  return String(Math.ceil(deadlineMs / 1000))
}

// Creates the server in the first placement with capacity; `resource_unavailable` moves on.
async function createInFirstPlacement(
  input: WorkerRunInput,
  request: (placement: Placement) => Parameters<Provider['create']>[0],
): Promise<CreatedWorker & { placement: Placement }> {
  const refused: string[] = []
  for (const placement of input.placements) {
    try {
      const created = await input.provider.create(request(placement))
      return { ...created, placement }
    } catch (error) {
      if (!(error instanceof PlacementUnavailableError)) throw error
      refused.push(`${placement.serverType}@${placement.location}`)
      input.onLine(`${error.message}; trying the next placement`, 'status')
    }
  }
  throw new MateriaError(
    'remote',
    `no capacity in any configured placement (${refused.join(', ')}); try later or add types or locations in materia.yaml workers:`,
  )
}

export async function runOnWorker(input: WorkerRunInput): Promise<WorkerRunResult> {
  const controller = new AbortController()
  const deadline = setTimeout(
    () => controller.abort(new MateriaError('remote', `hard deadline of ${input.deadlineMs} ms reached`)),
    input.deadlineMs,
  )
  const onAbort = () => controller.abort(new MateriaError('remote', 'interrupted'))
  input.signal?.addEventListener('abort', onAbort, { once: true })
  if (input.signal?.aborted) onAbort()
  const status = (next: RunStatus) => {
    input.onStatus(next)
    input.onLine(`status: ${next}`, 'status')
  }
  const startedMs = Date.now()
  const keys = await generateRunKeys(input.runId)
  let placement: Placement = input.placements[0]!
  let sshKeyId: string | null = null
  let serverId: string | null = null
  let failed = true
  try {
    status('creating')
    const labels = {
      app: 'materia',
      run: input.runId,
      pipeline: input.pipeline,
      deadline: deadlineLabel(startedMs + input.deadlineMs),
    }
    const sshKeyName = input.existingKey?.name ?? `materia-${input.runId}`
    const registry = input.provider.sshKeys
    if (input.existingKey === undefined && registry !== null) {
      sshKeyId = await registry.register(sshKeyName, keys.client.publicKey, labels)
    }
    const userData = cloudInitUserData({
      hostPrivateKey: keys.host.privateKey,
      hostPublicKey: keys.host.publicKey,
      authorizedKeys: input.existingKey === undefined && registry === null ? [keys.client.publicKey] : [],
    })
    const created = await createInFirstPlacement(input, (placement) => ({
      name: `materia-${input.pipeline}-${input.runId}`.slice(0, 63),
      serverType: placement.serverType,
      image: input.image,
      location: placement.location,
      sshKeyName,
      userData,
      labels,
    }))
    serverId = created.server.id
    placement = created.placement
    input.onLine(
      `${input.provider.name} server ${serverId} created (${placement.serverType} in ${placement.location})`,
      'status',
    )
    const running = await input.provider.waitRunning(created, actionWaitMs)
    checkAborted(controller.signal)
    status('provisioning')
    const host = running.ipv4
    if (host === null) throw new MateriaError('remote', `server ${serverId} has no IPv4 address`)
    await writeKnownHosts(keys, host, input.sshPort)
    const target: SshTarget = {
      host,
      port: input.sshPort,
      user: input.user,
      identityPath: input.existingKey?.identityPath ?? keys.client.privatePath,
      knownHostsPath: keys.knownHostsPath,
    }
    await waitForSsh(target, {
      timeoutMs: input.sshReadyWaitMs,
      pollMs: input.sshPollMs,
      redact: input.redact,
      signal: controller.signal,
    }).catch(rethrowAbort(controller.signal))
    const exitCode = await prepareAndRun(input, target, controller.signal, status)
    failed = exitCode !== 0
    return { exitCode, serverId, placement }
  } finally {
    clearTimeout(deadline)
    input.signal?.removeEventListener('abort', onAbort)
    status('destroying')
    try {
      const destroyed = await destroyRun(input.provider, input.runId, (line) => input.onLine(line, 'status'))
      if (destroyed === 0 && serverId !== null) input.onLine(`server ${serverId} was already gone`, 'status')
      if (sshKeyId !== null) await input.provider.sshKeys?.delete(sshKeyId)
    } finally {
      await removeRunKeys(keys)
      status(failed ? 'failed' : 'done')
    }
  }
}

async function prepareAndRun(
  input: WorkerRunInput,
  target: SshTarget,
  signal: AbortSignal,
  status: (next: RunStatus) => void,
): Promise<number> {
  const dir = `/tmp/materia-run-${input.runId}`
  const options = { onLine: input.onLine, redact: input.redact, signal }
  if (input.code.kind === 'upload') {
    input.onLine(`uploading the working tree to ${dir}.tar.gz`, 'status')
    const uploaded = await uploadFile(target, input.code.archivePath, `${dir}.tar.gz`, {
      ...options,
      timeoutMs: prepareTimeoutMs,
    }).catch(rethrowAbort(signal))
    if (uploaded !== 0)
      throw new MateriaError('remote', `upload to the worker failed (sftp exit ${uploaded})`)
  }
  const prepared = await runRemote(target, prepareScript({ dir, code: input.code, prepare: input.prepare }), {
    ...options,
    env: input.prepareEnv,
    timeoutMs: prepareTimeoutMs,
  }).catch(rethrowAbort(signal))
  if (prepared !== 0) {
    throw new MateriaError('remote', `preparing the worker failed (exit ${prepared}); see the log above`)
  }
  status('running')
  const exitCode = await runRemote(target, `cd '${dir}' && ${input.command}`, {
    ...options,
    env: input.env,
    timeoutMs: input.deadlineMs,
  }).catch(rethrowAbort(signal))
  input.onLine(`pipeline ${input.pipeline} exited with ${exitCode}`, 'status')
  return exitCode
}

function checkAborted(signal: AbortSignal) {
  if (signal.aborted) throw signal.reason
}

// When the run was aborted (deadline or interrupt), report that rather than the SSH error it caused.
function rethrowAbort(signal: AbortSignal) {
  return (error: unknown): never => {
    if (signal.aborted) throw signal.reason
    throw error
  }
}
