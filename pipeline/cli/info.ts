// materia info: the project, its database file, model count and environments.
import { databasePath, listEnvironments } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { clock, defaultEnvironment, openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'
import { toJson } from './table-format.ts'

const { usage } = commands.info

export const infoCommand: Command = {
  name: 'info',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['json'] }, usage)
    const { project, db } = await openSession(args.options.project, context, { readOnly: 'when-present' })
    try {
      const environments = await listEnvironments(db, clock(context.env))
      const kinds: Record<string, number> = {}
      for (const model of project.models.values()) kinds[model.kind.name] = (kinds[model.kind.name] ?? 0) + 1
      const info = {
        project: project.config.name,
        root: project.root,
        gateway: project.config.defaultGateway,
        database: databasePath(project.config),
        models: project.models.size,
        kinds,
        defaultEnvironment: defaultEnvironment(project, context.env),
        environments: environments.map((environment) => ({
          name: environment.name,
          models: environment.models,
        })),
      }
      if (args.flags.has('json')) {
        context.stdout.write(`${toJson(info)}\n`)
        return 0
      }
      const kindText = Object.entries(kinds)
        .map(([kind, count]) => `${count} ${kind}`)
        .join(', ')
      const environmentText =
        environments.map((environment) => `${environment.name} (${environment.models})`).join(', ') || 'none'
      context.stdout.write(
        `${[
          `project       ${info.project} (${info.root})`,
          `gateway       ${info.gateway}: ${info.database}`,
          `models        ${info.models} (${kindText})`,
          `default env   ${info.defaultEnvironment}`,
          `environments  ${environmentText}`,
        ].join('\n')}\n`,
      )
      return 0
    } finally {
      db.close()
    }
  },
}
