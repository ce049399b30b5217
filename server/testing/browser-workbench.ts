// Browser-test support: the setting most workbench browser tests open with. The fixture project,
// built into the given environments, a workbench serving it as one user, and a Chromium page that
// reports the page's errors; `close` releases them in reverse order.
import { type Browser, type BrowserContextOptions, chromium, type Page } from 'playwright-core'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from '../renderer-build.ts'
import { startWorkbench, type Workbench } from '../workbench.ts'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './fixture-project.ts'

// Playwright waits 30 s by default for a selector, a click or a navigation. A step that takes a
// second on a quiet machine took longer than that with both cores busy and two Chromiums running, so
// browser tests wait up to this long (their vitest limit, 120 s, still bounds a whole test).
export const pageWaitMs = 60_000

export interface BrowserWorkbench {
  readonly project: FixtureProject
  readonly workbench: Workbench
  readonly browser: Browser
  readonly page: Page
  close(): Promise<void>
}

export interface BrowserWorkbenchOptions {
  readonly user: string // USER as the workbench sees it: names the dev environment, dev_<user>
  readonly environments: readonly string[] // built before the workbench starts
  readonly context: BrowserContextOptions // the page's viewport and the like
  // Edits (and builds) of the project before `environments` are built.
  readonly prepare?: (root: string) => void | Promise<void>
}

export async function openBrowserWorkbench(options: BrowserWorkbenchOptions): Promise<BrowserWorkbench> {
  const rendererDir = ensureRendererBuilt()
  const project = createFixtureProject()
  let workbench: Workbench | undefined
  let browser: Browser | undefined
  const close = async () => {
    await browser?.close()
    await workbench?.close()
    project.remove()
  }
  try {
    await options.prepare?.(project.root)
    for (const environment of options.environments) await buildEnvironment(project.root, environment)
    workbench = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: options.user } })
    browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
    const context = await browser.newContext(options.context)
    context.setDefaultTimeout(pageWaitMs)
    const page = await context.newPage()
    page.on('pageerror', (error) => console.error('page error:', error.message))
    return { project, workbench, browser, page, close }
  } catch (error) {
    await close()
    throw error
  }
}

// Submits `value` through a small create form (an input, a button, an alert target) that the server
// is expected to refuse, and returns the refusal's text once htmx has swapped it in (the swap comes
// after the response event, so the text is awaited until it names the value).
export async function refusalOf(
  page: Page,
  form: {
    readonly input: string
    readonly button: string
    readonly endpoint: string
    readonly alerts: string
  },
  value: string,
): Promise<string | null> {
  await page.fill(form.input, value)
  const answered = page.waitForResponse((response) => response.url().endsWith(form.endpoint))
  await page.click(form.button)
  const status = (await answered).status()
  if (status !== 400) throw new Error(`${form.endpoint} answered ${status} to "${value}", not 400`)
  const alert = page.locator(`${form.alerts} [role="alert"]`)
  for (const started = Date.now(); Date.now() - started < pageWaitMs; ) {
    const text = await alert.textContent()
    if (text?.includes(value.toLowerCase().trim())) return text
    await page.waitForTimeout(50)
  }
  throw new Error(`no refusal naming "${value}" appeared in ${form.alerts}`)
}
