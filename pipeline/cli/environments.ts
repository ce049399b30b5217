// materia environments: every environment with its model count, last plan and expiry.
import { listEnvironments } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { clock, openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'
import { formatTable, toJson } from './table-format.ts'

const { usage } = commands.environments

export const environmentsCommand: Command = {
  name: 'environments',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['json'] }, usage)
    const { db } = await openSession(args.options.project, context, { readOnly: 'when-present' })
    try {
      const list = await listEnvironments(db, clock(context.env))
      if (args.flags.has('json')) context.stdout.write(`${toJson(list)}\n`)
      else if (list.length === 0)
        context.stdout.write('no environments yet; run materia plan to create one\n')
      else {
        const rows = list.map((row) => [
          row.name,
          row.models,
          row.updatedAt,
          row.expiresAt ?? 'never',
          row.expired ? 'expired' : 'live',
        ])
        context.stdout.write(
          `${formatTable(['environment', 'models', 'updated', 'expires', 'status'], rows)}\n`,
        )
      }
      return 0
    } finally {
      db.close()
    }
  },
}
