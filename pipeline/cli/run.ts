// materia run [ENV]: evaluate the intervals that are due now, then exit (for cron / schedulers).
import { applyPlan, buildRunPlan } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { clock, defaultEnvironment, openSession } from './engine-session.ts'
import { planHooks } from './plan-hooks.ts'
import { progressReporter } from './progress.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.run

export const runCommand: Command = {
  name: 'run',
  async run(argv, context) {
    const args = parseArguments(
      argv,
      { flags: ['ignore-cron'], positionals: 1, tooMany: 'give at most one environment' },
      usage,
    )
    const { project, db } = await openSession(args.options.project, context)
    try {
      const environment = args.positionals[0] ?? defaultEnvironment(project, context.env)
      const plan = await buildRunPlan(db, project, {
        environment,
        now: clock(context.env),
        ignoreCron: args.flags.has('ignore-cron'),
      })
      for (const warning of plan.warnings) context.stderr.write(`warning: ${warning}\n`)
      if (plan.empty) {
        context.stdout.write(`${environment}: nothing is due\n`)
        return 0
      }
      const result = await applyPlan(db, project, plan, {
        onEvent: progressReporter(context.stdout, context.isTTY),
        ...(planHooks.auditOptions?.(project) ?? {}),
      })
      context.stdout.write(
        `${environment}: ${result.modelsBuilt} model(s) evaluated, ${result.rowsWritten} row(s) written\n`,
      )
      return 0
    } finally {
      db.close()
    }
  },
}
