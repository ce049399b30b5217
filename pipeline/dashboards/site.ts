// `materia site build`: the public BeanFlows site as its own static folder: landing, methodology,
// pricing (Paddle checkout only when configured at build time) and the public dashboards under
// dashboards/. All URLs are relative so the folder works under any sub-path.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MateriaError } from '../errors.ts'
import type { OutputFiles } from './assets.ts'
import { type BuildResult, dashboardFiles, summarize } from './build.ts'
import { type NavLink, renderDocument } from './document.ts'
import { embedJson } from './html.ts'
import { writeOutput } from './output.ts'
import { type RenderOptions, renderAllPages } from './pages.ts'
import { landingBody, methodologyBody, type PricePlan, pricingBody } from './site-content.ts'

export interface PaddleConfig {
  readonly token: string
  readonly plans: readonly PricePlan[]
}

// Paddle.js must be loaded from Paddle's CDN (their rule); it is the one allowed external script.
const paddleScriptUrl = 'https://cdn.paddle.com/paddle/v2/paddle.js'

const nav: readonly NavLink[] = [
  { href: 'dashboards/index.html', label: 'Dashboards' },
  { href: 'methodology.html', label: 'Methodology' },
  { href: 'pricing.html', label: 'Pricing' },
]

/** Paddle settings from the environment: both the token and at least one price id, or none. */
export function paddleConfigFrom(env: NodeJS.ProcessEnv): PaddleConfig | null {
  const token = env.PADDLE_CLIENT_TOKEN?.trim() ?? ''
  const ids = env.PADDLE_PRICE_IDS?.trim() ?? ''
  if (token === '' || ids === '') return null
  if (!/^(live|test)_[A-Za-z0-9]+$/.test(token)) {
    throw new MateriaError(
      'usage',
      'PADDLE_CLIENT_TOKEN is not a Paddle client-side token (live_... or test_...)',
    )
  }
  const plans = ids.split(',').map((entry, index) => {
    const [label, priceId] = entry.includes('=')
      ? entry.split('=', 2)
      : [index === 0 ? 'Subscribe' : `Plan ${index + 1}`, entry]
    if (!/^pri_[A-Za-z0-9]+$/.test(priceId!.trim())) {
      throw new MateriaError('usage', `PADDLE_PRICE_IDS entry "${entry}" is not label=pri_... or pri_...`)
    }
    return { label: label!.trim(), priceId: priceId!.trim() }
  })
  return { token, plans }
}

export async function buildSite(
  options: Omit<RenderOptions, 'publicOnly'> & {
    readonly outDir: string
    readonly paddle: PaddleConfig | null
    // Include `access: subscribers` pages: only for a folder `materia site serve` gates. A build
    // meant for a public bucket leaves them out, or anyone could read them there.
    readonly subscribers: boolean
  },
): Promise<BuildResult> {
  const entries = await renderAllPages({ ...options, publicOnly: true, subscribers: options.subscribers })
  const files: OutputFiles = await dashboardFiles(entries, 'dashboards/', nav)
  const page = (
    path: string,
    title: string,
    description: string,
    body: string,
    extra?: { head: string; body: string },
  ) =>
    files.set(
      path,
      renderDocument({
        title,
        description,
        root: '',
        nav,
        current: path,
        body,
        payload: null,
        extraHead: extra?.head,
        extraBody: extra?.body,
      }),
    )
  const links = entries
    .filter((entry) => entry.template === null && entry.page.meta.access === 'public')
    .map(({ slug, title, description }) => ({ href: `dashboards/${slug}.html`, title, description }))
  page('index.html', 'Coffee market intelligence', 'USDA coffee balance sheets, charted.', landingBody(links))
  page('methodology.html', 'Methodology', 'Each BeanFlows metric and its USDA PSD source.', methodologyBody())
  const paddle = options.paddle
  if (paddle === null) {
    page('pricing.html', 'Pricing', 'BeanFlows plans.', pricingBody([]))
  } else {
    files.set('assets/pricing.js', await readFile(join(import.meta.dirname, 'client', 'pricing.js'), 'utf8'))
    const config = `<script type="application/json" id="paddle-config">${embedJson({ token: paddle.token })}</script>`
    const scripts = `${config}\n<script src="${paddleScriptUrl}"></script>\n<script src="assets/pricing.js"></script>`
    page('pricing.html', 'Pricing', 'BeanFlows plans.', pricingBody(paddle.plans), {
      head: '',
      body: scripts,
    })
  }
  await writeOutput(options.outDir, files)
  return summarize(files, entries, 'dashboards/')
}
