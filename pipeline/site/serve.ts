// `materia site serve`: the paid BeanFlows site. A small Hono app over a `materia site build`
// folder: public pages to everyone, pages marked `access: subscribers` only to a signed-in customer
// with an active Paddle subscription; sign-in by emailed link; Paddle webhooks keep subscriptions.
import { randomBytes } from 'node:crypto'
import { readFile, realpath } from 'node:fs/promises'
import { join, sep } from 'node:path'
import { getConnInfo } from '@hono/node-server/conninfo'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { deleteCookie, getCookie, setCookie } from 'hono/cookie'
import { contentTypeOf } from '../content-type.ts'
import { subscribersOnlyMeta } from '../dashboards/document.ts'
import {
  signInLinkTtlMs,
  signInPerAddressMax,
  signInPerEmailMax,
  signInWindowMs,
  siteFileBytesMax,
  siteFormBytesMax,
  siteWebhookBytesMax,
} from '../limits.ts'
import { handledEventTypes, parseEvent, verifySignature } from './paddle-webhook.ts'
import { confirmSignInPage, messagePage, paywallPage } from './pages.ts'
import { RateLimiter } from './rate-limit.ts'
import { readSession, sessionCookieName, sessionMaxAgeSeconds, signSession } from './session.ts'
import type { LinkOutcome, SiteStore } from './store.ts'

export interface SiteSettings {
  readonly siteDir: string
  readonly siteUrl: string // public origin, e.g. https://beanflows.example (links in emails)
  readonly sessionSecret: string
  readonly webhookSecret: string
  readonly knownPriceIds: ReadonlySet<string> // PADDLE_PRICE_IDS; others are logged
  readonly trustedProxies: ReadonlySet<string> // addresses whose X-Forwarded-For is believed
  readonly sendMail: (message: { to: string; subject: string; text: string }) => Promise<void>
  readonly log: (line: string) => void
  readonly now?: () => number
}

