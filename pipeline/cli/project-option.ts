// Options shared by the commands that work on a transform project. The project is the folder
// holding materia.yaml: `--project DIR`, else the current directory if it holds materia.yaml, else
// ./sql (this repository's layout).
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'

export interface ParsedArguments {
  readonly positionals: readonly string[]
  readonly options: Readonly<Record<string, string>> // --name value or --name=value
  readonly flags: ReadonlySet<string> // --name
}

export interface ArgumentSpec {
  readonly options?: readonly string[]
  readonly flags?: readonly string[]
  // The most positionals the command takes (none when omitted; Infinity for a list of names).
  readonly positionals?: number
  // What to say of one positional too many, when the command knows better than "unexpected argument".
  readonly tooMany?: string
}

// Splits argv into positionals, options taking a value and flags with node:util parseArgs; anything
// else is a usage error naming the argument, and so is a positional past the command's count.
// parseArgs runs non-strict and its tokens are checked here, so the errors keep one line with the
// command's usage, and an argument with a single dash (a negative number, `-`) stays a positional.
export function parseArguments(argv: readonly string[], spec: ArgumentSpec, usage: string): ParsedArguments {
  const optionNames = ['project', ...(spec.options ?? [])]
  const flagNames = spec.flags ?? []
  const config: Record<string, { type: 'string' | 'boolean' }> = {}
  for (const name of flagNames) config[name] = { type: 'boolean' }
  for (const name of optionNames) {
    assert(config[name] === undefined, `--${name} is an option or a flag, not both`)
    config[name] = { type: 'string' }
  }
  const { tokens } = parseArgs({
    args: [...argv],
    options: config,
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const positionals: string[] = []
  const options: Record<string, string> = {}
  const flags = new Set<string>()
  let shortIndex = -1
  for (const token of tokens) {
    if (token.kind === 'positional') {
      positionals.push(token.value)
      continue
    }
    const argument = argv[token.index] ?? ''
    if (token.kind === 'option-terminator')
      throw new MateriaError('usage', `unknown option --; usage: ${usage}`)
    if (!token.rawName.startsWith('--')) {
      // -abc comes back as three tokens of one argument: keep the argument once, as a positional.
      if (token.index !== shortIndex) positionals.push(argument)
      shortIndex = token.index
      continue
    }
    const type = config[token.name]?.type
    if (type === 'boolean' && !token.inlineValue) {
      flags.add(token.name)
    } else if (type === 'string') {
      const value = token.value
      if (value === undefined || (!token.inlineValue && value.startsWith('--'))) {
        throw new MateriaError('usage', `--${token.name} needs a value; usage: ${usage}`)
      }
      options[token.name] = value
    } else {
      throw new MateriaError('usage', `unknown option ${argument}; usage: ${usage}`)
    }
  }
  const extra = positionals[spec.positionals ?? 0]
  if (extra !== undefined)
    throw new MateriaError('usage', `${spec.tooMany ?? `unexpected argument ${extra}`}; usage: ${usage}`)
  return { positionals, options, flags }
}

export function resolveProjectRoot(option: string | undefined, cwd: string): string {
  if (option !== undefined) return resolve(cwd, option)
  if (existsSync(join(cwd, 'materia.yaml'))) return cwd
  return resolve(cwd, 'sql')
}
