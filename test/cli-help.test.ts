// Goal: help is printed from the command table alone: `materia --help` lists every command and
// `materia <command> --help` prints its usage, notes and summary, neither loading a command's module
// nor DuckDB's native library; a name that is not a command (an Object.prototype key included) is
// refused with the list's hint. Method: `main` in-process for the texts; bin/materia.js as a real
// child with a preload that reports every native library load (process.dlopen), checked first on a
// child that does load DuckDB.
import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { commands } from '../pipeline/cli/commands.ts'
import { runMain } from '../pipeline/cli/testing/cli-run.ts'

const repository = join(import.meta.dirname, '..')
const temporary = mkdtempSync(join(tmpdir(), 'materia-cli-help-'))
afterAll(() => rmSync(temporary, { recursive: true, force: true }))

const preload = join(temporary, 'report-dlopen.cjs')
writeFileSync(
  preload,
  `const dlopen = process.dlopen
process.dlopen = function (...args) {
  process.stderr.write('dlopen ' + args[1] + '\\n')
  return dlopen.apply(this, args)
}
`,
)

async function node(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--require', preload, ...args], {
    cwd: repository,
    env: { PATH: process.env.PATH },
  })
  return { stdout, stderr }
}

describe('materia help', () => {
  it('prints a command usage, notes and summary from the table', async () => {
    const run = await runMain(['plan', '--help'], { cwd: temporary, env: {} })
    expect(run.code).toBe(0)
    expect(run.stderr).toBe('')
    const [usage, notes, summary] = run.stdout.split('\n\n')
    expect(usage).toBe(`usage: ${commands.plan.usage}`)
    expect(usage).toMatch(/^usage: materia plan \[ENV\] .*--rerun-tests\]$/)
    expect(notes).toMatch(/^ENV defaults to MATERIA_ENV/)
    expect(summary).toBe(`${commands.plan.summary}\n`)

    const list = await runMain(['--help'], { cwd: temporary, env: {} })
    expect(list.code).toBe(0)
    for (const [name, entry] of Object.entries(commands)) {
      expect(list.stdout).toMatch(new RegExp(`^  ${name} +`, 'm'))
      expect(list.stdout).toContain(entry.summary)
    }
  })

  it('refuses a name that is not a command, also one Object.prototype holds', async () => {
    for (const name of ['constructor', 'toString', 'plann']) {
      const run = await runMain([name, '--help'], { cwd: temporary, env: {} })
      expect(run.code).toBe(2)
      expect(run.stdout).toBe('')
      expect(run.stderr).toBe(`materia: unknown command "${name}"; run materia --help for the list\n`)
    }
  })

  it('loads no native library for help, while a DuckDB client does', async () => {
    const control = await node(['--input-type=module', '-e', "await import('@duckdb/node-api')"])
    expect(control.stderr).toMatch(/^dlopen .*duckdb.*\.node$/m)

    const list = await node([join(repository, 'bin', 'materia.js'), '--help'])
    expect(list.stdout).toMatch(/^BeanFlows Materia/)
    expect(list.stderr).toBe('')
    for (const name of ['plan', 'query', 'workbench']) {
      const help = await node([join(repository, 'bin', 'materia.js'), name, '--help'])
      expect(help.stdout).toMatch(new RegExp(`^usage: materia ${name} `))
      expect(help.stderr).toBe('')
    }
  })
})
