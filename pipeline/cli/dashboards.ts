// `materia dashboards build`: renders dashboards/pages/**/*.md against an environment's models
// into a static folder (HTML per page plus local assets), swapped into place when complete.
import { join } from 'node:path'
import { buildDashboards } from '../dashboards/build.ts'
import { checkEnvironment, openBuildDatabase } from '../dashboards/database.ts'
import { pagesLabelOf } from '../dashboards/pages.ts'
import { requireEnvironment } from '../engine/index.ts'
import { parseBuildArguments } from './build-arguments.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'

const { usage } = commands.dashboards

export const dashboardsCommand: Command = {
  name: 'dashboards',
  async run(argv, context) {
    const { parsed, projectRoot, pagesDir, outDir } = parseBuildArguments(argv, context, {
      options: ['env', 'out', 'pages'],
      flags: ['public-only'],
      usage,
      defaultOut: join('out', 'dashboards'),
    })
    const environment = parsed.options.env ?? 'prod'
    checkEnvironment(environment)
    const startedMs = performance.now()
    const database = await openBuildDatabase(projectRoot, context.env)
    try {
      await requireEnvironment(database.database, environment, 'dashboard')
      const result = await buildDashboards({
        pagesDir,
        pagesLabel: pagesLabelOf(context.cwd, pagesDir),
        outDir,
        environment,
        publicOnly: parsed.flags.has('public-only'),
        runnerFor: database.runnerFor,
      })
      for (const note of result.notes) context.stderr.write(`note: ${note}\n`)
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
