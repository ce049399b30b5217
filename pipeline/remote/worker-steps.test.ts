// Goal: the worker's prepare script treats cloud-init's exit codes as documented (0 done, 2 done
// with recoverable errors: go on and show them, 1 critical: stop and show the report), checks out
// the exact commit, and refuses a branch name; `materia worker reap` destroys workers and deletes
// SSH keys whose deadline label has passed (and unlabelled workers by age), leaving the rest; the
// worker set-up keeps the optional dependencies that carry DuckDB's native binding.
// Scaleway workers past their deadline are reaped too, the running ones terminated and one that
// never started deleted with its volume, in the same `materia worker reap` and in one of its own.
// Waiting for a worker's SSH ends at its deadline even when the worker's sshd accepts connections
// and never answers (each probe gets at most the time left, not a whole probe's allowance).
// Method: the prepare script runs in a real bash with a stand-in `cloud-init` first on PATH (the
// one program not on this machine) and clones a local bare repository; reap runs the CLI command
// against the fake Hetzner and Scaleway APIs.
import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer, type Socket } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workerCommand } from '../cli/worker.ts'
import { cloudInitUserData, workerNodeMajor } from './cloud-init.ts'
import { defaultPrepare } from './config.ts'
import { createHetznerClient } from './hetzner/client.ts'
import { createHetznerProvider } from './hetzner/provider.ts'
import { generateKeyPair } from './keys.ts'
import { createRedactor } from './redact.ts'
import { createScalewayClient } from './scaleway/client.ts'
import { createScalewayProvider } from './scaleway/provider.ts'
import { fakeScalewayTypes } from './testing/fake-cloud.ts'
import { type FakeHetzner, startFakeHetzner } from './testing/fake-hetzner.ts'
import { FakeScaleway } from './testing/fake-scaleway.ts'
import { makeBareRepo } from './testing/git-fixture.ts'
import { prepareScript, waitForSsh } from './worker-steps.ts'

const execFileAsync = promisify(execFile)
let root: string
let repo: Awaited<ReturnType<typeof makeBareRepo>>

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'materia-prepare-test-'))
  repo = await makeBareRepo({ 'README.md': 'fixture\n' })
})
afterAll(async () => {
  await rm(root, { recursive: true, force: true })
  if (repo) await rm(repo.root, { recursive: true, force: true })
})

let runs = 0
async function prepare(cloudInitExit: number) {
  const bin = join(root, `bin-${++runs}`)
  await execFileAsync('mkdir', ['-p', bin])
  const stub = join(bin, 'cloud-init')
  await writeFile(
    stub,
    `#!/bin/sh\necho "status: ${cloudInitExit === 1 ? 'error' : 'done'}"\necho "recoverable_errors: WARNING: deprecated key"\nexit ${cloudInitExit}\n`,
  )
  await chmod(stub, 0o755)
  const script = prepareScript({
    dir: join(root, `checkout-${runs}`),
    code: { kind: 'git', url: repo.url, commit: repo.commit },
    prepare: 'echo prepared',
  })
  return execFileAsync('bash', ['-c', script], {
    env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
  }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (error: { code: number; stdout: string; stderr: string }) => ({
      code: error.code,
      stdout: error.stdout,
      stderr: error.stderr,
    }),
  )
}

describe('prepare script', () => {
  it('goes on quietly when cloud-init is done', async () => {
    const result = await prepare(0)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(`materia: code at ${repo.commit}`)
    expect(result.stdout).not.toContain('cloud-init')
  })

  it('goes on when cloud-init ends with recoverable errors (exit 2) and shows them', async () => {
    const result = await prepare(2)
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('materia: cloud-init done with recoverable warnings:')
    expect(result.stdout).toContain('WARNING: deprecated key')
    expect(result.stdout).toContain('prepared')
  })

  it('stops on a critical cloud-init failure (exit 1) and shows its report', async () => {
    const result = await prepare(1)
    expect(result.code).toBe(1)
    expect(result.stderr).toContain('materia: cloud-init failed (exit 1):')
    expect(result.stderr).toContain('status: error')
    expect(result.stdout).not.toContain('prepared')
  })

  it('takes only a full commit sha for a git checkout, never a branch that may move', () => {
    expect(() =>
      prepareScript({ dir: '/tmp/x', code: { kind: 'git', url: repo.url, commit: 'main' }, prepare: 'true' }),
    ).toThrow(/needs a full commit sha: main/)
  })
})

