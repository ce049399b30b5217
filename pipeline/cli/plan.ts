// materia plan [ENV]: what changed, what it means downstream, what will be built; then, with
// consent, apply. Never applies without --auto-apply or a "y" on a terminal.
import { createInterface } from 'node:readline/promises'
import {
  applyPlan,
  auditFailureMessage,
  buildPlan,
  checkPlanOptions,
  environmentView,
  runStandaloneAudits,
  validateEnvironmentName,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command, CommandContext } from './command.ts'
import { commands } from './commands.ts'
import { clock, defaultEnvironment, openSession, parseDayOption } from './engine-session.ts'
import { formatPlan } from './plan-format.ts'
import { planHooks } from './plan-hooks.ts'
import { progressReporter } from './progress.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.plan

async function confirm(question: string): Promise<boolean> {
  const reader = createInterface({ input: process.stdin, output: process.stdout })
  try {
    const answer = await reader.question(question)
    return /^y(es)?$/i.test(answer.trim())
  } finally {
    reader.close()
  }
}

function splitList(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '')
}

export const planCommand: Command = {
  name: 'plan',
  async run(argv, context: CommandContext) {
    const args = parseArguments(
      argv,
      {
        options: ['select', 'start', 'end', 'restate'],
        flags: ['auto-apply', 'dry-run', 'json', 'skip-tests', 'rerun-tests'],
        positionals: 1,
        tooMany: 'give at most one environment',
      },
      usage,
    )
    // The arguments are checked before the unit tests run: a mistyped name fails at once.
    const named = args.positionals[0]
    if (named !== undefined) validateEnvironmentName(named)
    const start = parseDayOption(args.options.start, 'start', usage)
    const end = parseDayOption(args.options.end, 'end', usage)
    // A dry run only reads: it opens the file read-only, beside a running reader.
    const session = await openSession(args.options.project, context, {
      readOnly: args.flags.has('dry-run') ? 'when-present' : false,
    })
    for (const warning of session.project.warnings ?? []) context.stderr.write(`warning: ${warning}\n`)
    const { project, db } = session
    try {
      const environment = named ?? defaultEnvironment(project, context.env)
      const json = args.flags.has('json')
      const log = json ? context.stderr : context.stdout
      const planOptions = {
        environment,
        select: splitList(args.options.select),
        restate: splitList(args.options.restate),
        start,
        end,
        now: clock(context.env),
      }
      // --select and --restate name models: checked, with the rest, before the unit tests run.
      checkPlanOptions(project, planOptions)
      if (!args.flags.has('skip-tests') && planHooks.runTests !== null) {
        const tests = await planHooks.runTests(project, { rerun: args.flags.has('rerun-tests') })
        if (tests.failed > 0) {
          context.stderr.write(tests.report.endsWith('\n') ? tests.report : `${tests.report}\n`)
          throw new MateriaError(
            'test',
            `${tests.failed} unit test(s) failed; fix them or plan with --skip-tests`,
          )
        }
        const cached =
          tests.cached === 0 ? '' : ` (${tests.cached} unchanged since they passed; --rerun-tests runs them)`
        log.write(`unit tests: ${tests.passed} passed${cached}\n`)
      }
      for (const warning of (await planHooks.lintWarnings?.(project)) ?? []) log.write(`${warning}\n`)
      const plan = await buildPlan(db, project, planOptions)
      if (json) context.stdout.write(`${JSON.stringify(plan, null, 2)}\n`)
      else context.stdout.write(formatPlan(plan))
      if (plan.empty || args.flags.has('dry-run')) return 0
      if (!args.flags.has('auto-apply')) {
        if (!context.isTTY || json) {
          log.write(`not applied; to apply run: materia plan ${environment} --auto-apply\n`)
          return 0
        }
        if (!(await confirm(`apply this plan to ${environment}? [y/N] `))) {
          log.write('not applied\n')
          return 0
        }
      }
      const result = await applyPlan(db, project, plan, {
        onEvent: progressReporter(log, context.isTTY && !json),
        ...(planHooks.auditOptions?.(project) ?? {}),
      })
      log.write(
        `applied to ${environment}: ${result.modelsBuilt} model(s) built, ${result.rowsWritten} row(s) written, ${result.viewsChanged} view(s) switched\n`,
      )
      await reportStandaloneAudits(db.connection, project, environment, log)
      return 0
    } finally {
      db.close()
    }
  },
}

// Standalone audits run after the models they read are applied; they never block (audits.md).
async function reportStandaloneAudits(
  connection: Parameters<typeof runStandaloneAudits>[0],
  project: Parameters<typeof runStandaloneAudits>[1],
  environment: string,
  log: { write(text: string): unknown },
): Promise<void> {
  const resolve = (name: string) => {
    const model = project.models.get(name)
    return model === undefined ? null : environmentView(model.schema, model.table, environment)
  }
  try {
    for (const outcome of await runStandaloneAudits(connection, project, resolve)) {
      log.write(
        outcome.passed ? `standalone audit ${outcome.audit}: passed\n` : `${auditFailureMessage(outcome)}\n`,
      )
    }
  } catch (error) {
    if (!(error instanceof MateriaError)) throw error
    log.write(`standalone audits not run: ${error.message}\n`)
  }
}
