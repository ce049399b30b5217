// The steps of a worker's life that the run (worker-run.ts) strings together: wait for SSH, build
// the prepare command, destroy everything a run created and verify it is gone.
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { actionWaitMs, sshAttemptTimeoutMs, workersListedMax } from '../limits.ts'
import type { Provider, WorkerServer } from './provider.ts'
import type { Redactor } from './redact.ts'
import { type LogStream, runRemote, type SshTarget } from './ssh.ts'

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`
}

// Polls `true` over SSH until it answers 0. A host key that does not match the pinned one fails at
// once: cloud-init installs our key before sshd first starts, so any other key is an impostor.
// No attempt outlives the deadline: each gets at most the time left, so a worker whose sshd accepts
// and then stays silent is given up at `timeoutMs`, not one whole attempt later.
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
      timeoutMs: Math.max(1, Math.min(sshAttemptTimeoutMs, deadlineMs - Date.now())),
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

// cloud-init's own exit codes (cloud-init >= 23.4): 0 done, 1 a critical failure, 2 done with
// recoverable errors (warnings; Ubuntu 24.04 and Debian 13 images report some on every boot). So 2
// goes on, with the warnings shown, and 1 stops the run with cloud-init's report. A worker without
// cloud-init (the test workers) skips the wait.
const waitCloudInit = [
  'if command -v cloud-init >/dev/null 2>&1; then',
  'ci_status=0; ci_report=$(cloud-init status --wait --long 2>&1) || ci_status=$?;',
  'if [ "$ci_status" -eq 2 ]; then echo "materia: cloud-init done with recoverable warnings:"; echo "$ci_report";',
  'elif [ "$ci_status" -ne 0 ]; then echo "materia: cloud-init failed (exit $ci_status):" >&2; echo "$ci_report" >&2; exit 1; fi;',
  'fi',
].join(' ')

// Statements are separated by `;` under `set -e` (a failure inside an `&&` list would not stop it).
// The worker waits for cloud-init, fetches the code into a fresh folder and runs the prepare
// command (npm ci by default) there. A git checkout is of the exact commit the plan showed and
// the run history records, checked after the checkout, never of a branch that may have moved.
export function prepareScript(input: { dir: string; code: CodeSource; prepare: string }): string {
  const dir = shellQuote(input.dir)
  if (input.code.kind === 'git') {
    assert(
      /^[0-9a-f]{40}$/.test(input.code.commit),
      `git code source needs a full commit sha: ${input.code.commit}`,
    )
  }
  const fetchCode =
    input.code.kind === 'git'
      ? `git clone --quiet --no-checkout ${shellQuote(input.code.url)} ${dir}; cd ${dir}; git -c advice.detachedHead=false checkout --quiet ${shellQuote(input.code.commit)}; test "$(git rev-parse HEAD)" = ${shellQuote(input.code.commit)}`
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
  const servers = await provider.listByLabels({ app: 'materia', run: runId })
  for (const server of servers) await destroyServer(provider, server, log)
  return servers.length
}

export async function destroyServer(provider: Provider, server: WorkerServer, log: (line: string) => void) {
  log(`destroying ${provider.name} server ${server.id} (${server.name})`)
  await provider.delete(server.id, actionWaitMs)
  if ((await provider.get(server.id)) !== null) {
    throw new MateriaError(
      'remote',
      `${provider.name} server ${server.id} still exists after delete; run materia worker destroy ${server.id} --provider ${provider.name}`,
    )
  }
  log(`server ${server.id} is gone`)
}

// A worker is stale when its deadline label has passed, or, for a worker without one (made by an
// older version), when it is older than olderThanMs. Per-run SSH keys go the same way: by their
// deadline label.
export function isStale(
  labels: Readonly<Record<string, string>>,
  createdMs: number,
  input: { olderThanMs: number; nowMs: number },
): boolean {
  const deadline = labels.deadline
  if (deadline !== undefined && /^\d+$/.test(deadline)) return Number(deadline) * 1000 <= input.nowMs
  return input.nowMs - createdMs > input.olderThanMs
}

export async function reapWorkers(
  provider: Provider,
  input: { olderThanMs: number; nowMs: number; log: (line: string) => void },
): Promise<WorkerServer[]> {
  const servers = await provider.listByLabels({ app: 'materia' })
  if (servers.length > workersListedMax) {
    throw new MateriaError(
      'limit',
      `more than workersListedMax=${workersListedMax} app=materia servers on ${provider.name}; check by hand`,
    )
  }
  const stale = servers.filter((server) => isStale(server.labels, server.createdMs, input))
  for (const server of stale) await destroyServer(provider, server, input.log)
  // A key's deadline is its run's: once passed, no live worker needs it. Keys without one are
  // left alone (the provider does not say when a key was made). A provider without key records
  // (Scaleway) kept the run's key in the server's user data, gone with the server.
  const registry = provider.sshKeys
  if (registry === null) return stale
  for (const key of await registry.listByLabels({ app: 'materia' })) {
    if (key.labels.deadline === undefined || !isStale(key.labels, input.nowMs, input)) continue
    await registry.delete(key.id)
    input.log(`deleted SSH key ${key.id} (${key.name}) of run ${key.labels.run}`)
  }
  return stale
}

export type LineSink = (line: string, stream: LogStream | 'status') => void
