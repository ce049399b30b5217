// Goal: the workbench's "Run in prod" drives the same remote path as the CLI: a confirmation with
// commit, steps, server type and cost; then the run's status (creating -> provisioning -> running
// -> destroying -> done) and log streamed over SSE; the workbench keeps answering meanwhile; the
// run lands in the history; no worker is left and the canary secret never reaches the page.
// Method: the workbench started in-process on the e2e fixture's project (fake Hetzner API whose
// servers are real sshd workers, s3rver, a PSD server), called over HTTP with its bearer token.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type E2e, e2eProject, startE2e } from '../pipeline/remote/testing/e2e-fixture.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

const canary = 'canary-workbench-3e8a51f0'
let e2e: E2e
let workbench: Workbench
let rendererDir: string

beforeAll(async () => {
  e2e = await startE2e({ PADDLE_CLIENT_TOKEN: canary })
  rendererDir = await mkdtemp(join(tmpdir(), 'materia-no-renderer-'))
  workbench = await startWorkbench({
    projectRoot: join(e2e.work, e2eProject),
    rendererDir,
    env: e2e.cliEnv(),
  })
})
afterAll(async () => {
  await workbench?.close()
  await e2e?.close()
  if (rendererDir) await rm(rendererDir, { recursive: true, force: true })
})

function call(
  path: string,
  init: { method?: string; form?: Record<string, string>; fragment?: boolean } = {},
) {
  return fetch(`${workbench.baseUrl}${path}`, {
    method: init.method ?? 'GET',
    headers: {
      authorization: `Bearer ${workbench.token}`,
      origin: workbench.baseUrl,
      ...(init.fragment ? { 'hx-request': 'true' } : {}),
      ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
    },
    body: init.form ? new URLSearchParams(init.form).toString() : undefined,
    signal: AbortSignal.timeout(120_000),
  })
}

describe('Run in prod from the workbench', { timeout: 150_000 }, () => {
  it('confirms, runs on a worker with live status and log, and records the run', async () => {
    const page = await (await call('/prod-run', { fragment: true })).text()
    expect(page).toContain('data-action="review-prod-run"')
    expect(page).toContain('No prod runs yet.')

    const confirmResponse = await call('/prod-run/plan', { method: 'POST', form: { pipeline: 'extract' } })
    expect(confirmResponse.status).toBe(200)
    const confirm = await confirmResponse.text()
    expect(confirm).toMatch(/data-field="commit">[0-9a-f]{40}</)
    expect(confirm).toContain('data-field="steps">extract<')
    expect(confirm).toContain('data-field="server">cx23 (fsn1)<')
    expect(confirm).toContain('~10 min, billed as 1 h × EUR 0.0080/h = EUR 0.0080')
    const runId = /data-run="([^"]+)"/.exec(confirm)![1]!

    const started = await (await call('/prod-run/start', { method: 'POST', form: { run: runId } })).text()
    expect(started).toContain(`data-events="/prod-run/${runId}/events"`)
    // The analyst keeps working: other requests answer while the run goes on.
    expect((await call('/api/environments')).status).toBe(200)
    const again = await call('/prod-run/start', { method: 'POST', form: { run: runId }, fragment: true })
    expect(again.status).toBe(400)

    const events = await (await call(`/prod-run/${runId}/events`)).text()
    const statuses = [...events.matchAll(/event: status\ndata: (\S+)/g)].map((match) => match[1])
    expect(statuses).toEqual(['creating', 'provisioning', 'running', 'destroying', 'done'])
    expect(events).toMatch(/event: line\ndata: extract: coffee \d{4}-\d{2} (landed|duplicate)/)
    expect(events).toMatch(/event: end\ndata: done/)
    expect(events).not.toContain(canary)

    const replay = await (await call(`/prod-run/${runId}/events`)).text()
    expect(replay).toMatch(/event: end\ndata: done/)
    const history = await (await call('/prod-run/history')).text()
    expect(history).toContain(`data-run="${runId}"`)
    expect(history).toContain('badge-success">done<')
    expect(e2e.materiaServers()).toEqual([])
  })

  it('refuses an unknown pipeline and an unknown run in one line', async () => {
    const bad = await call('/prod-run/plan', {
      method: 'POST',
      form: { pipeline: 'everything' },
      fragment: true,
    })
    expect(bad.status).toBe(400)
    expect(await bad.text()).toContain(
      'unknown pipeline &quot;everything&quot;; use extract | transform | publish | all',
    )
    const missing = await call('/prod-run/start', { method: 'POST', form: { run: 'nope' }, fragment: true })
    expect(await missing.text()).toContain('run nope is not awaiting confirmation; review the run again')
  })
})
