// materia invalidate ENV: drop a dev environment's views now; the janitor removes the rest.
import { invalidateEnvironment } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { clock, openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.invalidate

export const invalidateCommand: Command = {
  name: 'invalidate',
  async run(argv, context) {
    const args = parseArguments(argv, { positionals: 1 }, usage)
    const [name] = args.positionals
    if (name === undefined) throw new MateriaError('usage', `give one environment; usage: ${usage}`)
    const { db } = await openSession(args.options.project, context)
    try {
      const views = await invalidateEnvironment(db, name, clock(context.env))
      context.stdout.write(
        `invalidated ${name}: ${views} view(s) dropped; materia janitor removes its state and unused tables\n`,
      )
      return 0
    } finally {
      db.close()
    }
  },
}
