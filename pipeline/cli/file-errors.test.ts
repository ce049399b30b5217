// Goal: a command that fails on the machine's file system (a file where a folder should be, a path
// through a file) says so in one line naming the call and the path, exits 1, and prints no stack.
// Method: materia init at such paths in a temp folder, through the real main.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { fileSystemProblem } from '../errors.ts'
import { runMain } from './testing/cli-run.ts'

const root = mkdtempSync(join(tmpdir(), 'materia-file-errors-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('file-system failures', () => {
  it('name the call, the path and what it means, in one line', async () => {
    const file = join(root, 'notes.txt')
    writeFileSync(file, 'an analyst note\n')
    const cases: [string, string][] = [
      [
        file,
        `materia init: mkdir ${file} failed: a file of that name is in the way (EEXIST); check the path and its permissions\n`,
      ],
      [
        join(file, 'project'),
        `materia init: mkdir ${join(file, 'project')} failed: a part of the path is a file, not a folder (ENOTDIR); check the path and its permissions\n`,
      ],
    ]
    for (const [target, stderr] of cases) {
      const run = await runMain(['init', target], { cwd: root, env: {} })
      expect(run.code, target).toBe(1)
      expect(run.stdout, target).toBe('')
      expect(run.stderr, target).toBe(stderr)
    }
    expect(existsSync(file)).toBe(true)
  })

  it('leave other errors alone: a bug still shows its stack', () => {
    expect(fileSystemProblem(new TypeError('x is undefined'))).toBeNull()
    expect(
      fileSystemProblem(Object.assign(new Error('odd'), { code: 'EINVAL', syscall: 'read', path: '/x' })),
    ).toBeNull()
  })
})
