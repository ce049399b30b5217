// materia start: the main job. Lands the bundled snapshot on a fresh clone, applies the project to
// prod and prints the home report (top coffee producers, world balance).
import { MateriaError } from '../errors.ts'
import { runMainJob } from '../main-job.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.start

export const startCommand: Command = {
  name: 'start',
  async run(argv, context) {
    const args = parseArguments(argv, {}, usage)
    if (args.positionals.length > 0) {
      throw new MateriaError('usage', `unexpected argument ${args.positionals[0]}; usage: ${usage}`)
    }
    await runMainJob({
      projectRoot: resolveProjectRoot(args.options.project, context.cwd),
      stdout: context.stdout,
      env: context.env,
    })
    return 0
  },
}
