// materia janitor: remove expired dev environments and physical tables nothing shows anymore.
import { runJanitor } from '../engine/index.ts'
import { tableTtlMs } from '../limits.ts'
import type { Command } from './command.ts'
import { clock, openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'

const usage = 'materia janitor [--ignore-ttl] [--project DIR]'

export const janitorCommand: Command = {
  name: 'janitor',
  summary: 'drop expired dev environments and unused physical tables',
  usage: `${usage}\n\nUnused tables are kept ${tableTtlMs / 86_400_000} days unless --ignore-ttl; prod is never removed.`,
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
