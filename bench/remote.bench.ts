// Remote runs' hot paths: masking secrets in log lines (every line of a run passes the redactor),
// the prod database round trip through the bucket's conditional write (local-folder store), and
// the cost of one SSH command against a real sshd on 127.0.0.1 (what SSH readiness polling pays),
// and a worker's create-to-destroy overhead on each provider: keys, API calls, SSH wait, checkout
// and destroy around a pipeline that does nothing, against the fake Hetzner and Scaleway APIs whose
// servers are a real sshd (a real server's boot time comes on top). The two providers' runs are
// interleaved so a load change on the shared machine hits both alike.
import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { LocalLandingStore } from '../pipeline/landing/local-store.ts'
import { createHetznerClient } from '../pipeline/remote/hetzner/client.ts'
import { createHetznerProvider } from '../pipeline/remote/hetzner/provider.ts'
import { generateRunKeys, removeRunKeys, writeKnownHosts } from '../pipeline/remote/keys.ts'
import { withProdState } from '../pipeline/remote/prod-state.ts'
import type { Provider } from '../pipeline/remote/provider.ts'
import { createRedactor } from '../pipeline/remote/redact.ts'
import { createScalewayClient } from '../pipeline/remote/scaleway/client.ts'
import { createScalewayProvider } from '../pipeline/remote/scaleway/provider.ts'
import { runRemote } from '../pipeline/remote/ssh.ts'
import { startFakeCloud, startFakeScalewayCloud } from '../pipeline/remote/testing/fake-cloud.ts'
import { makeBareRepo } from '../pipeline/remote/testing/git-fixture.ts'
import { startSshd } from '../pipeline/remote/testing/sshd.ts'
import { runOnWorker } from '../pipeline/remote/worker-run.ts'
import { type BenchOptions, figure, interleaved, ratio } from './stats.ts'

function benchRedaction(options: BenchOptions) {
  const secrets = Array.from({ length: 8 }, () => randomBytes(24).toString('base64url'))
  const redact = createRedactor(secrets)
  const lines = Array.from({ length: 200_000 }, (_, index) =>
    index % 100 === 0
      ? `transform: model ${index} token=${secrets[index % 8]} rows written`
      : `transform: staging.stg_psdalldata__commodity batch ${index} of 200000: 12345 rows in 87 ms`,
  )
  const rates: number[] = []
  let masked = 0
  for (let round = 0; round < options.runs; round++) {
    const started = performance.now()
    masked = 0
    for (const line of lines) if (redact(line) !== line) masked++
    rates.push(lines.length / ((performance.now() - started) / 1000))
  }
  return { redactLines: lines.length, redactLinesPerSecond: figure(rates, 0), masked }
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

function lifecycleInput(provider: Provider, index: number, location: string, sshPort: number, repo: Repo) {
  return {
    provider,
    runId: `bench${process.pid}-${provider.name}-${index}`,
    pipeline: 'transform',
    placements: [
      {
        serverType: provider.name === 'hetzner' ? 'cx23' : 'DEV1-M',
        location,
        hourlyEur: 0.01,
        cores: 2,
        memoryGb: 4,
      },
    ],
    image: provider.name === 'hetzner' ? 'debian-12' : 'ubuntu_noble',
    user: userInfo().username,
    sshPort,
    code: { kind: 'git' as const, url: repo.url, commit: repo.commit },
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
  }
}

type Repo = Awaited<ReturnType<typeof makeBareRepo>>

async function benchWorkerLifecycle(options: BenchOptions) {
  const hetznerCloud = await startFakeCloud()
  hetznerCloud.api.actionPollsRunning = 0
  const scalewayCloud = await startFakeScalewayCloud({ sshPort: hetznerCloud.sshPort })
  const repo = await makeBareRepo({ 'README.md': 'bench\n' })
  try {
    const hetzner = createHetznerProvider(
      createHetznerClient({ baseUrl: hetznerCloud.api.url, token: hetznerCloud.token }),
      { pollMs: 50 },
    )
    const scwEnv = scalewayCloud.env()
    const scaleway = createScalewayProvider(
      createScalewayClient({
        baseUrl: scwEnv.SCW_API_URL!,
        zone: scwEnv.SCW_DEFAULT_ZONE!,
        secretKey: scwEnv.SCW_SECRET_KEY!,
        projectId: scwEnv.SCW_DEFAULT_PROJECT_ID!,
      }),
      { pollMs: 50 },
    )
    let index = 0
    const timed = async (provider: Provider, location: string) => {
      const started = performance.now()
      const result = await runOnWorker(
        lifecycleInput(provider, index++, location, hetznerCloud.sshPort, repo),
      )
      if (result.exitCode !== 0) throw new Error(`bench worker run exited ${result.exitCode}`)
      return performance.now() - started
    }
    const values = await interleaved(options.runs, {
      hetzner: () => timed(hetzner, 'fsn1'),
      scaleway: () => timed(scaleway, 'fr-par-1'),
    })
    return {
      workerCreateToDestroyMs: { hetzner: figure(values.hetzner, 0), scaleway: figure(values.scaleway, 0) },
      scalewayOverHetzner: ratio(values.scaleway, values.hetzner),
    }
  } finally {
    await hetznerCloud.close()
    await scalewayCloud.close()
    await rm(repo.root, { recursive: true, force: true })
  }
}

export async function run(options: BenchOptions): Promise<Record<string, unknown>> {
  return {
    ...benchRedaction(options),
    ...(await benchProdState()),
    ...(await benchSsh()),
    ...(await benchWorkerLifecycle(options)),
  }
}
