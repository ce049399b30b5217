// Goal: pin how every command splits its argv (positionals, --name value, --name=value, flags) and
// the one-line usage errors, now that node:util parseArgs does the splitting; an argument past a
// command's count is refused alike by every command (doctor, info, validate... took one in silence).
// Method: call parseArguments directly with good and bad argv and compare the results and messages;
// then every command through the real main with one argument too many.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it, onTestFinished } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { commands } from './commands.ts'
import { type ArgumentSpec, parseArguments } from './project-option.ts'
import { runMain } from './testing/cli-run.ts'

const usage = 'materia plan [ENV] [--select MODEL] [--auto-apply]'
const spec = { options: ['select', 'start'], flags: ['auto-apply'], positionals: 3 }

function failure(argv: readonly string[], given: ArgumentSpec = spec): string {
  try {
    parseArguments(argv, given, usage)
  } catch (error) {
    if (isMateriaError(error)) return `${error.code}: ${error.message}`
    throw error
  }
  throw new Error(`${argv.join(' ')} parsed without an error`)
}

describe('parseArguments', () => {
  it('splits positionals, options in both spellings, flags and --project anywhere', () => {
    const parsed = parseArguments(
      ['dev', '--select', 'serving.obt', '--auto-apply', '--start=2024-01-01', 'extra', '--project', 'sql'],
      spec,
      usage,
    )
    expect(parsed.positionals).toEqual(['dev', 'extra'])
    expect(parsed.options).toEqual({ select: 'serving.obt', start: '2024-01-01', project: 'sql' })
    expect([...parsed.flags]).toEqual(['auto-apply'])
  })

  it('keeps an option value that starts with one dash, an empty inline value and the last repeat', () => {
    const parsed = parseArguments(['--start', '-1', '--select=', '--select', 'b'], spec, usage)
    expect(parsed.options).toEqual({ start: '-1', select: 'b' })
    expect(parseArguments(['--select='], spec, usage).options).toEqual({ select: '' })
  })

  it('keeps single-dash arguments as positionals, once each', () => {
    expect(parseArguments(['-5', '-abc', '-'], spec, usage).positionals).toEqual(['-5', '-abc', '-'])
  })

  it("refuses a positional past the command's count, naming it, in one line with the usage", () => {
    expect(failure(['a', 'b', 'c', 'd'])).toBe(`usage: unexpected argument d; usage: ${usage}`)
    expect(failure(['dev'], { flags: ['json'] })).toBe(`usage: unexpected argument dev; usage: ${usage}`)
    expect(failure(['-abc'], {})).toBe(`usage: unexpected argument -abc; usage: ${usage}`)
    expect(failure(['dev', 'x'], { positionals: 1, tooMany: 'give at most one environment' })).toBe(
      `usage: give at most one environment; usage: ${usage}`,
    )
    const names = Array.from({ length: 50 }, (_, index) => `test_${index}`)
    expect(parseArguments(names, { positionals: Number.POSITIVE_INFINITY }, usage).positionals).toEqual(names)
  })

  it('names an unknown option, with its value, in one line with the usage', () => {
    expect(failure(['dev', '--selct', 'x'])).toBe(`usage: unknown option --selct; usage: ${usage}`)
    expect(failure(['--selct=x'])).toBe(`usage: unknown option --selct=x; usage: ${usage}`)
    expect(failure(['--auto-apply=yes'])).toBe(`usage: unknown option --auto-apply=yes; usage: ${usage}`)
    expect(failure(['--', 'dev'])).toBe(`usage: unknown option --; usage: ${usage}`)
  })

  it('says which option needs a value when it is last or followed by another option', () => {
    expect(failure(['--select'])).toBe(`usage: --select needs a value; usage: ${usage}`)
    expect(failure(['--select', '--auto-apply'])).toBe(`usage: --select needs a value; usage: ${usage}`)
    expect(failure(['dev', '--project'])).toBe(`usage: --project needs a value; usage: ${usage}`)
  })
})

// Every command that takes a fixed number of positionals, given one more: the same line from the
// one parser, before any project, database or network is touched (the folder has no project).
describe('an argument too many, through the real main', () => {
  it('is refused by every command alike, naming the argument, with exit 1 and nothing on stdout', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'materia-arguments-'))
    onTestFinished(() => rmSync(cwd, { recursive: true, force: true }))
    const unexpected = (name: keyof typeof commands, ...valid: string[]) => ({
      argv: [name, ...valid, 'extra'],
      stderr: `materia ${name}: unexpected argument extra; usage: ${commands[name].usage}\n`,
    })
    const cases = [
      unexpected('audit', 'prod', 'serving.x'),
      unexpected('dag'),
      unexpected('dashboards', 'build'),
      unexpected('doctor'),
      unexpected('environments'),
      unexpected('extract', 'psd'),
      unexpected('info'),
      unexpected('invalidate', 'dev_x'),
      unexpected('janitor'),
      unexpected('lineage', 'serving.x.y'),
      unexpected('lint'),
      unexpected('pipeline', 'run', 'all'),
      unexpected('render', 'serving.x'),
      unexpected('site', 'build'),
      unexpected('site', 'serve'),
      unexpected('start'),
      unexpected('supervisor'),
      unexpected('table-diff', 'dev_x:prod', 'serving.x'),
      unexpected('validate'),
      unexpected('version'),
      unexpected('worker', 'destroy', '1'),
      {
        argv: ['plan', 'dev_x', 'extra'],
        stderr: `materia plan: give at most one environment; usage: ${commands.plan.usage}\n`,
      },
      {
        argv: ['run', 'dev_x', 'extra'],
        stderr: `materia run: give at most one environment; usage: ${commands.run.usage}\n`,
      },
      {
        argv: ['query', 'select', '1'],
        stderr: `materia query: give one quoted SQL query; usage: ${commands.query.usage}\n`,
      },
      {
        argv: ['init', join(cwd, 'a'), 'extra'],
        stderr: `materia init: give at most one DIR; usage: ${commands.init.usage}\n`,
      },
    ]
    for (const { argv, stderr } of cases) {
      const run = await runMain(argv, { cwd, env: {} })
      expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }, argv.join(' ')).toEqual({
        code: 1,
        stdout: '',
        stderr,
      })
    }
    expect(readdirSync(cwd)).toEqual([])
  })
})
