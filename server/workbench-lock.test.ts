// Goal: never two writers. While a workbench serves a project, a `materia plan --auto-apply` from
// another process is refused with a message naming the workbench's pid, and the environment is left
// as it was. Method: start the workbench in this process, run the real CLI as a child process.
import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

const run = promisify(execFile)
const materia = join(import.meta.dirname, '..', 'bin', 'materia.js')
let project: FixtureProject
let workbench: Workbench

beforeAll(async () => {
  project = createFixtureProject()
  await buildEnvironment(project.root, 'dev_test')
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
})

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('workbench lock', () => {
  it('refuses a CLI apply on the project while the workbench runs, naming its pid', async () => {
    const child = run(
      process.execPath,
      [materia, 'plan', 'dev_other', '--auto-apply', '--project', project.root],
      {
        env: { ...process.env, MATERIA_ENV: '' },
      },
    )
    const error = await child.then(
      () => null,
      (failure: { code: number; stderr: string }) => failure,
    )
    expect(error?.code).toBe(1)
    expect(error?.stderr).toContain(`the workbench (pid ${process.pid})`)
    expect(error?.stderr).toContain(workbench.baseUrl)
    // The workbench still serves the project, and dev_other was never created.
    const reply = await fetch(`${workbench.baseUrl}/api/environments`, {
      headers: { authorization: `Bearer ${workbench.token}` },
    })
    expect(await reply.json()).not.toContain('dev_other')
  })

  it('lets the CLI in again once the workbench is closed', async () => {
    await workbench.close()
    // The fixture's tests/ file only populates the workbench's tree; this test is about the lock.
    const { stdout } = await run(
      process.execPath,
      [materia, 'plan', 'dev_test', '--skip-tests', '--project', project.root],
      {
        env: { ...process.env, MATERIA_ENV: '' },
      },
    )
    expect(stdout).toMatch(/no changes|nothing|empty|up to date/i)
    workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
  })
})
