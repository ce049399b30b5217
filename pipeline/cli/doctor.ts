// materia doctor: compares state with the database (every table a snapshot names, with its recorded
// columns; every view of each live environment) and lists what is apart. Exit 1 when anything is;
// `materia plan ENV` repairs it.
import { checkState, readState } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { clock, openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'
import { toJson } from './table-format.ts'

const { usage } = commands.doctor

export const doctorCommand: Command = {
  name: 'doctor',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['json'] }, usage)
    const { db } = await openSession(args.options.project, context, { readOnly: true })
    try {
      const state = await readState(db)
      const drift = await checkState(db, state, clock(context.env))
      if (args.flags.has('json')) {
        context.stdout.write(`${toJson(drift)}\n`)
        return drift.length === 0 ? 0 : 1
      }
      if (drift.length === 0) {
        const views = [...state.environments.values()].reduce(
          (sum, environment) => sum + environment.models.size,
          0,
        )
        context.stdout.write(
          `state and database agree: ${state.snapshots.size} table(s), ${views} environment view(s) in ${state.environments.size} environment(s)\n`,
        )
        return 0
      }
      for (const item of drift) context.stdout.write(`${item.message}\n`)
      const environments = [
        ...new Set(drift.flatMap((item) => (item.kind === 'view_missing' ? [item.environment] : []))),
      ]
      const hint =
        environments.length === 0
          ? 'materia plan ENV'
          : environments.map((name) => `materia plan ${name}`).join(', ')
      context.stderr.write(`${drift.length} problem(s) between state and database; ${hint} repairs them\n`)
      return 1
    } finally {
      db.close()
    }
  },
}
