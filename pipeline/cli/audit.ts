// materia audit [ENV] [MODEL]: runs models' audits on demand against an environment's views (prod
// at <schema>.<table>, others at <schema>__<env>.<table>). A lone argument with a dot is a model.
// Exits 1 when a blocking audit fails; non-blocking failures are printed and do not fail.

import {
  auditFailureMessage,
  environmentSchema,
  environmentView,
  type ModelAuditOutcome,
  requireEnvironment,
  runModelAudits,
  runStandaloneAudits,
  validateEnvironmentName,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { defaultEnvironment } from './engine-session.ts'
import { loadCommandProject, modelOrFail, openProjectDatabase } from './project-database.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.audit

export const auditCommand: Command = {
  name: 'audit',
  async run(argv, context) {
    const args = parseArguments(argv, { positionals: 2 }, usage)
    const project = await loadCommandProject(args.options.project, context)
    const [first, second] = args.positionals
    const firstIsModel = first !== undefined && second === undefined && first.includes('.')
    const environment = (firstIsModel ? undefined : first) ?? defaultEnvironment(project, context.env)
    const modelName = firstIsModel ? first : second
    const names = modelName === undefined ? project.order : [modelOrFail(project, modelName, usage).name]
    validateEnvironmentName(environment)
    const db = await openProjectDatabase(project)
    const outcomes: ModelAuditOutcome[] = []
    try {
      await requireEnvironment(db, environment, 'audit')
      for (const name of names) {
        const model = project.models.get(name)!
        const relation = environmentView(model.schema, model.table, environment)
        if (!(await viewExists(db.connection, model.schema, model.table, environment))) {
          if (modelName === undefined) continue
          throw new MateriaError(
            'audit',
            `environment ${environment} has no ${model.name}; run materia plan ${environment} first`,
          )
        }
        outcomes.push(...(await runModelAudits(db.connection, project, model, relation)))
      }
      // Standalone audits read models by name: each name points at the environment's view.
      if (modelName === undefined) {
        const resolve = (name: string) => {
          const model = project.models.get(name)
          return model === undefined ? null : environmentView(model.schema, model.table, environment)
        }
        outcomes.push(...(await runStandaloneAudits(db.connection, project, resolve)))
      }
    } finally {
      db.close()
    }
    for (const outcome of outcomes) {
      if (outcome.passed) context.stdout.write(`PASS ${outcome.model} ${outcome.audit}\n`)
      else context.stdout.write(`FAIL ${auditFailureMessage(outcome)}\n`)
    }
    const blocking = outcomes.filter((o) => o.blocking && !o.passed).length
    const warnings = outcomes.filter((o) => !o.blocking && !o.passed).length
    context.stdout.write(
      `${outcomes.length} audits in ${environment}: ${blocking} failed, ${warnings} non-blocking failed\n`,
    )
    return blocking === 0 ? 0 : 1
  },
}

async function viewExists(
  connection: Parameters<typeof runModelAudits>[0],
  schema: string,
  table: string,
  environment: string,
): Promise<boolean> {
  const viewSchema = environmentSchema(schema, environment)
  const reader = await connection.runAndReadAll(
    'SELECT count(*)::INTEGER AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = $2',
    [viewSchema, table],
  )
  return Number(reader.getRowObjectsJson()[0]?.n) > 0
}
