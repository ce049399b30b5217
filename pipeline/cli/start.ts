// materia start: the main job. Lands the bundled snapshot on a fresh clone, applies the project to
// prod and prints the home report (top coffee producers, world balance).
import { runMainJob } from '../main-job.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.start

export const startCommand: Command = {
  name: 'start',
  async run(argv, context) {
    const args = parseArguments(argv, {}, usage)
    await runMainJob({
      projectRoot: resolveProjectRoot(args.options.project, context.cwd),
      stdout: context.stdout,
      env: context.env,
    })
    return 0
  },
}
