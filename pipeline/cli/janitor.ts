// materia janitor: remove expired dev environments and physical tables nothing shows anymore.
import { runJanitor } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { clock, openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.janitor

export const janitorCommand: Command = {
  name: 'janitor',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['ignore-ttl'] }, usage)
    const { db } = await openSession(args.options.project, context)
    try {
      const result = await runJanitor(db, {
        now: clock(context.env),
        ignoreTtl: args.flags.has('ignore-ttl'),
      })
      for (const name of result.environmentsRemoved) context.stdout.write(`removed environment ${name}\n`)
      for (const table of result.tablesDropped) context.stdout.write(`dropped ${table}\n`)
      context.stdout.write(
        `janitor: ${result.environmentsRemoved.length} environment(s) removed, ${result.tablesDropped.length} table(s) dropped\n`,
      )
      return 0
    } finally {
      db.close()
    }
  },
}