describe('worker set-up', () => {
  it('installs the Node LTS line and keeps the optional dependencies DuckDB needs', async () => {
    // A real throw-away host key, made here: no key text is kept in the repository.
    const keyDir = await mkdtemp(join(tmpdir(), 'materia-host-key-'))
    const host = await generateKeyPair(join(keyDir, 'host'), 'host')
    await rm(keyDir, { recursive: true, force: true })
    const userData = cloudInitUserData({ hostPrivateKey: host.privateKey, hostPublicKey: host.publicKey })
    expect(userData).toContain(`node_${workerNodeMajor}.x`)
    expect(workerNodeMajor).toBeGreaterThanOrEqual(22)
    expect(defaultPrepare).toContain('--omit=dev')
    expect(defaultPrepare).not.toContain('--omit=optional')
    // Why: the lockfile carries DuckDB's linux binding as an optional dependency.
    const lock = JSON.parse(await readFile(join(import.meta.dirname, '../../package-lock.json'), 'utf8')) as {
      packages: Record<string, { optional?: boolean }>
    }
    expect(lock.packages['node_modules/@duckdb/node-bindings-linux-x64']?.optional).toBe(true)
  })
})

describe('materia worker reap', () => {
  let fake: FakeHetzner
  beforeAll(async () => {
    fake = await startFakeHetzner({ token: 'reap-token' })
  })
  afterAll(() => fake?.close())

  it('destroys workers and deletes keys whose deadline passed, keeps the others', async () => {
    const provider = createHetznerProvider(
      createHetznerClient({ baseUrl: fake.url, token: 'reap-token', backoffBaseMs: 10 }),
      { pollMs: 10 },
    )
    const nowS = Math.floor(Date.now() / 1000)
    const make = async (name: string, labels: Record<string, string>) => {
      await provider.sshKeys!.register(`key-${name}`, `ssh-ed25519 AAAA ${name}`, {
        app: 'materia',
        ...labels,
      })
      await provider.create({
        name,
        serverType: 'cx23',
        image: 'debian-12',
        location: 'fsn1',
        sshKeyName: `key-${name}`,
        userData: '#cloud-config\n',
        labels: { app: 'materia', ...labels },
      })
    }
    await make('past', { run: 'r1', deadline: String(nowS - 60) })
    await make('future', { run: 'r2', deadline: String(nowS + 3600) })
    await make('unlabelled-new', { run: 'r3' })
    const chunks: string[] = []
    const stdout = new Writable({
      write(chunk, _encoding, done) {
        chunks.push(String(chunk))
        done()
      },
    })
    const env = { HETZNER_API_URL: fake.url, HETZNER_TOKEN: 'reap-token' }
    const code = await workerCommand.run(['reap'], { cwd: root, env, stdout, stderr: stdout, isTTY: false })
    expect(code).toBe(0)
    expect([...fake.servers.values()].map((server) => server.name).sort()).toEqual([
      'future',
      'unlabelled-new',
    ])
    expect([...fake.sshKeys.values()].map((key) => key.name).sort()).toEqual([
      'key-future',
      'key-unlabelled-new',
    ])
    expect(chunks.join('')).toContain('reaped 1 worker')
    expect(chunks.join('')).toMatch(/deleted SSH key \d+ \(key-past\) of run r1/)
  })

  it('reaps Scaleway workers past their deadline: terminated when running, deleted with volumes when never started', async () => {
    const scaleway = await FakeScaleway.start({
      secretKey: 'scw-reap',
      zone: 'fr-par-1',
      types: fakeScalewayTypes,
      availability: { 'DEV1-S': { availability: 'available' } },
    })
    try {
      const projectId = '00000000-0000-4000-8000-0000000000aa'
      const provider = createScalewayProvider(
        createScalewayClient({ baseUrl: scaleway.url, zone: 'fr-par-1', secretKey: 'scw-reap', projectId }),
        { pollMs: 10 },
      )
      const nowS = Math.floor(Date.now() / 1000)
      const make = (name: string, labels: Record<string, string>) =>
        provider.create({
          name,
          serverType: 'DEV1-S',
          image: 'ubuntu_noble',
          location: 'fr-par-1',
          sshKeyName: 'unused',
          userData: '#cloud-config\n',
          labels: { app: 'materia', ...labels },
        })
      await make('scw-past', { run: 's1', deadline: String(nowS - 60) })
      await make('scw-future', { run: 's2', deadline: String(nowS + 3600) })
      // A process that died between create and poweron leaves a stopped server and its volume.
      const stoppedVolume = '33333333-3333-4333-8333-333333333333'
      scaleway.volumes.set(stoppedVolume, { id: stoppedVolume, server: 'stopped-id' })
      scaleway.servers.set('44444444-4444-4444-8444-444444444444', {
        id: '44444444-4444-4444-8444-444444444444',
        name: 'scw-never-started',
        state: 'stopped',
        commercial_type: 'DEV1-S',
        tags: ['app=materia', 'run=s3', `deadline=${nowS - 5}`],
        creation_date: new Date().toISOString(),
        project: projectId,
        zone: 'fr-par-1',
        public_ip: null,
        volumes: { '0': { id: stoppedVolume } },
      })
      const volumesBefore = scaleway.volumes.size
      const chunks: string[] = []
      const stdout = new Writable({
        write(chunk, _encoding, done) {
          chunks.push(String(chunk))
          done()
        },
      })
      const env = {
        SCW_API_URL: scaleway.url,
        SCW_SECRET_KEY: 'scw-reap',
        SCW_DEFAULT_PROJECT_ID: projectId,
        SCW_DEFAULT_ZONE: 'fr-par-1',
      }
      const context = { cwd: root, env, stdout, stderr: stdout, isTTY: false }
      expect(await workerCommand.run(['list', '--provider', 'scaleway'], context)).toBe(0)
      expect(chunks.join('')).toContain('3 workers')
      chunks.length = 0
      expect(await workerCommand.run(['reap'], context)).toBe(0)
      expect([...scaleway.servers.values()].map((server) => server.name)).toEqual(['scw-future'])
      expect(scaleway.volumes.size).toBe(volumesBefore - 2) // the terminated one's and the stopped one's
      expect(scaleway.volumes.has(stoppedVolume)).toBe(false)
      const output = chunks.join('')
      expect(output).toMatch(/destroying scaleway server [0-9a-f-]{36} \(scw-past\)/)
      expect(output).toContain(
        'destroying scaleway server 44444444-4444-4444-8444-444444444444 (scw-never-started)',
      )
      expect(output).toContain('reaped 2 workers')
      // destroy takes Scaleway's UUIDs with --provider scaleway.
      const [future] = [...scaleway.servers.values()]
      chunks.length = 0
      expect(await workerCommand.run(['destroy', future!.id, '--provider', 'scaleway'], context)).toBe(0)
      expect(scaleway.servers.size).toBe(0)
      expect(chunks.join('')).toContain(`server ${future!.id} is gone`)
      await expect(
        workerCommand.run(['destroy', '../servers', '--provider', 'scaleway'], context),
      ).rejects.toThrow('worker destroy ../servers: expected a server id (a number or a UUID)')
      // Without any credentials, reap says what to set instead of doing nothing.
      await expect(workerCommand.run(['reap'], { ...context, env: {} })).rejects.toThrow(
        'no cloud credentials set: export HETZNER_TOKEN, or SCW_SECRET_KEY and SCW_DEFAULT_PROJECT_ID',
      )
    } finally {
      await scaleway.stop()
    }
  })
})

