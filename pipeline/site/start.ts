// Starts the paid site from environment settings: every missing or bad setting is reported at once,
// secrets come only from the environment and never reach a log line.
import { existsSync, statSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { dirname, relative, resolve } from 'node:path'
import { type ServerType, serve } from '@hono/node-server'
import { createTransport } from 'nodemailer'
import { MateriaError } from '../errors.ts'
import { createSiteApp } from './serve.ts'
import { SiteStore } from './store.ts'

export interface SiteServeOptions {
  readonly siteDir: string
  readonly databasePath: string
  readonly host: string
  readonly port: number
  readonly env: NodeJS.ProcessEnv
  readonly log: (line: string) => void
}

export interface RunningSite {
  readonly url: string
  readonly port: number
  close(): Promise<void>
}

// Session and webhook secrets this short can be guessed offline from one signed value.
const secretCharsMin = 32

export function siteSettingsProblems(options: SiteServeOptions): string[] {
  const { env } = options
  const problems: string[] = []
  const siteUrl = env.SITE_URL?.trim() ?? ''
  if (!/^https?:\/\/[^/\s]+$/.test(siteUrl))
    problems.push('SITE_URL must be the site origin, e.g. https://beanflows.example (no path)')
  if ((env.SESSION_SECRET ?? '').length < secretCharsMin)
    problems.push(`SESSION_SECRET must be set, at least ${secretCharsMin} characters`)
  if ((env.PADDLE_WEBHOOK_SECRET ?? '') === '')
    problems.push("PADDLE_WEBHOOK_SECRET must be set (the notification destination's secret key)")
  if (!/^smtps?:\/\//.test(env.SMTP_URL ?? ''))
    problems.push('SMTP_URL must be smtp://user:pass@host:port or smtps://...')
  if (!existsSync(resolve(options.siteDir, 'index.html')))
    problems.push(`${options.siteDir}: no index.html; run materia site build first`)
  const inside = relative(resolve(options.siteDir), resolve(options.databasePath))
  if (!inside.startsWith('..') && !inside.startsWith('/'))
    problems.push(`${options.databasePath}: the database must live outside the served folder`)
  if (existsSync(options.databasePath) && statSync(options.databasePath).isDirectory())
    problems.push(`${options.databasePath} is a folder; --db takes a file`)
  return problems
}

export async function startSite(options: SiteServeOptions): Promise<RunningSite> {
  const problems = siteSettingsProblems(options)
  if (problems.length > 0) throw new MateriaError('usage', problems.join('; '))
  const { env } = options
  await mkdir(dirname(resolve(options.databasePath)), { recursive: true })
  const store = new SiteStore(options.databasePath)
  const transport = createTransport(env.SMTP_URL!)
  const siteUrl = env.SITE_URL!.trim()
  const from = env.SITE_MAIL_FROM?.trim() || `BeanFlows <sign-in@${new URL(siteUrl).hostname}>`
  const knownPriceIds = new Set(
    (env.PADDLE_PRICE_IDS ?? '')
      .split(',')
      .map((entry) => entry.split('=').at(-1)!.trim())
      .filter((id) => id !== ''),
  )
  const app = createSiteApp(store, {
    siteDir: resolve(options.siteDir),
    siteUrl,
    sessionSecret: env.SESSION_SECRET!,
    webhookSecret: env.PADDLE_WEBHOOK_SECRET!,
    knownPriceIds,
    trustedProxies: new Set(
      (env.SITE_TRUSTED_PROXIES ?? '')
        .split(',')
        .map((entry) => entry.trim())
        .filter((entry) => entry !== ''),
    ),
    sendMail: async (message) => {
      await transport.sendMail({ from, ...message })
    },
    log: options.log,
  })
  const server = await new Promise<ServerType>((resolveServer, reject) => {
    const started = serve({ fetch: app.fetch, hostname: options.host, port: options.port }, () =>
      resolveServer(started),
    )
    started.once('error', reject)
  })
  const address = server.address()
  const port = typeof address === 'object' && address !== null ? address.port : options.port
  return {
    url: `http://${options.host}:${port}`,
    port,
    close: async () => {
      await new Promise<void>((done) => server.close(() => done()))
      transport.close()
      store.close()
    },
  }
}
