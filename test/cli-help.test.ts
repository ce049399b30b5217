// Goal: help is printed from the command table alone: `materia --help` lists every command and
// `materia <command> --help` prints its usage, notes and summary, neither loading a command's module
// nor DuckDB's native library; a name that is not a command (an Object.prototype key included) is
// refused with the list's hint. bin/materia.js prints the help the build recorded (cli.ts
// recordedRuns) byte for byte as the sources do, with the same exit code, and never a stale one: an
// edit to a command's summary or to a limit its notes quote shows at the next start. Method: `main`
// in-process for the texts; bin/materia.js as a real child with a preload that reports every native
// library load (process.dlopen), checked first on a child that does load DuckDB; the same with
// MATERIA_TSX=1 (the sources through tsx); a copy of pipeline/ and server/ in a temp tree whose
// node_modules links each real package, edited between starts.
import { execFile } from 'node:child_process'
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'
import { commands } from '../pipeline/cli/commands.ts'
import { type Run, runMain } from '../pipeline/cli/testing/cli-run.ts'
import { recordedRuns } from '../pipeline/cli.ts'
import { tableTtlMs } from '../pipeline/limits.ts'

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

// `root`/bin/materia.js with these arguments; MATERIA_TSX=1 with `tsx`.
async function materia(root: string, argv: readonly string[], tsx = false): Promise<Run> {
  const env = tsx ? { PATH: process.env.PATH, MATERIA_TSX: '1' } : { PATH: process.env.PATH }
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin', 'materia.js'), ...argv],
      { cwd: temporary, env },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
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

  it('prints the recorded help as the sources do, with their exit code', async () => {
    const runs = recordedRuns()
    for (const argv of [[], ['--help'], ['-h'], ['help']]) expect(runs).toContainEqual(argv)
    for (const name of Object.keys(commands)) {
      expect(runs).toContainEqual([name, '--help'])
      expect(runs).toContainEqual([name, '-h'])
    }
    // A sample of the records (a start each costs a Node start).
    for (const argv of [
      [],
      ['--help'],
      ['-h'],
      ['help'],
      ['plan', '-h'],
      ['janitor', '--help'],
      ['query', '--help'],
    ]) {
      const sources = await runMain(argv, { cwd: temporary, env: {} })
      expect(sources.stderr).toBe('')
      expect(await materia(repository, argv)).toEqual(sources)
    }
    for (const argv of [[], ['--help'], ['query', '--help']]) {
      const compiled = await materia(repository, argv)
      expect(compiled.code).toBe(argv.length === 0 ? 2 : 0)
      expect(await materia(repository, argv, true)).toEqual(compiled)
    }
  })

  it('prints help from the current sources after an edit to a summary or a limit', async () => {
    const tree = join(temporary, 'tree')
    for (const folder of ['bin', 'pipeline', 'server']) {
      cpSync(join(repository, folder), join(tree, folder), { recursive: true })
    }
    mkdirSync(join(tree, 'node_modules'))
    for (const name of readdirSync(join(repository, 'node_modules'))) {
      if (name !== '.cache')
        symlinkSync(join(repository, 'node_modules', name), join(tree, 'node_modules', name))
    }
    const list = await materia(tree, ['--help'])
    expect(list).toEqual(await materia(repository, ['--help']))

    const edit = (path: string, before: string, after: string) => {
      const text = readFileSync(join(tree, path), 'utf8')
      expect(text).toContain(before)
      writeFileSync(join(tree, path), text.replace(before, after))
    }
    const days = tableTtlMs / 86_400_000
    expect((await materia(tree, ['janitor', '-h'])).stdout).toContain(`kept ${days} days`)
    edit('pipeline/limits.ts', 'export const tableTtlMs = ', 'export const tableTtlMs = 2 * ')
    expect((await materia(tree, ['janitor', '-h'])).stdout).toContain(`kept ${2 * days} days`)

    const summary = commands.lint.summary
    edit('pipeline/cli/commands.ts', summary, 'check models for style')
    const edited = await materia(tree, ['--help'])
    expect(edited.stdout).toMatch(/^ {2}lint +check models for style$/m)
    expect(edited.stdout).not.toContain(summary)
    expect(edited.stdout.replace(/check models for style/, summary)).toBe(list.stdout)
    expect((await materia(tree, ['lint', '--help'])).stdout).toBe(
      `usage: ${commands.lint.usage}\n\ncheck models for style\n`,
    )
  })
})