describe('waiting for SSH', () => {
  // A worker whose port accepts connections and then sends nothing (sshd stuck behind a firewall
  // that holds the handshake): one probe alone would wait for OpenSSH's own 15 s connect timeout.
  it('gives up at its deadline when the worker accepts and never answers', async () => {
    const sockets: Socket[] = []
    const silent = createServer((socket) => sockets.push(socket))
    silent.listen(0, '127.0.0.1')
    await once(silent, 'listening')
    const port = (silent.address() as { port: number }).port
    try {
      const target = {
        host: '127.0.0.1',
        port,
        user: 'materia',
        identityPath: join(root, 'no-such-key'),
        knownHostsPath: join(root, 'no-known-hosts'),
      }
      const waited = waitForSsh(target, {
        timeoutMs: 1_500,
        pollMs: 100,
        redact: createRedactor([]),
        signal: new AbortController().signal,
      })
      await expect(waited).rejects.toThrow(
        new RegExp(
          `^SSH to 127\\.0\\.0\\.1:${port} not ready after 1 attempts \\(1500 ms\\): ssh to 127\\.0\\.0\\.1: timed out after \\d+ ms$`,
        ),
      )
      expect(sockets.length).toBe(1)
    } finally {
      for (const socket of sockets) socket.destroy()
      silent.close()
    }
    // The test's 10 s bound is under OpenSSH's 15 s: only a probe cut at the deadline ends in it.
  }, 10_000)
})
