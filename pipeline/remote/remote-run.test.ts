// Goal: what a remote run decides before and around the worker, as it would go on a real account:
// it refuses without the bucket's settings (naming every missing one) and with a dirty tree, before
// any API call; it resolves the exact commit and the worker runs that commit even after main
// moves; it reads the server type list, skipping retired types, and prices each started hour; it
// honours the prod lease another run holds, creating nothing. `--provider cheapest` reads both
// price lists and takes the cheapest type with the pipeline's cores and memory; every missing
// setting (bucket, each provider's credentials, the git remote) is named in one message before any
// call; a dev environment is refused, since a worker's disk is destroyed with it.
// Method: a git repository with a project whose prepare step stops the run right after checkout;
// the fake Hetzner API whose servers are real sshd workers on 127.0.0.1, the fake Scaleway API;
// s3rver as the bucket.
import { rm, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { pipelineCommand } from '../cli/pipeline.ts'
import { type S3rverHandle, startS3rver } from '../landing/testing/s3rver.ts'
import { acquireLease, releaseLease } from './lease.ts'
import { executeRemoteRun, formatPlan, planRemoteRun, type RemoteRunRequest } from './remote-run.ts'
import { openProdStore } from './stores.ts'
import {
  type FakeCloud,
  type FakeScalewayCloud,
  startFakeCloud,
  startFakeScalewayCloud,
} from './testing/fake-cloud.ts'
import { git, makeBareRepo } from './testing/git-fixture.ts'

let cloud: FakeCloud
let scaleway: FakeScalewayCloud
let repo: Awaited<ReturnType<typeof makeBareRepo>>
let s3: S3rverHandle
let bucketEnv: Record<string, string>

beforeAll(async () => {
  s3 = await startS3rver('materia-prod')
  bucketEnv = s3.env
  cloud = await startFakeCloud()
  cloud.api.actionPollsRunning = 0
  scaleway = await startFakeScalewayCloud()
  repo = await makeBareRepo({
    '.gitignore': '.materia/\n',
    'materia.yaml': [
      'workers:',
      `  user: ${userInfo().username}`,
      '  prepare: echo "prepare stops here"; exit 3',
      '  all: { server_type: [cx22, cx43], location: [fsn1, nbg1], expected_minutes: 45 }',
      '  publish: { cores: 1, memory_gb: 1 }',
      '',
    ].join('\n'),
  })
})
afterAll(async () => {
  await cloud?.close()
  await scaleway?.close()
  await s3?.stop()
  if (repo) await rm(repo.root, { recursive: true, force: true })
})
beforeEach(() => {
  cloud.api.requests.length = 0
  scaleway.api.requests.length = 0
})

function request(env: Record<string, string> = {}): RemoteRunRequest {
  return {
    projectRoot: repo.work,
    pipeline: 'all',
    environment: 'prod',
    upload: false,
    env: { ...process.env, ...cloud.env(), ...bucketEnv, MATERIA_GIT_URL: repo.url, ...env },
    trigger: 'cli',
  }
}

describe('remote run', () => {
  it('plans the exact commit and the first current type, skipping a retired one, billed per started hour', async () => {
    const plan = await planRemoteRun(request())
    expect(plan.commit).toBe(repo.commit)
    expect(plan.serverType).toBe('cx43')
    expect(plan.location).toBe('fsn1')
    expect(plan.placements.map((entry) => `${entry.serverType}@${entry.location}`)).toEqual([
      'cx43@fsn1',
      'cx43@nbg1',
    ])
    expect(plan.skipped).toEqual(['cx22: not listed (retired or unknown)'])
    expect(plan.costEur).toBeCloseTo(0.024, 6) // 45 minutes are one started hour
    expect(formatPlan(plan)).toContain('~45 min billed as 1 h x EUR 0.0240/h = EUR 0.0240')
    expect(formatPlan({ ...plan, expectedMinutes: 61 })).toContain('billed as 2 h')
    expect(cloud.api.requests.every((line) => line.startsWith('GET '))).toBe(true)
  })

  it('refuses without the bucket settings, naming each missing one, before any API call', async () => {
    await expect(planRemoteRun(request({ R2_ACCESS_KEY: '', R2_SECRET_KEY: '' }))).rejects.toThrow(
      /needs the bucket, but R2_ACCESS_KEY, R2_SECRET_KEY are not set/,
    )
    const plan = await planRemoteRun(request())
    cloud.api.requests.length = 0
    const hooks = { onStatus: () => {}, onLine: () => {} }
    await expect(executeRemoteRun(request({ R2_BUCKET: '' }), plan, hooks)).rejects.toThrow(
      /R2_BUCKET is not set/,
    )
    expect(cloud.api.requests).toEqual([])
    expect(cloud.api.servers.size).toBe(0)
  })

  it('names every missing setting at once: the bucket, the cloud token and the repository', async () => {
    await expect(
      planRemoteRun(request({ R2_ENDPOINT: '', HETZNER_TOKEN: '', MATERIA_GIT_URL: '' })),
    ).rejects.toThrow(
      'a remote run needs the bucket and hetzner credentials and the git remote (or --upload), but R2_ENDPOINT, HETZNER_TOKEN, MATERIA_GIT_URL are not set;',
    )
    expect(cloud.api.requests).toEqual([])
  })

  it('refuses a dirty tree unless the working tree is uploaded', async () => {
    const path = join(repo.work, 'new-model.sql')
    await writeFile(path, 'SELECT 1\n')
    try {
      await expect(planRemoteRun(request())).rejects.toThrow(
        /has changes git would not send \(new-model\.sql\); commit and push them, or pass --upload/,
      )
      const uploaded = await planRemoteRun({ ...request(), upload: true })
      expect(uploaded.commit).toBe(`${repo.commit.slice(0, 12)} + working tree`)
    } finally {
      await rm(path)
    }
    expect(cloud.api.requests.some((line) => line.startsWith('POST'))).toBe(false)
  })

  it('honours the prod lease another run holds, creating nothing', async () => {
    const plan = await planRemoteRun(request())
    const bucket = openProdStore(request().env, repo.work)
    const held = await acquireLease(bucket, {
      runId: 'other-run',
      pipeline: 'transform',
      nowMs: Date.now(),
      holder: 'workbench pid 7',
    })
    cloud.api.requests.length = 0
    try {
      await expect(
        executeRemoteRun(request(), plan, { onStatus: () => {}, onLine: () => {} }),
      ).rejects.toThrow(/prod is busy: transform run other-run on workbench pid 7 holds/)
    } finally {
      await releaseLease(bucket, held, Date.now())
    }
    expect(cloud.api.requests).toEqual([])
  })

  it('runs the planned commit on the worker although main moved after the plan', async () => {
    const plan = await planRemoteRun(request())
    await writeFile(join(repo.work, 'later.txt'), 'pushed after the plan\n')
    await git(repo.work, 'add', 'later.txt')
    await git(repo.work, 'commit', '--quiet', '-m', 'later')
    await git(repo.work, 'push', '--quiet', repo.bare, 'main')
    const lines: string[] = []
    await expect(
      executeRemoteRun(request(), plan, { onStatus: () => {}, onLine: (line) => lines.push(line) }),
    ).rejects.toThrow(/preparing the worker failed \(exit 3\)/)
    expect(lines).toContain(`materia: code at ${plan.commit}`)
    expect(lines).toContain('prepare stops here')
    expect(lines.some((line) => line.startsWith('prod lease taken until'))).toBe(true)
    expect(cloud.api.servers.size).toBe(0)
  }, 120_000)

  it('--provider cheapest takes the cheapest type that fits from both price lists', async () => {
    const both = { ...request(scaleway.env()), providerChoice: 'cheapest' as const }
    // extract needs 2 cores and 4 GB: Hetzner's cax11 is below every Scaleway type that fits.
    const extract = await planRemoteRun({ ...both, pipeline: 'extract' })
    expect(extract).toMatchObject({ provider: 'hetzner', serverType: 'cax11', hourlyEur: 0.0072 })
    // publish is set to 1 core and 1 GB here: Scaleway's STARDUST1-S is the cheapest of all.
    const publish = await planRemoteRun({ ...both, pipeline: 'publish' })
    expect(publish).toMatchObject({ provider: 'scaleway', serverType: 'STARDUST1-S', location: 'fr-par-1' })
    // The run stays with that provider and moves down its list, cheapest first, on no capacity.
    const prices = publish.placements.map((placement) => placement.hourlyEur)
    expect(prices).toEqual([...prices].sort((left, right) => left - right))
    expect(publish.placements.map((placement) => placement.serverType).slice(0, 3)).toEqual([
      'STARDUST1-S',
      'DEV1-S',
      'DEV1-M',
    ])
    expect(formatPlan(publish)).toContain('on scaleway STARDUST1-S (fr-par-1), ~10 min billed as 1 h')
    const scalewayOnly = await planRemoteRun({ ...both, pipeline: 'all', providerChoice: 'scaleway' })
    expect(scalewayOnly).toMatchObject({ provider: 'scaleway', serverType: 'PRO2-S' }) // 8 cores, 16 GB
    expect(cloud.api.requests.every((line) => line.startsWith('GET '))).toBe(true)
    expect(scaleway.api.requests.every((call) => call.method === 'GET')).toBe(true)
  })

  it('names every missing setting at once, for the chosen providers, before any call', async () => {
    const missing = { R2_BUCKET: '', HETZNER_TOKEN: '', SCW_SECRET_KEY: '', MATERIA_GIT_URL: '' }
    await expect(
      planRemoteRun({ ...request({ ...scaleway.env(), ...missing }), providerChoice: 'cheapest' }),
    ).rejects.toThrow(
      'a remote run needs the bucket and hetzner and scaleway credentials and the git remote (or --upload), but R2_BUCKET, HETZNER_TOKEN, SCW_SECRET_KEY, MATERIA_GIT_URL are not set',
    )
    // Scaleway alone does not need the Hetzner token; --upload does not need the git remote.
    await expect(
      planRemoteRun({
        ...request({ SCW_SECRET_KEY: '', SCW_DEFAULT_PROJECT_ID: '', HETZNER_TOKEN: '' }),
        providerChoice: 'scaleway',
        upload: true,
      }),
    ).rejects.toThrow(
      /^a remote run needs scaleway credentials, but SCW_SECRET_KEY, SCW_DEFAULT_PROJECT_ID are not set/,
    )
    expect(cloud.api.requests).toEqual([])
    expect(scaleway.api.requests).toEqual([])
  })

  it('refuses a dev environment, whose state would die with the worker, before any call', async () => {
    for (const environment of ['dev_alice', 'staging']) {
      await expect(planRemoteRun({ ...request(), environment })).rejects.toThrow(
        `--remote --env ${environment}: a worker keeps a dev environment on its own disk, destroyed with it`,
      )
    }
    const plan = await planRemoteRun(request())
    cloud.api.requests.length = 0
    await expect(
      executeRemoteRun({ ...request(), environment: 'dev_alice' }, plan, {
        onStatus: () => {},
        onLine: () => {},
      }),
    ).rejects.toThrow('--remote --env dev_alice')
    expect(cloud.api.requests).toEqual([])
  })

  it('refuses a bad --provider, or one without --remote, in one line before any call', async () => {
    const sink = new Writable({ write: (_chunk, _encoding, done) => done() })
    const context = {
      cwd: repo.work,
      env: { ...request(scaleway.env()).env },
      stdout: sink,
      stderr: sink,
      isTTY: false,
    }
    await expect(
      pipelineCommand.run(['run', 'all', '--remote', '--provider', 'gcp'], context),
    ).rejects.toThrow('--provider gcp: use hetzner | scaleway | cheapest')
    await expect(pipelineCommand.run(['run', 'all', '--provider', 'scaleway'], context)).rejects.toThrow(
      '--upload, --commit and --provider only apply with --remote',
    )
    await expect(
      pipelineCommand.run(['run', 'all', '--remote', '--env', 'dev_bob'], { ...context, env: {} }),
    ).rejects.toThrow('--remote --env dev_bob: a worker keeps a dev environment on its own disk')
    expect(cloud.api.requests).toEqual([])
    expect(scaleway.api.requests).toEqual([])
  })
})
