// Goal: pin how every command splits its argv (positionals, --name value, --name=value, flags) and
// the one-line usage errors, now that node:util parseArgs does the splitting.
// Method: call parseArguments directly with good and bad argv and compare the results and messages.
import { describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { parseArguments } from './project-option.ts'

const usage = 'materia plan [ENV] [--select MODEL] [--auto-apply]'
const spec = { options: ['select', 'start'], flags: ['auto-apply'] }

function failure(argv: readonly string[]): string {
  try {
    parseArguments(argv, spec, usage)
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
