// Goal: the paid site works end to end in a browser: a visitor sees public pages and a paywall on
// subscriber pages; a signed Paddle webhook activates a subscription; signing in by the emailed link
// opens the paid page; a cancellation takes access away. Inputs filter a public page in the browser
// with no server query. Method: the site built from the genuine USDA snapshot (a public page with a
// ButtonGroup, a templated country page for subscribers), `materia site serve`'s server on
// 127.0.0.1:0, a real SMTP server catching the link, webhooks signed as Paddle documents, Chromium.
// Screenshots go to test-results/dashboards/.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: page fixtures use Evidence's ${...} syntax
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { connectionRunner } from '../pipeline/dashboards/query.ts'
import { buildSite } from '../pipeline/dashboards/site.ts'
import { createServingTables, extractSnapshotCsv } from '../pipeline/dashboards/testing/serving-fixture.ts'
import { type RunningSite, startSite } from '../pipeline/site/start.ts'
import { postWebhook, subscriptionEvent } from '../pipeline/site/testing/paddle-events.ts'
import { type MailCatcher, signInLinkOf, startMailCatcher } from '../pipeline/site/testing/smtp.ts'
import { pageWaitMs } from '../server/testing/browser-workbench.ts'
import { launchChromium } from './chromium.ts'
import { chartShapes, screenshotPath, screenshotsDir } from './site-fixture.ts'

const webhookSecret = 'pdl_ntfset_01browser_secret_value'
let folder: string
let csvPath: string
let mail: MailCatcher
let site: RunningSite
let browser: Browser

const openPage = `---
title: Three producers
public: true
---

\`\`\`sql countries
SELECT DISTINCT country_name FROM serving.obt_commodity_metrics
WHERE country_name IN ('Brazil', 'Colombia', 'Vietnam') ORDER BY 1
\`\`\`

\`\`\`sql picked
SELECT market_year, production FROM serving.obt_commodity_metrics
WHERE country_name = '\${inputs.country.value}' AND market_year BETWEEN 2010 AND 2022
ORDER BY market_year
\`\`\`

<ButtonGroup name=country data={countries} value=country_name defaultValue=Brazil title="Country" />

{inputs.country.value} produced {fmt(picked[12].production, 'bags')} in 2022.

<LineChart data={picked} x=market_year y=production yFmt=bags title="Production" />
`

const countryPage = `---
title: 'Country profile: {params.country}'
access: subscribers
params: { country: producers }
---

\`\`\`sql producers
SELECT DISTINCT country_name AS country FROM serving.obt_commodity_metrics
WHERE country_name IN ('Brazil', 'Colombia') ORDER BY 1
\`\`\`

\`\`\`sql balance
SELECT market_year, production, exports FROM serving.obt_commodity_metrics
WHERE country_name = '\${params.country}' AND market_year >= 2000 ORDER BY market_year
\`\`\`

<LineChart data={balance} x=market_year y=production,exports yFmt=bags title="Production and exports" />
`

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'materia-paid-browser-'))
  csvPath = await extractSnapshotCsv()
  const pagesDir = join(folder, 'pages')
  await mkdir(join(pagesDir, 'country'), { recursive: true })
  await writeFile(join(pagesDir, 'open.md'), openPage)
  await writeFile(join(pagesDir, 'country', '[country].md'), countryPage)
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await createServingTables(connection, csvPath)
  const run = connectionRunner(connection, (sql) => sql)
  const siteDir = join(folder, 'site')
  await buildSite({
    pagesDir,
    outDir: siteDir,
    environment: 'prod',
    runnerFor: () => run,
    paddle: null,
    subscribers: true,
  })
  connection.closeSync()
  instance.closeSync()
  mail = await startMailCatcher()
  site = await startSite({
    siteDir,
    databasePath: join(folder, 'var', 'site.sqlite'),
    host: '127.0.0.1',
    port: 0,
    env: {
      SITE_URL: 'http://127.0.0.1',
      SESSION_SECRET: 'browser-test-session-secret-0123456789',
      PADDLE_WEBHOOK_SECRET: webhookSecret,
      SMTP_URL: mail.url,
    },
    log: () => {},
  })
  browser = await launchChromium()
  await mkdir(screenshotsDir, { recursive: true })
})

afterAll(async () => {
  await browser?.close()
  await site?.close()
  await mail?.close()
  await rm(folder, { recursive: true, force: true })
  if (csvPath !== undefined) await rm(dirname(csvPath), { recursive: true, force: true })
})

