// `materia site serve` throughput for a paid page: a signed-in subscriber's requests to a built
// subscriber page (session check, subscription lookup in SQLite, file read), 8 at a time over
// keep-alive, after a warm-up. Server and client share this process, so the figure is a floor.
import { randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { renderDocument } from '../pipeline/dashboards/document.ts'
import { signSession } from '../pipeline/site/session.ts'
import { startSite } from '../pipeline/site/start.ts'
import { SiteStore } from '../pipeline/site/store.ts'

const requests = 4_000
const concurrency = 8

export async function run(): Promise<Record<string, unknown>> {
  const folder = await mkdtemp(join(tmpdir(), 'materia-bench-site-'))
  const siteDir = join(folder, 'site')
  await mkdir(join(siteDir, 'dashboards'), { recursive: true })
  const page = (subscribersOnly: boolean) =>
    renderDocument({
      title: 'Paid',
      description: 'Paid',
      root: '',
      nav: [],
      current: '',
      body: `<h1>Paid</h1>${'<p>figures</p>'.repeat(2000)}`,
      payload: null,
      subscribersOnly,
    })
  await writeFile(join(siteDir, 'index.html'), page(false))
  await writeFile(join(siteDir, 'dashboards', 'paid.html'), page(true))
  const databasePath = join(folder, 'site.sqlite')
  const store = new SiteStore(databasePath)
  const email = 'bench@example.com'
  const occurredAt = new Date().toISOString()
  store.recordEvent(
    { id: 'evt_bench', type: 'subscription.created', occurredAt },
    {
      subscriptionId: 'sub_bench',
      customerId: 'ctm_bench',
      email,
      status: 'active',
      priceIds: [],
      occurredAt,
    },
    null,
    Date.now(),
  )
  store.close()
  // A fresh signing key per run: the bench signs its own session cookies.
  const secret = randomBytes(32).toString('hex')
  const site = await startSite({
    siteDir,
    databasePath,
    host: '127.0.0.1',
    port: 0,
    env: {
      SITE_URL: 'http://127.0.0.1',
      SESSION_SECRET: secret,
      PADDLE_WEBHOOK_SECRET: 'x',
      SMTP_URL: 'smtp://127.0.0.1:1',
    },
    log: () => {},
  })
  const cookie = `materia_session=${signSession(email, secret, Date.now())}`
  const get = async () => {
    const response = await fetch(`${site.url}/dashboards/paid.html`, { headers: { cookie } })
    if (response.status !== 200) throw new Error(`paid page answered ${response.status}`)
    await response.arrayBuffer()
  }
  try {
    for (let index = 0; index < 200; index++) await get()
    const started = performance.now()
    let next = 0
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < requests) {
          next++
          await get()
        }
      }),
    )
    const seconds = (performance.now() - started) / 1000
    return {
      requests,
      concurrency,
      paidPageRequestsPerSecond: Math.round(requests / seconds),
      pageBytes: Buffer.byteLength(page(true)),
    }
  } finally {
    await site.close()
    await rm(folder, { recursive: true, force: true })
  }
}
