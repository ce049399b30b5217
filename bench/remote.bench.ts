// Remote runs' hot paths: masking secrets in log lines (every line of a run passes the redactor),
// the prod database round trip through the bucket's conditional write (local-folder store), and
// the cost of one SSH command against a real sshd on 127.0.0.1 (what SSH readiness polling pays),
// and a worker's create-to-destroy overhead: keys, API calls, SSH wait, checkout and destroy around
// a pipeline that does nothing, against the fake Hetzner API whose server is a real sshd (a real
// server's boot time comes on top).
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { LocalLandingStore } from '../pipeline/landing/local-store.ts'
import { createHetznerClient } from '../pipeline/remote/hetzner/client.ts'
import { createHetznerProvider } from '../pipeline/remote/hetzner/provider.ts'
import { generateRunKeys, removeRunKeys, writeKnownHosts } from '../pipeline/remote/keys.ts'
import { withProdState } from '../pipeline/remote/prod-state.ts'
import { createRedactor } from '../pipeline/remote/redact.ts'
import { runRemote } from '../pipeline/remote/ssh.ts'
import { startFakeCloud } from '../pipeline/remote/testing/fake-cloud.ts'
import { makeBareRepo } from '../pipeline/remote/testing/git-fixture.ts'
import { startSshd } from '../pipeline/remote/testing/sshd.ts'
import { runOnWorker } from '../pipeline/remote/worker-run.ts'

function benchRedaction() {
  const secrets = Array.from({ length: 8 }, () => randomBytes(24).toString('base64url'))
  const redact = createRedactor(secrets)
  const lines = Array.from({ length: 200_000 }, (_, index) =>
    index % 100 === 0
      ? `transform: model ${index} token=${secrets[index % 8]} rows written`
      : `transform: staging.stg_psdalldata__commodity batch ${index} of 200000: 12345 rows in 87 ms`,
  )
  const started = performance.now()
  let masked = 0
  for (const line of lines) if (redact(line) !== line) masked++
  const elapsedMs = performance.now() - started
  return {
    redactLines: lines.length,
    redactLinesPerSecond: Math.round(lines.length / (elapsedMs / 1000)),
    masked,
  }
}

async function benchProdState() {
  const root = await mkdtemp(join(tmpdir(), 'materia-bench-prod-'))
  try {
    const store = new LocalLandingStore(join(root, 'bucket'))
    const bytes = 64 * 1024 * 1024
    await withProdState(
      store,
      (path) => writeFile(path, randomBytes(bytes)),
      () => {},
    )
    const started = performance.now()
    await withProdState(
      store,
      (path) => writeFile(path, randomBytes(bytes)),
      () => {},
    )
    const elapsedMs = performance.now() - started
    return { prodStateMb: bytes / 1024 / 1024, prodStateRoundTripMs: Math.round(elapsedMs) }
  } finally {
    await rm(root, { recursive: true, force: true })
  }
}

async function benchSsh() {
  const keys = await generateRunKeys('bench')
  const sshd = await startSshd({
    hostKeyPath: keys.host.privatePath,
    authorizedKeys: [keys.client.publicKey],
  })
  try {
    await writeKnownHosts(keys, '127.0.0.1', sshd.port)
    const target = {
      host: '127.0.0.1',
      port: sshd.port,
      user: userInfo().username,
      identityPath: keys.client.privatePath,
      knownHostsPath: keys.knownHostsPath,
    }
    const runs = 10
    const started = performance.now()
    for (let index = 0; index < runs; index++) {
      await runRemote(target, 'true', { onLine: () => {}, redact: createRedactor([]), timeoutMs: 20_000 })
    }
    return { sshCommandMs: Math.round((performance.now() - started) / runs) }
  } finally {
    await sshd.stop()
    await removeRunKeys(keys)
  }
}

async function benchWorkerLifecycle() {
  const cloud = await startFakeCloud()
  cloud.api.actionPollsRunning = 0
  const repo = await makeBareRepo({ 'README.md': 'bench\n' })
  try {
    const client = createHetznerClient({ baseUrl: cloud.api.url, token: cloud.token })
    const runs = 3
    const started = performance.now()
    for (let index = 0; index < runs; index++) {
      const result = await runOnWorker({
        provider: createHetznerProvider(client, { pollMs: 50 }),
        runId: `bench${process.pid}-${index}`,
        pipeline: 'transform',
        placements: [{ serverType: 'cx23', location: 'fsn1', hourlyEur: 0.008, cores: 2, memoryGb: 4 }],
        image: 'debian-12',
        user: userInfo().username,
        sshPort: cloud.sshPort,
        code: { kind: 'git', url: repo.url, commit: repo.commit },
        prepare: 'true',
        command: 'true',
        prepareEnv: {},
        env: {},
        redact: createRedactor([]),
        deadlineMs: 120_000,
        sshReadyWaitMs: 60_000,
        sshPollMs: 100,
        onStatus: () => {},
        onLine: () => {},
      })
      if (result.exitCode !== 0) throw new Error(`bench worker run exited ${result.exitCode}`)
    }
    return { workerCreateToDestroyMs: Math.round((performance.now() - started) / runs) }
  } finally {
    await cloud.close()
    await rm(repo.root, { recursive: true, force: true })
  }
}

export async function run(): Promise<Record<string, unknown>> {
  return {
    ...benchRedaction(),
    ...(await benchProdState()),
    ...(await benchSsh()),
    ...(await benchWorkerLifecycle()),
  }
}
