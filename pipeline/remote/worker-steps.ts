// The steps of a worker's life that the run (worker-run.ts) strings together: wait for SSH, build
// the prepare command, destroy everything a run created and verify it is gone.
import { MateriaError } from '../errors.ts'
import { actionWaitMs, workersListedMax } from '../limits.ts'
import type { Provider, WorkerServer } from './provider.ts'
import type { Redactor } from './redact.ts'
import { type LogStream, runRemote, type SshTarget } from './ssh.ts'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

// Polls `true` over SSH until it answers 0. A host key that does not match the pinned one fails at
// once: cloud-init installs our key before sshd first starts, so any other key is an impostor.
export async function waitForSsh(
  target: SshTarget,
  input: { timeoutMs: number; pollMs: number; redact: Redactor; signal: AbortSignal },
): Promise<void> {
  const deadlineMs = Date.now() + input.timeoutMs
  let lastError = ''
  for (let attempt = 1; ; attempt++) {
    input.signal.throwIfAborted()
    const lines: string[] = []
    const code = await runRemote(target, 'true', {
      onLine: (line) => lines.push(line),
      redact: input.redact,
      timeoutMs: 20_000,
      signal: input.signal,
    }).catch((error: Error) => {
      lines.push(error.message)
      return 255
    })
    if (code === 0) return
    lastError = lines.join(' ').trim()
    if (/Host key verification failed|HOST IDENTIFICATION HAS CHANGED/.test(lastError)) {
      throw new MateriaError(
        'remote',
        `worker ${target.host}:${target.port} presented an unknown host key; refused`,
      )
    }
    if (Date.now() + input.pollMs > deadlineMs) {
      throw new MateriaError(
        'remote',
        `SSH to ${target.host}:${target.port} not ready after ${attempt} attempts (${input.timeoutMs} ms): ${lastError || 'no answer'}`,
      )
    }
    await sleep(input.pollMs)
  }
}

export type CodeSource =
  | { readonly kind: 'git'; readonly url: string; readonly commit: string }
  | { readonly kind: 'upload'; readonly archivePath: string }

// Statements are separated by `;` under `set -e` (a failure inside an `&&` list would not stop it).
// The worker waits for cloud-init (where it exists: a test worker has none), fetches the code into
// a fresh folder and runs the prepare command (npm ci by default) there.
export function prepareScript(input: { dir: string; code: CodeSource; prepare: string }): string {
  const dir = shellQuote(input.dir)
  const waitCloudInit =
    'if command -v cloud-init >/dev/null 2>&1; then cloud-init status --wait >/dev/null; fi'
  const fetchCode =
    input.code.kind === 'git'
      ? `git clone --quiet ${shellQuote(input.code.url)} ${dir}; cd ${dir}; git -c advice.detachedHead=false checkout --quiet ${shellQuote(input.code.commit)}`
      : `mkdir -p ${dir}; cd ${dir}; tar -xzf ${shellQuote(`${input.dir}.tar.gz`)}; rm -f ${shellQuote(`${input.dir}.tar.gz`)}`
  return `set -e; ${waitCloudInit}; ${fetchCode}; echo "materia: code at $(git rev-parse HEAD 2>/dev/null || echo upload)"; ${input.prepare}`
}

// Git reads HTTP credentials from GIT_CONFIG_* variables (git >= 2.31), so the read token reaches
// git through the environment sent over stdin, never a command line or a file on the worker.
export function gitAuthEnv(token: string | undefined): Record<string, string> {
  if (token === undefined || token === '') return {}
  const basic = Buffer.from(`x-access-token:${token}`).toString('base64')
  return {
    GIT_CONFIG_COUNT: '1',
    GIT_CONFIG_KEY_0: 'http.extraHeader',
    GIT_CONFIG_VALUE_0: `Authorization: Basic ${basic}`,
  }
}

// Deletes every server labelled with the run, waits for the deletions and checks each is gone.
export async function destroyRun(
  provider: Provider,
  runId: string,
  log: (line: string) => void,
): Promise<number> {
  const servers = await provider.listByLabel(`app=materia,run=${runId}`)
  for (const server of servers) await destroyServer(provider, server, log)
  return servers.length
}

export async function destroyServer(provider: Provider, server: WorkerServer, log: (line: string) => void) {
  log(`destroying server ${server.id} (${server.name})`)
  const action = await provider.delete(server.id)
  if (action !== null) await provider.waitForAction(action, actionWaitMs)
  if ((await provider.get(server.id)) !== null) {
    throw new MateriaError(
      'remote',
      `server ${server.id} still exists after delete; run materia worker destroy ${server.id}`,
    )
  }
  log(`server ${server.id} is gone`)
}

export async function reapWorkers(
  provider: Provider,
  input: { olderThanMs: number; nowMs: number; log: (line: string) => void },
): Promise<WorkerServer[]> {
  const servers = await provider.listByLabel('app=materia')
  if (servers.length > workersListedMax) {
    throw new MateriaError(
      'limit',
      `more than workersListedMax=${workersListedMax} app=materia servers; check by hand`,
    )
  }
  const stale = servers.filter((server) => input.nowMs - server.createdMs > input.olderThanMs)
  for (const server of stale) await destroyServer(provider, server, input.log)
  return stale
}

export type LineSink = (line: string, stream: LogStream | 'status') => void
