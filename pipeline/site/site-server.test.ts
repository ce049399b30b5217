// Goal: `materia site serve` gates subscriber pages, signs in by emailed link and keeps Paddle
// subscriptions exactly as the webhooks say, refusing forged, stale, replayed, malformed and
// oversized requests without storing anything; its database survives a restart and a kill -9.
// Method: the real server on 127.0.0.1:0 over a small built folder, a real SMTP server catching the
// mail, webhook bodies and signatures built from Paddle's documentation, fetch as the client.
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { renderDocument } from '../dashboards/document.ts'
import { type RunningSite, startSite } from './start.ts'
import { SiteStore } from './store.ts'
import {
  paddleSignature,
  postWebhook,
  subscriptionEvent,
  transactionCompleted,
} from './testing/paddle-events.ts'
import { type MailCatcher, signInLinkOf, startMailCatcher } from './testing/smtp.ts'

const webhookSecret = 'pdl_ntfset_01hv8x2af22vrrz7k67g06x1kq_testsecretvalue'
let folder: string
let siteDir: string
let databasePath: string
let mail: MailCatcher
let site: RunningSite
const logged: string[] = []

function page(title: string, subscribersOnly: boolean): string {
  return renderDocument({
    title,
    description: title,
    root: '',
    nav: [],
    current: '',
    body: `<h1>${title}</h1>`,
    payload: null,
    subscribersOnly,
  })
}

function env(): NodeJS.ProcessEnv {
  return {
    SITE_URL: 'http://127.0.0.1',
    SESSION_SECRET: 'a-session-secret-of-at-least-32-characters',
    PADDLE_WEBHOOK_SECRET: webhookSecret,
    PADDLE_PRICE_IDS: 'Monthly=pri_01gsz8x8sawmvhz1pv30nge1ke',
    SMTP_URL: mail.url,
  }
}

async function start(): Promise<RunningSite> {
  return startSite({
    siteDir,
    databasePath,
    host: '127.0.0.1',
    port: 0,
    env: env(),
    log: (line) => logged.push(line),
  })
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'materia-paid-site-'))
  siteDir = join(folder, 'site')
  databasePath = join(folder, 'var', 'site.sqlite')
  await mkdir(join(siteDir, 'dashboards'), { recursive: true })
  await writeFile(join(siteDir, 'index.html'), page('Home', false))
  await writeFile(join(siteDir, 'pricing.html'), page('Pricing', false))
  await writeFile(join(siteDir, 'dashboards', 'open.html'), page('Open', false))
  await writeFile(join(siteDir, 'dashboards', 'paid.html'), page('Paid', true))
  mail = await startMailCatcher()
  site = await start()
})

afterAll(async () => {
  await site?.close()
  await mail?.close()
  await rm(folder, { recursive: true, force: true })
})

const nowIso = (offsetMs = 0) => new Date(Date.now() + offsetMs).toISOString().replace('Z', '123Z')

async function signIn(email: string): Promise<string> {
  const asked = await fetch(`${site.url}/sign-in`, {
    method: 'POST',
    body: new URLSearchParams({ email, next: '/dashboards/paid.html' }),
  })
  expect(asked.status).toBe(200)
  const link = signInLinkOf(await mail.next(email)).replace('http://127.0.0.1', site.url)
  const token = new URL(link).searchParams.get('token')!
  const used = await fetch(`${site.url}/sign-in/verify`, {
    method: 'POST',
    body: new URLSearchParams({ token, next: '/dashboards/paid.html' }),
    redirect: 'manual',
  })
  expect(used.status).toBe(303)
  expect(used.headers.get('location')).toBe('/dashboards/paid.html')
  const cookie = used.headers.get('set-cookie')!
  expect(cookie).toMatch(/HttpOnly/)
  expect(cookie).toMatch(/Secure/)
  expect(cookie).toMatch(/SameSite=Lax/)
  return cookie.split(';')[0]!
}

