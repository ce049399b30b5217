// Goal: bin/materia.js runs a bundle built from the current sources, never a stale one: an edit to a
// lazily imported file is seen on the next start, a touch that keeps the bytes reuses the bundle, two
// trees sharing one node_modules each run their own sources, import.meta names the source file, and
// a source that does not compile is one line per error with file:line and exit 1. A run the entry
// names in recordedRuns prints what the build recorded (without loading the bundle) with its exit
// code, recorded anew after an edit to the entry's sources, and not at all when the entry imports a
// package. Method: small temp repositories holding copies of bin/ and a few-file pipeline/cli.ts,
// their node_modules linking the real esbuild; each start is a real `node` child. To tell a record
// from a run of the bundle, a test overwrites the bundle's entry chunk with one that prints otherwise.
import { execFile } from 'node:child_process'
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, describe, expect, it } from 'vitest'

const repository = join(import.meta.dirname, '..')
const temporary = mkdtempSync(join(tmpdir(), 'materia-cli-build-'))

afterAll(() => rmSync(temporary, { recursive: true, force: true }))

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

const cli = `export async function main(argv: readonly string[]): Promise<number> {
  const { word } = await import('./cli/word.ts')
  process.stdout.write(\`\${word()} \${import.meta.url}\\n\`)
  return argv.length
}
`

function sourceTree(name: string, modules: string): string {
  const root = join(temporary, name)
  for (const file of ['materia.js', 'cli-build.js', 'package.json']) {
    mkdirSync(join(root, 'bin'), { recursive: true })
    copyFileSync(join(repository, 'bin', file), join(root, 'bin', file))
  }
  write(root, 'pipeline/cli.ts', cli)
  write(root, 'pipeline/cli/word.ts', "export const word = (): string => 'one'\n")
  mkdirSync(modules, { recursive: true })
  symlinkSync(join(root, '..', 'node_modules'), join(root, 'node_modules'))
  return root
}

async function start(
  root: string,
  argv: readonly string[] = [],
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      [join(root, 'bin', 'materia.js'), ...argv],
      {
        env: { PATH: process.env.PATH },
      },
    )
    return { code: 0, stdout, stderr }
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string }
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr }
  }
}

const bundles = (modules: string) =>
  readdirSync(join(modules, '.cache', 'materia-cli')).filter((name) => !name.startsWith('manifest-'))

// Replaces the entry chunk of every bundle in the cache with one whose main prints "bundle ran".
function overwriteEntryChunks(modules: string): void {
  for (const bundle of bundles(modules)) {
    const chunk = join(modules, '.cache', 'materia-cli', bundle, 'cli.js')
    writeFileSync(chunk, "export const main = () => (process.stdout.write('bundle ran\\n'), 0)\n")
  }
}

// An entry that records `materia`, `materia --help` and `materia word --help`: the list prints the
// description from a statically imported file and exits 2 like the real command list, the rest load
// the lazily imported word.ts. Like the real main, it writes to the context's stdout, which the build
// captures. \`header\` goes before everything in cli.ts.
const recordingCli = (header: string) => `${header}import { description } from './cli/table.ts'
export const recordedRuns = (): string[][] => [[], ['--help'], ['word', '--help']]
export const loadsCommand = (argv: readonly string[]): boolean => !argv.includes('--help') && argv.length > 0
export async function main(
  argv: readonly string[],
  context?: { stdout: NodeJS.WritableStream },
): Promise<number> {
  if (!loadsCommand(argv)) {
    ;(context?.stdout ?? process.stdout).write(\`usage: \${description}\\n\`)
    return argv.length === 0 ? 2 : 0
  }
  const { word } = await import('./cli/word.ts')
  process.stdout.write(\`\${word()}\\n\`)
  return 0
}
`

