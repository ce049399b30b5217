// Goal: a remote run interrupted with SIGINT while the pipeline runs on the worker stops, destroys
// the worker (zero app=materia servers left) and records the run as failed; a pipeline failing on
// the worker exits 1 with one line and leaves nothing running either.
// Method: the CLI as a child process against testing/e2e-fixture.ts; the PSD server holds its
// answer back so the run is mid-extract when the signal arrives.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readRunRecords } from './run-history.ts'
import { type E2e, e2eProject, startE2e } from './testing/e2e-fixture.ts'
import { startPsdServer } from './testing/psd-server.ts'

let e2e: E2e
beforeAll(async () => {
  e2e = await startE2e({})
})
afterAll(() => e2e?.close())

function waitFor(run: ReturnType<E2e['runCli']>, text: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const startedMs = Date.now()
    const timer = setInterval(() => {
      const { stdout, stderr } = run.output()
      if (stdout.includes(text)) {
        clearInterval(timer)
        resolve()
      } else if (Date.now() - startedMs > timeoutMs || run.child.exitCode !== null) {
        clearInterval(timer)
        reject(new Error(`never saw "${text}":\n${stdout}\n${stderr}`))
      }
    }, 100)
  })
}

// The first test waits up to 200 s for the worker's CLI to start, then interrupts and destroys it.
describe('interrupted and failing remote runs', { timeout: 300_000 }, () => {
  it('destroys the worker when interrupted with SIGINT mid-run', async () => {
    const slow = await startPsdServer({ delayMs: 60_000 })
    try {
      const args = ['pipeline', 'run', 'extract', '--remote', '--project', e2eProject]
      const run = e2e.runCli(args, { MATERIA_PSD_BASE_URL: slow.url })
      // On a loaded machine the worker's CLI can take minutes to start. A run left going after a
      // failed wait would keep the prod lease and fail the next test too, so it is stopped.
      await waitFor(run, 'prod bucket:', 200_000).catch(async (error: unknown) => {
        run.child.kill('SIGINT')
        await run.done
        throw error
      })
      expect(e2e.materiaServers()).toHaveLength(1)
      run.child.kill('SIGINT')
      const code = await run.done
      const { stdout, stderr } = run.output()
      expect(code).toBe(1)
      expect(stderr).toMatch(/^materia pipeline: interrupted$/m)
      expect(stdout).toContain('[worker] status: destroying')
      expect(e2e.materiaServers()).toEqual([])
      const records = await readRunRecords(join(e2e.work, e2eProject, '.materia/runs.jsonl'))
      expect(records.at(-1)).toMatchObject({ pipeline: 'extract', outcome: 'failed', message: 'interrupted' })
    } finally {
      await slow.close()
    }
  })

  it('reports a pipeline that fails on the worker in one line and destroys the worker', async () => {
    // publish before any transform: the bucket holds no prod database yet.
    const run = e2e.runCli(['pipeline', 'run', 'publish', '--remote', '--project', e2eProject])
    const code = await run.done
    const { stdout, stderr } = run.output()
    expect(code).toBe(1)
    // The bucket's name is one of the R2_* settings, masked like every secret in worker output.
    expect(stderr).toMatch(
      /materia pipeline: no prod state at s3:\/\/\*\*\*\/state\/prod.duckdb; run transform first/,
    )
    expect(stderr).not.toContain('materia-prod')
    expect(stderr).toMatch(
      /^materia pipeline: pipeline publish failed on the worker with exit 1; worker destroyed$/m,
    )
    expect(stdout).toContain('[worker] status: failed')
    expect(e2e.materiaServers()).toEqual([])
  })
})