export function createSiteApp(store: SiteStore, settings: SiteSettings): Hono {
  const now = settings.now ?? Date.now
  const perAddress = new RateLimiter(signInPerAddressMax, signInWindowMs)
  const perEmail = new RateLimiter(signInPerEmailMax, signInWindowMs)
  const app = new Hono()
  // The rest of an oversized body is never read, so the connection cannot carry another request.
  const tooLarge = (c: Context) => {
    c.header('Connection', 'close')
    return c.text('request body too large\n', 413)
  }
  const secure =
    settings.siteUrl.startsWith('https://') ||
    settings.siteUrl.startsWith('http://127.0.0.1') ||
    settings.siteUrl.startsWith('http://localhost')
  const signedIn = (c: Context): string | null =>
    readSession(getCookie(c, sessionCookieName), settings.sessionSecret, now())

  app.use('*', async (c, next) => {
    await next()
    c.header('X-Content-Type-Options', 'nosniff')
    c.header('Referrer-Policy', 'same-origin')
  })

  app.post('/webhooks/paddle', bodyLimit({ maxSize: siteWebhookBytesMax, onError: tooLarge }), async (c) => {
    const raw = await c.req.text()
    const check = verifySignature(c.req.header('Paddle-Signature'), raw, settings.webhookSecret, now())
    if (!check.ok) {
      settings.log(`paddle webhook refused (${check.status}): ${check.reason}`)
      return c.text(`${check.reason}\n`, check.status)
    }
    const event = parseEvent(raw)
    if (typeof event === 'string') {
      settings.log(`paddle webhook refused (400): ${event}`)
      return c.text(`${event}\n`, 400)
    }
    if (!(handledEventTypes as readonly string[]).includes(event.type)) {
      return c.json({ received: true, ignored: event.type })
    }
    const unknown = (event.change?.priceIds ?? []).filter((id) => !settings.knownPriceIds.has(id))
    if (unknown.length > 0) {
      settings.log(
        `paddle ${event.type} ${event.id}: price ids not in PADDLE_PRICE_IDS: ${unknown.join(', ')}`,
      )
    }
    const outcome = store.recordEvent(event, event.change, event.link, now())
    return c.json({ received: true, outcome })
  })

  app.get('/account.json', (c) => {
    const email = signedIn(c)
    c.header('Cache-Control', 'private, no-store')
    return c.json({ email, subscribed: email !== null && store.hasAccess(email) })
  })

  app.get('/sign-in', (c) => c.redirect('/pricing.html'))

  app.post('/sign-in', bodyLimit({ maxSize: siteFormBytesMax, onError: tooLarge }), async (c) => {
    const form = await c.req.parseBody()
    const email = typeof form.email === 'string' ? form.email.trim().toLowerCase() : ''
    const next = safeNext(typeof form.next === 'string' ? form.next : '/')
    if (!/^[^\s@<>]{1,64}@[^\s@<>]{1,255}\.[^\s@<>]+$/.test(email)) {
      return c.html(messagePage('Sign in', 'That is not an email address; go back and check it.'), 400)
    }
    const address = clientAddress(c, settings.trustedProxies)
    if (!perAddress.allow(`address:${address}`, now()) || !perEmail.allow(`email:${email}`, now())) {
      return c.html(
        messagePage('Too many sign-in requests', 'Wait a quarter of an hour, then ask for a new link.'),
        429,
      )
    }
    const token = randomBytes(32).toString('base64url')
    store.saveSignInLink(token, email, now() + signInLinkTtlMs)
    const link = `${settings.siteUrl}/sign-in/verify?token=${token}&next=${encodeURIComponent(next)}`
    try {
      await settings.sendMail({
        to: email,
        subject: 'Your BeanFlows sign-in link',
        text: `Open this link to sign in to BeanFlows:\n\n${link}\n\nIt works once, for 15 minutes. If you did not ask for it, ignore this email.\n`,
      })
    } catch (error) {
      settings.log(`sign-in email to ${email} failed: ${(error as Error).message.split('\n')[0]}`)
      return c.html(
        messagePage('Sign in', 'The sign-in email could not be sent; try again in a few minutes.'),
        502,
      )
    }
    return c.html(
      messagePage(
        'Check your inbox',
        `A sign-in link is on its way to ${email}. It works once, for 15 minutes.`,
      ),
    )
  })

  // The link opens a page with a button rather than signing in at once: mail scanners that follow
  // links would otherwise use up the link before the customer does.
  app.get('/sign-in/verify', (c) => {
    const token = c.req.query('token') ?? ''
    return c.html(confirmSignInPage(token, safeNext(c.req.query('next') ?? '/')))
  })

  app.post('/sign-in/verify', bodyLimit({ maxSize: siteFormBytesMax, onError: tooLarge }), async (c) => {
    const form = await c.req.parseBody()
    const token = typeof form.token === 'string' ? form.token : ''
    const outcome: LinkOutcome = /^[A-Za-z0-9_-]{43}$/.test(token)
      ? store.useSignInLink(token, now())
      : { kind: 'unknown' }
    const again = '<p><a class="btn" href="/pricing.html">Ask for a new link</a></p>'
    if (outcome.kind === 'used')
      return c.html(
        messagePage('Link already used', 'This sign-in link has been used. Each link works once.', again),
        410,
      )
    if (outcome.kind === 'expired')
      return c.html(messagePage('Link expired', 'This sign-in link is older than 15 minutes.', again), 410)
    if (outcome.kind !== 'ok')
      return c.html(messagePage('Link not valid', 'This sign-in link is not one we sent.', again), 400)
    setCookie(c, sessionCookieName, signSession(outcome.email, settings.sessionSecret, now()), {
      httpOnly: true,
      secure,
      sameSite: 'Lax',
      path: '/',
      maxAge: sessionMaxAgeSeconds,
    })
    return c.redirect(safeNext(typeof form.next === 'string' ? form.next : '/'), 303)
  })

  app.post('/sign-out', (c) => {
    deleteCookie(c, sessionCookieName, { path: '/', secure, httpOnly: true, sameSite: 'Lax' })
    return c.redirect('/', 303)
  })

  app.get('*', async (c) => {
    const file = await siteFile(settings.siteDir, c.req.path)
    if (file === null) return c.html(messagePage('Not found', 'There is no page at this address.'), 404)
    const type = contentTypeOf(file.path)
    if (type.startsWith('text/html') && file.body.includes(subscribersOnlyMeta)) {
      c.header('Cache-Control', 'private, no-store')
      const email = signedIn(c)
      if (email === null || !store.hasAccess(email)) return c.html(paywallPage(email, c.req.path), 403)
    }
    c.header('Content-Type', type)
    return c.body(new Uint8Array(file.body))
  })

  return app
}

/** Only same-site paths after sign-in, never another host. */
function safeNext(next: string): string {
  return /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/'
}

/** The client's address: the socket's, or X-Forwarded-For's nearest untrusted hop behind a trusted proxy. */
export function clientAddress(c: Context, trusted: ReadonlySet<string>): string {
  const socket = getConnInfo(c).remote.address ?? 'unknown'
  if (!trusted.has(socket)) return socket
  const hops = (c.req.header('X-Forwarded-For') ?? '')
    .split(',')
    .map((hop) => hop.trim())
    .filter((hop) => hop !== '')
  for (let index = hops.length - 1; index >= 0; index--) if (!trusted.has(hops[index]!)) return hops[index]!
  return socket
}

async function siteFile(siteDir: string, urlPath: string): Promise<{ path: string; body: Buffer } | null> {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return null
  }
  const segments = decoded.split('/').filter((segment) => segment !== '')
  // No parent folders, no dotfiles (.git, a stray .env), no NUL.
  if (segments.some((segment) => segment === '..' || segment.startsWith('.') || segment.includes('\0')))
    return null
  const candidates =
    decoded.endsWith('/') || segments.length === 0
      ? [join(siteDir, ...segments, 'index.html')]
      : [join(siteDir, ...segments), join(siteDir, ...segments, 'index.html')]
  const root = await realpath(siteDir)
  for (const candidate of candidates) {
    try {
      const real = await realpath(candidate)
      if (!real.startsWith(root + sep)) return null // a symlink out of the site
      const body = await readFile(real)
      if (body.byteLength > siteFileBytesMax) return null
      return { path: real, body }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code !== 'ENOENT' && code !== 'EISDIR' && code !== 'ENOTDIR') throw error
    }
  }
  return null
}
