// Goal: `materia pipeline run all --remote --provider scaleway` end to end, as on a real Scaleway
// account: the cheapest Scaleway type with the pipeline's cores and memory priced before anything
// is created; the server created stopped, its cloud-init stored under the `cloud-init` user-data key
// and only then powered on; SSH pinned to the host key cloud-init installed, with the run's client
// key delivered by cloud-init's ssh_authorized_keys (Scaleway keeps no per-run key records); the
// exact planned commit checked out; extract, transform and publish into the bucket; the server
// terminated with its volumes; the run recorded with its provider. A canary secret never shows in
// any output or in the user data.
// Method: the CLI as a child process against testing/e2e-fixture.ts: the fake Scaleway Instances
// API (written from Scaleway's API reference) whose servers boot a real sshd on 127.0.0.1, s3rver
// as the bucket, a local PSD server, a bare git repository.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type E2e, e2eProject, expectPublishedRun, startE2e } from './testing/e2e-fixture.ts'

const canary = 'canary-scw-5b0e71c3'
let e2e: E2e
beforeAll(async () => {
  e2e = await startE2e({ PADDLE_CLIENT_TOKEN: canary })
})
afterAll(() => e2e?.close())

describe('materia pipeline run --remote --provider scaleway', { timeout: 150_000 }, () => {
  it('runs the whole pipeline on a Scaleway worker and leaves prod state, Parquet and nothing billing', async () => {
    const run = e2e.runCli([
      'pipeline',
      'run',
      'all',
      '--remote',
      '--provider',
      'scaleway',
      '--project',
      e2eProject,
    ])
    const code = await run.done
    const { stdout, stderr } = run.output()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    // 8 cores and 16 GB (the default for `all`): PRO2-S is the cheapest Scaleway type that fits.
    expect(stdout).toMatch(
      /^run \S+: extract \+ transform \+ publish at [0-9a-f]{40} on scaleway PRO2-S \(fr-par-1\), ~45 min billed as 1 h x EUR 0\.2190\/h = EUR 0\.2190/,
    )
    const planned = /at ([0-9a-f]{40}) on/.exec(stdout)![1]!
    expect(stdout).toMatch(/\[worker\] scaleway server [0-9a-f-]{36} created \(PRO2-S in fr-par-1\)/)
    expect(stdout).toContain(`materia: code at ${planned}`)
    expect(stdout).toContain('[worker] status: running')
    expect(stdout).toMatch(/extract: coffee \d{4}-\d{2} (landed|duplicate)/)
    expect(stdout).toMatch(/transform: serving.dim_country 3 rows/)
    expect(stdout).toContain('prod state saved as version')
    expect(`${stdout}${stderr}`).not.toContain(canary)

    // The API saw the documented order: create (stopped), user data, poweron, then terminate.
    const calls = e2e.scaleway.api.requests
      .map((request) => `${request.method} ${request.path.replace(/^\/instance\/v1\/zones\/fr-par-1/, '')}`)
      .map((line) => line.replace(/[0-9a-f-]{36}/g, 'ID'))
    const order = ['POST /servers', 'PATCH /servers/ID/user_data/cloud-init', 'POST /servers/ID/action']
    const positions = order.map((call) => calls.indexOf(call))
    expect(
      positions.every((position) => position >= 0),
      calls.join('\n'),
    ).toBe(true)
    expect(positions).toEqual([...positions].sort((left, right) => left - right))
    expect(calls.filter((call) => call === 'POST /servers/ID/action')).toHaveLength(2) // poweron, terminate
    expect(calls).not.toContain('POST /ssh_keys')

    // The run's key reached the worker through cloud-init, which carries no secret.
    expect(e2e.scaleway.userData).toHaveLength(1)
    const userData = e2e.scaleway.userData[0]!
    expect(userData).toMatch(/ssh_authorized_keys:\n\s+- ssh-ed25519 \S+ materia-run-/)
    expect(userData).not.toContain(canary)
    expect(userData).not.toContain(e2e.s3.env.R2_SECRET_KEY!)

    // Nothing left to bill: no server, no volume.
    expect(e2e.scaleway.api.volumes.size).toBe(0)
    const records = await expectPublishedRun(e2e)
    expect(records.at(-1)).toMatchObject({
      pipeline: 'all',
      outcome: 'done',
      remote: true,
      provider: 'scaleway',
      serverType: 'PRO2-S',
      commit: planned,
    })
  })

  it('refuses a dev environment on a worker before anything is created', async () => {
    const before = e2e.scaleway.api.requests.length
    const run = e2e.runCli([
      'pipeline',
      'run',
      'transform',
      '--remote',
      '--provider',
      'scaleway',
      '--env',
      'dev_alice',
      '--project',
      e2eProject,
    ])
    expect(await run.done).toBe(1)
    const { stdout, stderr } = run.output()
    expect(stderr.trim().split('\n')).toEqual([
      expect.stringContaining(
        '--remote --env dev_alice: a worker keeps a dev environment on its own disk, destroyed with it; run it here (materia pipeline run --env dev_alice) or run prod remotely (--env prod)',
      ),
    ])
    expect(stdout).toBe('')
    expect(e2e.scaleway.api.requests.length).toBe(before)
  })
})
