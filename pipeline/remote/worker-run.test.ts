// Goal: a remote run goes create -> action -> SSH -> prepare -> run -> destroy, streams its output
// live, and whatever fails (create, action, SSH never ready, checkout, pipeline, deadline, abort)
// leaves zero app=materia servers; a canary secret reaches the worker's environment yet never any
// log line, the cloud-init user-data or a file. The worker checks out the exact commit it was given
// even when main has moved; a placement without capacity moves the run to the next one; the worker
// and its key carry the run's deadline as a label.
// Method: the fake Hetzner API "boots" each server as a real sshd on 127.0.0.1; the code comes from
// a local bare git repository cloned over file://.
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHetznerClient } from './hetzner/client.ts'
import { createHetznerProvider } from './hetzner/provider.ts'
import { generateKeyPair } from './keys.ts'
import { createRedactor } from './redact.ts'
import { type FakeCloud, startFakeCloud } from './testing/fake-cloud.ts'
import { git, makeBareRepo } from './testing/git-fixture.ts'
import { type RunStatus, runOnWorker, type WorkerRunInput } from './worker-run.ts'

const canary = 'canary-4b1f0e9d-secret'
let cloud: FakeCloud
let repo: Awaited<ReturnType<typeof makeBareRepo>>
let runCount = 0
const startedMs = Date.now()

beforeAll(async () => {
  cloud = await startFakeCloud()
  repo = await makeBareRepo({
    'run.sh':
      'echo "pipeline starts"\necho "secret is $CANARY_SECRET"\necho "warning line" >&2\nexit "$EXIT_WITH"\n',
  })
})
afterAll(async () => {
  await cloud?.close()
  if (repo) await rm(repo.root, { recursive: true, force: true })
  for (const entry of await readdir(tmpdir())) {
    if (entry.startsWith('materia-run-test'))
      await rm(join(tmpdir(), entry), { recursive: true, force: true })
  }
})

function setup(overrides: Partial<WorkerRunInput> = {}) {
  const lines: string[] = []
  const statuses: RunStatus[] = []
  const client = createHetznerClient({ baseUrl: cloud.api.url, token: cloud.token, backoffBaseMs: 10 })
  const input: WorkerRunInput = {
    provider: createHetznerProvider(client, { pollMs: 20 }),
    runId: `test${process.pid}-${++runCount}`,
    pipeline: 'transform',
    placements: [
      { serverType: 'cx23', location: 'fsn1', hourlyEur: 0.008, cores: 2, memoryGb: 4 },
      { serverType: 'cx23', location: 'nbg1', hourlyEur: 0.008, cores: 2, memoryGb: 4 },
    ],
    image: 'debian-12',
    user: userInfo().username,
    sshPort: cloud.sshPort,
    code: { kind: 'git', url: repo.url, commit: repo.commit },
    prepare: 'echo prepared',
    command: 'EXIT_WITH=0 sh run.sh',
    prepareEnv: {},
    env: { CANARY_SECRET: canary },
    redact: createRedactor([canary]),
    deadlineMs: 60_000,
    sshReadyWaitMs: 20_000,
    sshPollMs: 200,
    onStatus: (status) => statuses.push(status),
    onLine: (line, stream) => lines.push(`${stream}: ${line}`),
    ...overrides,
  }
  return { input, lines, statuses }
}

async function materiaServers() {
  return [...cloud.api.servers.values()].filter((server) => server.labels.app === 'materia').length
}

