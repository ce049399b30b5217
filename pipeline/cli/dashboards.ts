// `materia dashboards build`: renders dashboards/pages/**/*.md against an environment's models
// into a static folder (HTML per page plus local assets), swapped into place when complete.
import { join, resolve } from 'node:path'
import { buildDashboards } from '../dashboards/build.ts'
import { checkEnvironment, openBuildDatabase } from '../dashboards/database.ts'
import { pagesLabelOf } from '../dashboards/pages.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const usage =
  'materia dashboards build [--env prod] [--out DIR] [--public-only] [--project DIR] [--pages DIR]'

export const dashboardsCommand: Command = {
  name: 'dashboards',
  summary: 'build the dashboard pages into a static folder',
  usage,
  async run(argv, context) {
    const parsed = parseArguments(argv, { options: ['env', 'out', 'pages'], flags: ['public-only'] }, usage)
    const [subcommand, ...extra] = parsed.positionals
    if (extra.length > 0)
      throw new MateriaError('usage', `unexpected argument "${extra[0]}"; usage: ${usage}`)
    if (subcommand !== 'build')
      throw new MateriaError('usage', `unknown subcommand "${subcommand ?? ''}"; usage: ${usage}`)
    const projectRoot = resolveProjectRoot(parsed.options.project, context.cwd)
    const pagesDir = resolve(
      context.cwd,
      parsed.options.pages ?? join(projectRoot, '..', 'dashboards', 'pages'),
    )
    const outDir = resolve(context.cwd, parsed.options.out ?? join('out', 'dashboards'))
    const environment = parsed.options.env ?? 'prod'
    checkEnvironment(environment)
    const startedMs = performance.now()
    const database = await openBuildDatabase(projectRoot, context.env)
    try {
      const result = await buildDashboards({
        pagesDir,
        pagesLabel: pagesLabelOf(context.cwd, pagesDir),
        outDir,
        environment,
        publicOnly: parsed.flags.has('public-only'),
        runnerFor: database.runnerFor,
      })
      const seconds = ((performance.now() - startedMs) / 1000).toFixed(2)
      context.stdout.write(
        `built ${result.pages.length} pages (${result.files} files) into ${outDir} in ${seconds} s\n`,
      )
      return 0
    } finally {
      database.close()
    }
  },
}