describe('materia site serve', () => {
  it('serves public pages to everyone and a paywall on subscriber pages', async () => {
    expect((await fetch(`${site.url}/dashboards/open.html`)).status).toBe(200)
    const paid = await fetch(`${site.url}/dashboards/paid.html`)
    expect(paid.status).toBe(403)
    expect(paid.headers.get('cache-control')).toBe('private, no-store')
    const text = await paid.text()
    expect(text).toContain('Subscribers only')
    expect(text).not.toContain('<h1>Paid</h1>')
    expect((await fetch(`${site.url}/../var/site.sqlite`)).status).toBe(404)
    expect((await fetch(`${site.url}/%2e%2e/var/site.sqlite`)).status).toBe(404)
  })

  it('activates a subscription from a signed webhook, once, and cancels it', async () => {
    const email = 'ana@roastery.example'
    const cookie = await signIn(email)
    const withCookie = () => fetch(`${site.url}/dashboards/paid.html`, { headers: { cookie } })
    expect((await withCookie()).status).toBe(403)
    const created = subscriptionEvent({
      type: 'subscription.created',
      subscriptionId: 'sub_01hv8x29kz0t586xy6zn1a62ny',
      customerId: 'ctm_01hv6y1jedq4p1n0yqn5ba3ky4',
      status: 'active',
      occurredAt: nowIso(-60_000),
      email,
    })
    const first = await postWebhook(site.url, created, webhookSecret)
    expect(first.status).toBe(200)
    expect(await first.json()).toEqual({ received: true, outcome: 'applied' })
    const page = await withCookie()
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<h1>Paid</h1>')
    // Paddle delivers at least once: the same event again changes nothing.
    const again = await postWebhook(site.url, created, webhookSecret)
    expect(await again.json()).toEqual({ received: true, outcome: 'duplicate' })
    const canceled = subscriptionEvent({
      type: 'subscription.canceled',
      subscriptionId: 'sub_01hv8x29kz0t586xy6zn1a62ny',
      customerId: 'ctm_01hv6y1jedq4p1n0yqn5ba3ky4',
      status: 'canceled',
      occurredAt: nowIso(-1_000),
    })
    expect(await (await postWebhook(site.url, canceled, webhookSecret)).json()).toMatchObject({
      outcome: 'applied',
    })
    expect((await withCookie()).status).toBe(403)
  })

  it('orders events by occurred_at, not by arrival', async () => {
    const base = {
      subscriptionId: 'sub_01hvorder0000000000000000',
      customerId: 'ctm_01hvorder00000000000000',
    }
    const later = subscriptionEvent({
      ...base,
      type: 'subscription.updated',
      status: 'paused',
      occurredAt: nowIso(-5_000),
    })
    const earlier = subscriptionEvent({
      ...base,
      type: 'subscription.created',
      status: 'active',
      occurredAt: nowIso(-50_000),
    })
    expect(await (await postWebhook(site.url, later, webhookSecret)).json()).toMatchObject({
      outcome: 'applied',
    })
    expect(await (await postWebhook(site.url, earlier, webhookSecret)).json()).toMatchObject({
      outcome: 'stale',
    })
    const store = new SiteStore(databasePath)
    expect(store.subscriptionStatus(base.subscriptionId)).toBe('paused')
    store.close()
  })

  it('links a customer to an email through transaction.completed custom_data', async () => {
    const email = 'bo@importer.example'
    const ids = {
      subscriptionId: 'sub_01hvlink000000000000000000',
      customerId: 'ctm_01hvlink0000000000000000',
    }
    const completed = transactionCompleted({ ...ids, email, occurredAt: nowIso(-20_000) })
    expect((await postWebhook(site.url, completed, webhookSecret)).status).toBe(200)
    // This subscription event carries no email: the customer id found it.
    const created = subscriptionEvent({
      ...ids,
      type: 'subscription.created',
      status: 'trialing',
      occurredAt: nowIso(-10_000),
    })
    expect((await postWebhook(site.url, created, webhookSecret)).status).toBe(200)
    const cookie = await signIn(email)
    expect((await fetch(`${site.url}/dashboards/paid.html`, { headers: { cookie } })).status).toBe(200)
  })

  it('refuses forged, stale, malformed and oversized webhooks and stores nothing', async () => {
    const store = new SiteStore(databasePath)
    const before = store.eventCount()
    store.close()
    const body = subscriptionEvent({
      type: 'subscription.created',
      subscriptionId: 'sub_01hvforged0000000000000000',
      customerId: 'ctm_01hvforged000000000000000',
      status: 'active',
      occurredAt: nowIso(),
      email: 'mallory@example.com',
    })
    const forged = paddleSignature(body, 'not-the-secret', Date.now())
    expect((await postWebhook(site.url, body, webhookSecret, Date.now(), forged)).status).toBe(401)
    expect((await postWebhook(site.url, body, webhookSecret, Date.now() - 10_000)).status).toBe(401)
    expect((await postWebhook(site.url, body, webhookSecret, Date.now() + 10_000)).status).toBe(401)
    const signed = paddleSignature(body, webhookSecret, Date.now())
    const tampered = body.replace('"active"', '"trialing"')
    expect((await postWebhook(site.url, tampered, webhookSecret, Date.now(), signed)).status).toBe(401)
    expect((await postWebhook(site.url, body, webhookSecret, Date.now(), 'h1=abc')).status).toBe(400)
    expect((await postWebhook(site.url, body, webhookSecret, Date.now(), '')).status).toBe(400)
    expect((await postWebhook(site.url, '{"event_id": 1', webhookSecret)).status).toBe(400)
    expect(
      (await postWebhook(site.url, '{"event_id":"evt_1","event_type":"subscription.created"}', webhookSecret))
        .status,
    ).toBe(400)
    const huge = JSON.stringify({ padding: 'x'.repeat(300 * 1024) })
    expect((await postWebhook(site.url, huge, webhookSecret)).status).toBe(413)
    const after = new SiteStore(databasePath)
    expect(after.eventCount()).toBe(before)
    expect(after.hasAccess('mallory@example.com')).toBe(false)
    after.close()
  })

  it('logs price ids it was not configured with', async () => {
    const body = subscriptionEvent({
      type: 'subscription.created',
      subscriptionId: 'sub_01hvprice00000000000000000',
      customerId: 'ctm_01hvprice0000000000000000',
      status: 'active',
      occurredAt: nowIso(),
      priceId: 'pri_01unknownprice000000000000',
    })
    expect((await postWebhook(site.url, body, webhookSecret)).status).toBe(200)
    expect(logged.join('\n')).toContain('price ids not in PADDLE_PRICE_IDS: pri_01unknownprice000000000000')
  })

  it('uses a sign-in link once, refuses unknown and expired links, and limits requests', async () => {
    const email = 'cy@cafe.example'
    await fetch(`${site.url}/sign-in`, { method: 'POST', body: new URLSearchParams({ email }) })
    const token = new URL(signInLinkOf(await mail.next(email))).searchParams.get('token')!
    const confirm = await fetch(`${site.url}/sign-in/verify?token=${token}`)
    expect(await confirm.text()).toContain('name="token"')
    const use = () =>
      fetch(`${site.url}/sign-in/verify`, {
        method: 'POST',
        body: new URLSearchParams({ token }),
        redirect: 'manual',
      })
    expect((await use()).status).toBe(303)
    const twice = await use()
    expect(twice.status).toBe(410)
    expect(await twice.text()).toContain('Link already used')
    const forged = await fetch(`${site.url}/sign-in/verify`, {
      method: 'POST',
      body: new URLSearchParams({ token: 'A'.repeat(43) }),
    })
    expect(forged.status).toBe(400)
    expect(await forged.text()).toContain('Link not valid')
    const store = new SiteStore(databasePath)
    store.saveSignInLink('B'.repeat(43), email, Date.now() - 1)
    expect(store.useSignInLink('B'.repeat(43), Date.now())).toEqual({ kind: 'expired' })
    store.close()
    const bad = await fetch(`${site.url}/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ email: 'not an email' }),
    })
    expect(bad.status).toBe(400)
    const flood = 'dee@flood.example'
    const statuses: number[] = []
    for (let index = 0; index < 5; index++) {
      statuses.push(
        (await fetch(`${site.url}/sign-in`, { method: 'POST', body: new URLSearchParams({ email: flood }) }))
          .status,
      )
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429])
    const big = await fetch(`${site.url}/sign-in`, {
      method: 'POST',
      body: new URLSearchParams({ email: `${'e'.repeat(8000)}@x.example` }),
    })
    expect(big.status).toBe(413)
  })

  it('refuses a --db that is not a SQLite database with one line, and leaves the file as it was', async () => {
    const notes = join(folder, 'notes.txt')
    await writeFile(notes, 'subscriber notes, not a database\n')
    expect(() => new SiteStore(notes)).toThrow(
      `${notes} is not a SQLite database (the site's subscribers live in one); give --db the site's database, or a new file (nothing was changed)`,
    )
    expect(await readFile(notes, 'utf8')).toBe('subscriber notes, not a database\n')
  })

  it('keeps subscriptions across a restart', async () => {
    const email = 'eve@trader.example'
    const body = subscriptionEvent({
      type: 'subscription.created',
      subscriptionId: 'sub_01hvrestart0000000000000000',
      customerId: 'ctm_01hvrestart000000000000000',
      status: 'active',
      occurredAt: nowIso(),
      email,
    })
    expect((await postWebhook(site.url, body, webhookSecret)).status).toBe(200)
    const cookie = await signIn(email)
    await site.close()
    site = await start()
    expect((await fetch(`${site.url}/dashboards/paid.html`, { headers: { cookie } })).status).toBe(200)
  })

  it('loses no acknowledged event when the process is killed with SIGKILL', async () => {
    const other = join(folder, 'var', 'killed.sqlite')
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, '..', '..', 'bin', 'materia.js'),
        'site',
        'serve',
        '--dir',
        siteDir,
        '--port',
        '0',
        '--db',
        other,
      ],
      { env: { ...process.env, ...env() }, stdio: ['ignore', 'pipe', 'pipe'] },
    )
    const url = await new Promise<string>((resolve, reject) => {
      let out = ''
      child.stdout.on('data', (chunk: Buffer) => {
        out += String(chunk)
        const match = /at (http:\/\/\S+)/.exec(out)
        if (match !== null) resolve(match[1]!)
      })
      child.once('exit', (code) => reject(new Error(`site serve exited with ${code}`)))
    })
    const bodies = Array.from({ length: 20 }, (_, index) =>
      subscriptionEvent({
        type: 'subscription.created',
        subscriptionId: `sub_01hvkill${String(index).padStart(18, '0')}`,
        customerId: 'ctm_01hvkill000000000000000000',
        status: 'active',
        occurredAt: nowIso(),
      }),
    )
    for (const body of bodies) expect((await postWebhook(url, body, webhookSecret)).status).toBe(200)
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited
    const store = new SiteStore(other)
    expect(store.eventCount()).toBe(20)
    expect(store.subscriptionStatus('sub_01hvkill000000000000000019')).toBe('active')
    store.close()
  })

  it('refuses to start with missing settings, naming every one', async () => {
    await expect(
      startSite({
        siteDir: join(folder, 'nowhere'),
        databasePath: join(siteDir, 'x.sqlite'),
        host: '127.0.0.1',
        port: 0,
        env: {},
        log: () => {},
      }),
    ).rejects.toThrow(
      /SITE_URL must be .*; SESSION_SECRET must be set.*; PADDLE_WEBHOOK_SECRET must be set.*; SMTP_URL must be .*; .*nowhere: no index\.html.*/,
    )
    await expect(
      startSite({
        siteDir,
        databasePath: join(siteDir, 'x.sqlite'),
        host: '127.0.0.1',
        port: 0,
        env: env(),
        log: () => {},
      }),
    ).rejects.toThrow(/the database must live outside the served folder/)
  })
})
