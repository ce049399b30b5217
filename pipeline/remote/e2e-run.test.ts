// Goal: `materia pipeline run all --remote` end to end: cost shown, a worker created on the fake
// Hetzner API, main cloned from git on the worker (a real sshd on 127.0.0.1), the pipeline run
// there (extract from a local PSD server into the bucket, transform with the engine, publish
// Parquet), the prod database saved in the bucket, the worker destroyed, the run recorded; then
// `--upload` runs the local working tree. A canary secret never shows in any output.
// Method: the CLI as a child process against testing/e2e-fixture.ts (fake API, sshd, s3rver).
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type E2e, e2eProject, expectPublishedRun, startE2e } from './testing/e2e-fixture.ts'

const canary = 'canary-e2e-91c4d7a2'
let e2e: E2e
beforeAll(async () => {
  e2e = await startE2e({ PADDLE_CLIENT_TOKEN: canary })
})
afterAll(() => e2e?.close())

describe('materia pipeline run --remote', { timeout: 150_000 }, () => {
  it('runs the whole pipeline on a worker and leaves prod state, Parquet and nothing running', async () => {
    const run = e2e.runCli(['pipeline', 'run', 'all', '--remote', '--project', e2eProject])
    const code = await run.done
    const { stdout, stderr } = run.output()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toMatch(
      /^run \S+: extract \+ transform \+ publish at [0-9a-f]{40} on hetzner cx43 \(fsn1\), ~45 min billed as 1 h x EUR 0\.0240\/h = EUR 0\.0240/,
    )
    const planned = /at ([0-9a-f]{40}) on/.exec(stdout)![1]!
    expect(stdout).toContain(`materia: code at ${planned}`) // the worker ran the planned commit
    expect(stdout).toContain('prod lease taken until')
    expect(stdout).toContain('[worker] status: running')
    expect(stdout).toMatch(/extract: coffee \d{4}-\d{2} (landed|duplicate)/)
    expect(stdout).toMatch(/transform: serving.dim_country 3 rows/)
    expect(stdout).toContain('prod state saved as version')
    expect(`${stdout}${stderr}`).not.toContain(canary)
    const records = await expectPublishedRun(e2e)
    expect(records.at(-1)).toMatchObject({
      pipeline: 'all',
      outcome: 'done',
      remote: true,
      serverType: 'cx43',
    })
  })

  it('runs the uploaded working tree with --upload, reading prod state without saving it', async () => {
    await writeFile(join(e2e.work, 'uncommitted-marker.txt'), 'local change\n')
    const run = e2e.runCli(['pipeline', 'run', 'publish', '--remote', '--upload', '--project', e2eProject])
    const code = await run.done
    const { stdout, stderr } = run.output()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toMatch(/at [0-9a-f]{12} \+ working tree on hetzner cx23/)
    expect(stdout).toContain('materia: code at upload')
    expect(stdout).toContain('downloaded (read only)')
    expect(e2e.materiaServers()).toEqual([])
  })
})
