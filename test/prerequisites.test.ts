// Goal: `npm test` on a machine without Chromium or OpenSSH stops before the tests with one line
// naming what to install (or installs it, as root with apt-get), instead of failing tests with
// unhandled `spawn ... ENOENT` errors. Method: the real pretest script as a child process, with
// absence simulated by MATERIA_CHROMIUM / MATERIA_SSHD pointing nowhere and a PATH holding only node
// (so no ssh client and no apt-get); and the check itself on this machine, which has everything.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, symlinkSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { checkPrerequisites, missingTools } from './prerequisites.ts'

const root = join(import.meta.dirname, '..')

function runPretest(env: NodeJS.ProcessEnv) {
  const cli = join(root, 'node_modules/tsx/dist/cli.mjs')
  return spawnSync(process.execPath, [cli, 'test/prerequisites.ts'], { cwd: root, env, encoding: 'utf8' })
}

describe('test prerequisites', () => {
  it('finds everything on a machine that has Chromium and OpenSSH', () => {
    expect(missingTools(process.env)).toEqual([])
    expect(checkPrerequisites(process.env, false)).toEqual({ code: 0, message: '' })
    const run = runPretest(process.env)
    expect(run.stderr).toBe('')
    expect(run.status).toBe(0)
  })

  it('names what to install in one line and exits 1 when the tools are missing', () => {
    const bin = mkdtempSync(join(tmpdir(), 'materia-bin-'))
    symlinkSync(process.execPath, join(bin, 'node'))
    const run = runPretest({
      PATH: bin,
      HOME: tmpdir(),
      MATERIA_CHROMIUM: '/nonexistent/chromium',
      MATERIA_SSHD: '/nonexistent/sshd',
    })
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toBe(
      'npm test needs chromium (/nonexistent/chromium), sshd (/nonexistent/sshd), ssh (ssh), sftp (sftp), ' +
        'ssh-keygen (ssh-keygen): run `sudo apt-get install chromium openssh-server openssh-client` ' +
        '(or point MATERIA_CHROMIUM / MATERIA_SSHD at them)\n',
    )
  })

  it('names only what is missing', () => {
    const env = { ...process.env, MATERIA_SSHD: '/nonexistent/sshd' }
    expect(missingTools(env).map((tool) => tool.name)).toEqual(['sshd'])
    expect(checkPrerequisites(env, false).message).toMatch(
      /^npm test needs sshd \(\/nonexistent\/sshd\): run `sudo apt-get install openssh-server`/,
    )
  })
})
