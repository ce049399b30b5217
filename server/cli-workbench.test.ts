// Goal: `materia workbench` on a fresh clone serves the workbench, not a 503 "renderer is not
// built". Method: the command starts over a temporary project with its renderer directory pointing
// at an empty folder (as on a clone where out/ does not exist); it must build the renderer there,
// as `npm start` does, and the page must load over real HTTP. Bad arguments fail with one line.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { isMateriaError } from '../pipeline/errors.ts'
import { startWorkbenchCommand } from './cli-workbench.ts'
import { createFixtureProject } from './testing/fixture-project.ts'

const project = createFixtureProject()
const rendererDir = mkdtempSync(join(tmpdir(), 'materia-renderer-'))

afterAll(() => {
  project.remove()
  rmSync(rendererDir, { recursive: true, force: true })
})

function context(output: string[]) {
  const stdout = new Writable({
    write(chunk, _encoding, done) {
      output.push(String(chunk))
      done()
    },
  })
  return {
    cwd: project.root,
    env: { USER: 'test', MATERIA_RENDERER_DIR: join(rendererDir, 'renderer') },
    stdout,
    stderr: stdout,
    isTTY: false,
  }
}

describe('materia workbench', () => {
  it('builds the renderer when it is missing and serves the home page', async () => {
    const output: string[] = []
    const workbench = await startWorkbenchCommand(['--no-open'], context(output))
    try {
      expect(output.join('')).toContain(workbench.url)
      // The token URL sets the session cookie and redirects to the page, as a browser follows it.
      const login = await fetch(workbench.url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) })
      const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
      const response = await fetch(`${workbench.baseUrl}/`, {
        headers: { cookie },
        signal: AbortSignal.timeout(30_000),
      })
      expect(response.status).toBe(200)
      expect(await response.text()).toContain('id="navbar"')
    } finally {
      await workbench.close()
    }
  }, 300_000)

  it('refuses an unknown option with one line', async () => {
    const error = await startWorkbenchCommand(['--bogus'], context([])).catch((caught: unknown) => caught)
    expect(isMateriaError(error)).toBe(true)
    expect((error as Error).message).toBe('unknown option "--bogus"; see materia workbench --help')
  })

  it('says of a folder without materia.yaml what every other command says', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'materia-not-a-project-'))
    try {
      const error = await startWorkbenchCommand(['--project', folder, '--no-open'], context([])).catch(
        (caught: unknown) => caught,
      )
      expect(isMateriaError(error)).toBe(true)
      expect((error as Error).message).toBe(
        `${join(folder, 'materia.yaml')} not found; run from a project folder or pass --project DIR`,
      )
    } finally {
      rmSync(folder, { recursive: true, force: true })
    }
  })
})
