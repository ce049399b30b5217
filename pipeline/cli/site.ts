// `materia site build`: the public BeanFlows site (landing, methodology, pricing, public dashboards)
// as a static folder. Paddle checkout is wired when PADDLE_CLIENT_TOKEN and PADDLE_PRICE_IDS are set.
import { join } from 'node:path'
import { openBuildDatabase } from '../dashboards/database.ts'
import { pagesLabelOf } from '../dashboards/pages.ts'
import { buildSite, paddleConfigFrom } from '../dashboards/site.ts'
import { parseBuildArguments } from './build-arguments.ts'
import type { Command } from './command.ts'

const usage = 'materia site build [--out DIR] [--project DIR] [--pages DIR]'

export const siteCommand: Command = {
  name: 'site',
  summary: 'build the public BeanFlows site',
  usage,
  async run(argv, context) {
    const { projectRoot, pagesDir, outDir } = parseBuildArguments(argv, context, {
      options: ['out', 'pages'],
      flags: [],
      usage,
      defaultOut: join('out', 'site'),
    })
    const paddle = paddleConfigFrom(context.env)
    const startedMs = performance.now()
    const database = await openBuildDatabase(projectRoot, context.env)
    try {
      const result = await buildSite({
        pagesDir,
        pagesLabel: pagesLabelOf(context.cwd, pagesDir),
        outDir,
        environment: 'prod',
        runnerFor: database.runnerFor,
        paddle,
      })
      const seconds = ((performance.now() - startedMs) / 1000).toFixed(2)
      const checkout =
        paddle === null
          ? 'checkout hidden (no Paddle settings)'
          : `checkout wired (${paddle.plans.length} prices)`
      context.stdout.write(
        `built the site with ${result.pages.length} public dashboards into ${outDir} in ${seconds} s; ${checkout}\n`,
      )
      return 0
    } finally {
      database.close()
    }
  },
}
