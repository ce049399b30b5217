// `materia site build`: the public BeanFlows site (landing, methodology, pricing, public dashboards)
// as a static folder. Paddle checkout is wired when PADDLE_CLIENT_TOKEN and PADDLE_PRICE_IDS are set.
import { join, resolve } from 'node:path'
import { openBuildDatabase } from '../dashboards/database.ts'
import { pagesLabelOf } from '../dashboards/pages.ts'
import { buildSite, paddleConfigFrom } from '../dashboards/site.ts'
import { MateriaError } from '../errors.ts'
import { parseBuildArguments } from './build-arguments.ts'
import type { Command, CommandContext } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.site

export const siteCommand: Command = {
  name: 'site',
  async run(argv, context) {
    if (argv[0] === 'serve') return serveSite(argv.slice(1), context)
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
        subscribers: true,
      })
      for (const note of result.notes) context.stderr.write(`note: ${note}\n`)
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

// Serves until SIGINT/SIGTERM. Settings come from the environment: SITE_URL, SESSION_SECRET,
// SMTP_URL, PADDLE_WEBHOOK_SECRET, PADDLE_PRICE_IDS, SITE_TRUSTED_PROXIES, SITE_MAIL_FROM.
async function serveSite(argv: readonly string[], context: CommandContext): Promise<number> {
  const parsed = parseArguments(argv, { options: ['dir', 'port', 'host', 'db'] }, usage)
  const port = Number(parsed.options.port ?? 8080)
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new MateriaError('usage', `--port ${parsed.options.port} is not a port number (0-65535)`)
  }
  const siteDir = resolve(context.cwd, parsed.options.dir ?? join('out', 'site'))
  // Loaded here so that `site build` never opens the SQLite driver or the mail transport.
  const { startSite } = await import('../site/start.ts')
  const site = await startSite({
    siteDir,
    databasePath: resolve(context.cwd, parsed.options.db ?? join('var', 'site.sqlite')),
    host: parsed.options.host ?? '127.0.0.1',
    port,
    env: context.env,
    log: (line) => context.stderr.write(`${new Date().toISOString()} ${line}\n`),
  })
  context.stdout.write(`serving ${siteDir} at ${site.url}\n`)
  await new Promise<void>((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      done()
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
  await site.close()
  return 0
}