async function open(page: Page, path: string): Promise<number> {
  const response = await page.goto(`${site.url}${path}`, { waitUntil: 'load' })
  return response!.status()
}

function problemsOf(page: Page): string[] {
  const problems: string[] = []
  page.on(
    'console',
    (message) => message.type() === 'error' && !/403/.test(message.text()) && problems.push(message.text()),
  )
  page.on('pageerror', (error) => problems.push(error.message))
  page.on(
    'request',
    (request) => !request.url().startsWith(site.url) && problems.push(`request: ${request.url()}`),
  )
  return problems
}

describe('the paid site in Chromium', () => {
  it('filters a public page by a ButtonGroup in the browser, with no request to the server', async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } })
    page.setDefaultTimeout(pageWaitMs)
    const problems = problemsOf(page)
    expect(await open(page, '/dashboards/open.html')).toBe(200)
    const sentence = page.locator('p', { hasText: 'produced' })
    expect(await sentence.textContent()).toMatch(/^Brazil produced \d+\.\dM bags in 2022\.$/)
    const brazil = await sentence.textContent()
    const requests: string[] = []
    page.on('request', (request) => requests.push(request.url()))
    await page.getByRole('button', { name: 'Vietnam' }).click()
    await expect.poll(() => sentence.textContent()).toMatch(/^Vietnam produced \d+\.\dM bags in 2022\.$/)
    const amount = (text: string | null) => /produced (.*) in 2022/.exec(text ?? '')?.[1]
    expect(amount(await sentence.textContent())).not.toBe(amount(brazil))
    expect(await page.getByRole('button', { name: 'Vietnam' }).getAttribute('aria-pressed')).toBe('true')
    expect((await chartShapes(page))[0]).toBeGreaterThan(3)
    expect(requests).toEqual([])
    await page.screenshot({ path: screenshotPath('paid-site-inputs'), fullPage: true })
    expect(problems).toEqual([])
    await page.close()
  })

  it('shows a paywall, then the page after a webhook and the emailed link, and none after cancel', async () => {
    const email = 'lena@roastery.example'
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    context.setDefaultTimeout(pageWaitMs)
    const page = await context.newPage()
    const problems = problemsOf(page)
    expect(await open(page, '/dashboards/country/index.html')).toBe(200)
    expect(await page.locator('a', { hasText: 'Brazil' }).count()).toBe(1)
    expect(await open(page, '/dashboards/country/brazil.html')).toBe(403)
    expect(await page.locator('h1').textContent()).toBe('Subscribers only')
    await page.screenshot({ path: screenshotPath('paid-site-paywall'), fullPage: true })

    const ids = {
      subscriptionId: 'sub_01hvbrowser0000000000000000',
      customerId: 'ctm_01hvbrowser000000000000000',
    }
    const created = subscriptionEvent({
      ...ids,
      type: 'subscription.created',
      status: 'active',
      occurredAt: new Date(Date.now() - 60_000).toISOString(),
      email,
    })
    expect((await postWebhook(site.url, created, webhookSecret)).status).toBe(200)

    await page.getByLabel('Email').fill(email)
    await page.getByRole('button', { name: 'Email me a sign-in link' }).click()
    await page.waitForLoadState('load')
    expect(await page.locator('h1').textContent()).toBe('Check your inbox')
    const link = signInLinkOf(await mail.next(email)).replace('http://127.0.0.1', site.url)
    await page.goto(link)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(/\/dashboards\/country\/brazil\.html$/)
    expect(await page.locator('main h1').textContent()).toBe('Country profile: Brazil')
    await expect.poll(async () => (await chartShapes(page))[0]).toBeGreaterThan(3)
    const cookie = (await context.cookies()).find((candidate) => candidate.name === 'materia_session')!
    expect(cookie).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Lax' })
    await page.screenshot({ path: screenshotPath('paid-site-subscriber-page'), fullPage: true })

    const canceled = subscriptionEvent({
      ...ids,
      type: 'subscription.canceled',
      status: 'canceled',
      occurredAt: new Date().toISOString(),
    })
    expect((await postWebhook(site.url, canceled, webhookSecret)).status).toBe(200)
    expect(await open(page, '/dashboards/country/brazil.html')).toBe(403)
    expect(await page.locator('main').textContent()).toContain(
      `signed in as ${email}, which has no active subscription`,
    )
    expect(problems).toEqual([])
    await context.close()
  })
})
