// Options shared by the commands that work on a transform project. The project is the folder
// holding materia.yaml: `--project DIR`, else the current directory if it holds materia.yaml, else
// ./sql (this repository's layout).
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MateriaError } from '../errors.ts'

export interface ParsedArguments {
  readonly positionals: readonly string[]
  readonly options: Readonly<Record<string, string>> // --name value or --name=value
  readonly flags: ReadonlySet<string> // --name
}

// Splits argv into positionals, options taking a value and flags; anything else is a usage error.
export function parseArguments(
  argv: readonly string[],
  spec: { readonly options?: readonly string[]; readonly flags?: readonly string[] },
  usage: string,
): ParsedArguments {
  const allowedOptions = new Set(['project', ...(spec.options ?? [])])
  const allowedFlags = new Set(spec.flags ?? [])
  const positionals: string[] = []
  const options: Record<string, string> = {}
  const flags = new Set<string>()
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!
    if (!argument.startsWith('--')) {
      positionals.push(argument)
      continue
    }
    const [name, inline] = argument.slice(2).split(/=(.*)/s, 2) as [string, string | undefined]
    if (allowedFlags.has(name) && inline === undefined) {
      flags.add(name)
    } else if (allowedOptions.has(name)) {
      const value = inline ?? argv[index + 1]
      if (value === undefined || (inline === undefined && value.startsWith('--'))) {
        throw new MateriaError('usage', `--${name} needs a value; usage: ${usage}`)
      }
      if (inline === undefined) index += 1
      options[name] = value
    } else {
      throw new MateriaError('usage', `unknown option ${argument}; usage: ${usage}`)
    }
  }
  return { positionals, options, flags }
}

export function resolveProjectRoot(option: string | undefined, cwd: string): string {
  if (option !== undefined) return resolve(cwd, option)
  if (existsSync(join(cwd, 'materia.yaml'))) return cwd
  return resolve(cwd, 'sql')
}
