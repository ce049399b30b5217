// Small option parsing shared by the build commands: `--name value`, `--name=value` and flags.
import { existsSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { MateriaError } from '../errors.ts'

export function parseOptions(
  argv: readonly string[],
  valued: readonly string[],
  flags: readonly string[],
  usage: string,
): { values: Map<string, string>; flags: Set<string> } {
  const values = new Map<string, string>()
  const seen = new Set<string>()
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index]!
    const [name, inline] = argument.split(/=(.*)/s, 2) as [string, string | undefined]
    if (flags.includes(name) && inline === undefined) {
      seen.add(name)
      continue
    }
    if (!valued.includes(name)) throw new MateriaError('usage', `unknown option ${argument}; usage: ${usage}`)
    const value = inline ?? argv[++index]
    if (value === undefined || value === '')
      throw new MateriaError('usage', `${name} needs a value; usage: ${usage}`)
    values.set(name, value)
  }
  return { values, flags: seen }
}

/** The project root: --project, else the cwd if it holds materia.yaml, else ./sql. */
export function projectRootOf(cwd: string, option: string | undefined): string {
  if (option !== undefined) return resolve(cwd, option)
  return existsSync(join(cwd, 'materia.yaml')) ? cwd : join(cwd, 'sql')
}