describe('bin/materia.js', () => {
  // The trees' node_modules link to one folder named node_modules, so that the bundle in its cache
  // finds a package the way the real one does.
  const modules = join(temporary, 'node_modules')
  mkdirSync(modules, { recursive: true })
  symlinkSync(join(repository, 'node_modules', 'esbuild'), join(modules, 'esbuild'))

  it('rebuilds on a changed source, reuses the bundle on a touch, and keeps trees apart', async () => {
    const first = sourceTree('first', modules)
    const started = await start(first)
    expect(started.stderr).toBe('')
    expect(started.stdout).toBe(`one file://${join(first, 'pipeline', 'cli.ts')}\n`)
    expect(bundles(modules)).toHaveLength(1)

    const later = new Date(Date.now() + 5_000)
    utimesSync(join(first, 'pipeline/cli/word.ts'), later, later)
    expect((await start(first)).stdout).toMatch(/^one /)
    expect(bundles(modules)).toHaveLength(1)

    write(first, 'pipeline/cli/word.ts', "export const word = (): string => 'two'\n")
    expect((await start(first)).stdout).toMatch(/^two /)
    expect(bundles(modules)).toHaveLength(2)

    // A second tree whose node_modules is the same folder: same file names, other sources.
    const second = sourceTree('second', modules)
    write(second, 'pipeline/cli/word.ts', "export const word = (): string => 'three'\n")
    expect((await start(second)).stdout).toBe(`three file://${join(second, 'pipeline', 'cli.ts')}\n`)
    expect((await start(first)).stdout).toMatch(/^two /)
  })

  it('checks only the entry chunk sources for a start that loads no command', async () => {
    const help = sourceTree('help', modules)
    write(
      help,
      'pipeline/cli.ts',
      `export function loadsCommand(argv: readonly string[]): boolean {
  return argv[0] !== '--help'
}
${cli.replace('export async function main(argv: readonly string[]): Promise<number> {', "export async function main(argv: readonly string[]): Promise<number> {\n  if (!loadsCommand(argv)) {\n    process.stdout.write('help one\\n')\n    return 0\n  }")}`,
    )
    expect((await start(help, ['--help'])).stdout).toBe('help one\n')
    expect((await start(help)).stdout).toMatch(/^one /)
    const built = bundles(modules).length

    // An edit to the lazily imported file: the help start runs the current bundle as it is, the
    // next start that loads the file rebuilds first.
    write(help, 'pipeline/cli/word.ts', "export const word = (): string => 'four'\n")
    expect((await start(help, ['--help'])).stdout).toBe('help one\n')
    expect(bundles(modules)).toHaveLength(built)
    expect((await start(help)).stdout).toMatch(/^four /)
    expect(bundles(modules)).toHaveLength(built + 1)

    // An edit to the entry: the help start rebuilds.
    const entry = join(help, 'pipeline', 'cli.ts')
    write(help, 'pipeline/cli.ts', readFileSync(entry, 'utf8').replace('help one', 'help two'))
    expect((await start(help, ['--help'])).stdout).toBe('help two\n')
    expect(bundles(modules)).toHaveLength(built + 2)
  })

  it('prints a recorded run without the bundle, recorded anew after an edit to the entry sources', async () => {
    const recording = sourceTree('recording', modules)
    write(recording, 'pipeline/cli.ts', recordingCli(''))
    write(recording, 'pipeline/cli/table.ts', "export const description = 'lists words'\n")
    expect(await start(recording, ['--help'])).toEqual({
      code: 0,
      stdout: 'usage: lists words\n',
      stderr: '',
    })

    overwriteEntryChunks(modules)
    expect(await start(recording, ['--help'])).toEqual({
      code: 0,
      stdout: 'usage: lists words\n',
      stderr: '',
    })
    expect(await start(recording, ['word', '--help'])).toEqual({
      code: 0,
      stdout: 'usage: lists words\n',
      stderr: '',
    })
    expect(await start(recording)).toEqual({ code: 2, stdout: 'usage: lists words\n', stderr: '' })
    // Not recorded: the bundle runs.
    expect((await start(recording, ['--help', 'word'])).stdout).toBe('bundle ran\n')
    expect((await start(recording, ['word'])).stdout).toBe('bundle ran\n')

    // A touch keeps the record; an edit to the statically imported table is printed at once.
    const table = join(recording, 'pipeline', 'cli', 'table.ts')
    const later = new Date(Date.now() + 5_000)
    utimesSync(table, later, later)
    expect((await start(recording, ['--help'])).stdout).toBe('usage: lists words\n')
    write(recording, 'pipeline/cli/table.ts', "export const description = 'lists more words'\n")
    expect((await start(recording, ['--help'])).stdout).toBe('usage: lists more words\n')
    overwriteEntryChunks(modules)
    expect((await start(recording, ['word', '--help'])).stdout).toBe('usage: lists more words\n')

    // An entry that imports a package gets no record: its output may change with the package.
    write(recording, 'pipeline/cli.ts', recordingCli("import { version } from 'esbuild'\nvoid version\n"))
    expect(await start(recording, ['--help'])).toEqual({
      code: 0,
      stdout: 'usage: lists more words\n',
      stderr: '',
    })
    overwriteEntryChunks(modules)
    expect((await start(recording, ['--help'])).stdout).toBe('bundle ran\n')
  })

  it('reports a source that does not compile in one line per error and exits 1', async () => {
    const broken = sourceTree('broken', modules)
    write(broken, 'pipeline/cli/word.ts', "export const word = (): string => 'one\n")
    const started = await start(broken)
    expect(started.code).toBe(1)
    expect(started.stdout).toBe('')
    const lines = started.stderr.trim().split('\n')
    expect(lines[0]).toMatch(
      /^materia: cannot compile pipeline\/cli\/word\.ts:1: Unterminated string literal$/,
    )
    expect(lines.at(-1)).toBe('fix the source above, or run with MATERIA_TSX=1 to load it through tsx')
    expect(started.stderr).not.toContain('    at ')
  })
})