describe('runOnWorker', () => {
  it('runs the pipeline on a real sshd worker, streams it, masks the canary and destroys the worker', async () => {
    const { input, lines, statuses } = setup()
    const result = await runOnWorker(input)
    expect(result.exitCode).toBe(0)
    expect(statuses).toEqual(['creating', 'provisioning', 'running', 'destroying', 'done'])
    expect(lines).toContain('stdout: pipeline starts')
    expect(lines).toContain('stdout: secret is ***')
    expect(lines).toContain('stderr: warning line')
    expect(lines.some((line) => line.startsWith(`stdout: materia: code at ${repo.commit}`))).toBe(true)
    expect(await materiaServers()).toBe(0)
    expect(cloud.api.sshKeys.size).toBe(0)
    expect(lines.join('\n')).not.toContain(canary)
    expect(cloud.userData.join('\n')).not.toContain(canary)
    expect(cloud.userData.at(-1)).toContain('ed25519_private')
  })

  it('checks out the exact commit it was given although main has moved on', async () => {
    await writeFile(join(repo.work, 'run.sh'), 'echo "the newer main"\n')
    await git(repo.work, 'commit', '--quiet', '-am', 'newer main')
    await git(repo.work, 'push', '--quiet', repo.bare, 'main')
    const { input, lines } = setup()
    expect((await runOnWorker(input)).exitCode).toBe(0)
    expect(lines).toContain(`stdout: materia: code at ${repo.commit}`)
    expect(lines).toContain('stdout: pipeline starts')
    expect(lines).not.toContain('stdout: the newer main')
  })

  it('moves to the next placement when one has no capacity', async () => {
    cloud.api.unavailable.add('cx23@fsn1')
    try {
      const { input, lines } = setup()
      const result = await runOnWorker(input)
      expect(result.placement).toMatchObject({ serverType: 'cx23', location: 'nbg1' })
      expect(lines.some((line) => /no capacity for cx23 in fsn1 \(resource_unavailable\)/.test(line))).toBe(
        true,
      )
    } finally {
      cloud.api.unavailable.clear()
    }
    expect(await materiaServers()).toBe(0)
  })

  it('fails with every placement named when none has capacity, leaving nothing', async () => {
    cloud.api.unavailable.add('fsn1').add('nbg1')
    try {
      const { input } = setup()
      await expect(runOnWorker(input)).rejects.toThrow(
        /no capacity in any configured placement \(cx23@fsn1, cx23@nbg1\)/,
      )
    } finally {
      cloud.api.unavailable.clear()
    }
    expect(await materiaServers()).toBe(0)
    expect(cloud.api.sshKeys.size).toBe(0)
  })

  it('labels the worker and its key with the run deadline in Unix seconds', async () => {
    const seen: Record<string, string>[] = []
    const { input } = setup({
      deadlineMs: 600_000,
      onLine: (line) => {
        if (line !== 'pipeline starts') return
        for (const server of cloud.api.servers.values()) seen.push({ ...server.labels })
        for (const key of cloud.api.sshKeys.values()) seen.push({ ...key.labels })
      },
    })
    const before = Math.floor(Date.now() / 1000)
    expect((await runOnWorker(input)).exitCode).toBe(0)
    expect(seen).toHaveLength(2)
    for (const labels of seen) {
      expect(labels.run).toBe(input.runId)
      expect(Number(labels.deadline)).toBeGreaterThanOrEqual(before + 600)
      expect(Number(labels.deadline)).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 600)
    }
  })

  it('reports a failing pipeline with its exit code and still destroys the worker', async () => {
    const { input, statuses } = setup({ command: 'EXIT_WITH=7 sh run.sh' })
    expect((await runOnWorker(input)).exitCode).toBe(7)
    expect(statuses.at(-1)).toBe('failed')
    expect(await materiaServers()).toBe(0)
  })

  it('destroys nothing and leaves nothing when create fails', async () => {
    for (let index = 0; index < 5; index++)
      cloud.api.faults.push({ method: 'POST', pathPrefix: '/servers', status: 503 })
    const { input, statuses } = setup()
    await expect(runOnWorker(input)).rejects.toThrow(/POST .*\/servers failed: 503/)
    expect(statuses.at(-1)).toBe('failed')
    expect(await materiaServers()).toBe(0)
    expect(cloud.api.sshKeys.size).toBe(0)
  })

  it('destroys the server when its create action ends in error', async () => {
    cloud.api.createActionOutcome = 'error'
    try {
      const { input } = setup()
      await expect(runOnWorker(input)).rejects.toThrow(/create_server\) failed/)
    } finally {
      cloud.api.createActionOutcome = 'success'
    }
    expect(await materiaServers()).toBe(0)
  })

  it('gives up on a worker whose SSH never answers within the bounded wait', async () => {
    cloud.bootSshd = false
    try {
      const { input } = setup({ sshReadyWaitMs: 1500 })
      await expect(runOnWorker(input)).rejects.toThrow(/SSH to 127.0.0.1:\d+ not ready after \d+ attempts/)
    } finally {
      cloud.bootSshd = true
    }
    expect(await materiaServers()).toBe(0)
  })

  it('fails cleanly when the checkout fails', async () => {
    const { input, lines } = setup({ code: { kind: 'git', url: `${repo.url}-missing`, commit: repo.commit } })
    await expect(runOnWorker(input)).rejects.toThrow(/preparing the worker failed \(exit 128\)/)
    expect(lines.some((line) => line.startsWith('stderr: fatal:'))).toBe(true)
    expect(await materiaServers()).toBe(0)
  })

  it('destroys the worker when the hard deadline passes mid-run', async () => {
    const { input } = setup({ command: 'sleep 30', deadlineMs: 4000 })
    await expect(runOnWorker(input)).rejects.toThrow(/hard deadline of 4000 ms reached/)
    expect(await materiaServers()).toBe(0)
  })

  it('destroys the worker when the run is interrupted', async () => {
    const controller = new AbortController()
    const { input } = setup({
      command: 'echo started; sleep 30',
      signal: controller.signal,
      onLine: (line) => {
        if (line === 'started') controller.abort()
      },
    })
    await expect(runOnWorker(input)).rejects.toThrow(/interrupted/)
    expect(await materiaServers()).toBe(0)
  })

  it('uses an SSH key already registered by name instead of a per-run key', async () => {
    const own = await generateKeyPair(join(tmpdir(), `materia-run-test-own-${Date.now()}`), 'own')
    const client = createHetznerClient({ baseUrl: cloud.api.url, token: cloud.token })
    const keyId = await createHetznerProvider(client).sshKeys!.register('team-key', own.publicKey, {})
    try {
      const { input, lines } = setup({ existingKey: { name: 'team-key', identityPath: own.privatePath } })
      expect((await runOnWorker(input)).exitCode).toBe(0)
      expect(lines).toContain('stdout: pipeline starts')
      expect([...cloud.api.sshKeys.values()].map((key) => key.name)).toEqual(['team-key'])
    } finally {
      await createHetznerProvider(client).sshKeys!.delete(keyId)
      await rm(own.privatePath, { force: true })
      await rm(`${own.privatePath}.pub`, { force: true })
    }
    expect(await materiaServers()).toBe(0)
  })

  it('never leaves the canary in a file written during the runs', async () => {
    const hits: string[] = []
    const scan = async (dir: string, depth: number): Promise<void> => {
      for (const entry of await readdir(dir).catch(() => [] as string[])) {
        const path = join(dir, entry)
        const info = await stat(path).catch(() => null)
        if (info === null || info.mtimeMs < startedMs) continue
        if (info.isDirectory() && depth < 6) await scan(path, depth + 1)
        else if (info.isFile() && info.size < 5_000_000 && (await readFile(path, 'utf8')).includes(canary))
          hits.push(path)
      }
    }
    // What these runs write: the worker's checkouts, the run keys, the fake workers' sshd folders.
    // (Other materia-* folders may hold copies of this source file, canary literal included.)
    const ours = ['materia-run-test', 'materia-keys-test', 'materia-fake-worker-', 'materia-sshd-']
    for (const entry of await readdir(tmpdir())) {
      if (ours.some((prefix) => entry.startsWith(prefix))) await scan(join(tmpdir(), entry), 0)
    }
    expect(hits).toEqual([])
  })
})
