// The workbench page: htmx swaps server-rendered fragments into #main; this script mounts the
// pieces that need code (Monaco editors, ECharts charts) on the fragments that carry a
// data-component attribute, and handles the navbar's theme toggle. Monaco and ECharts load lazily
// so the first paint waits for neither.
import htmx from 'htmx.org'
import './style.css'

// No eval-based features (hx-on, js: expressions): the CSP forbids them anyway.
htmx.config.allowEval = false
htmx.config.allowScriptTags = false
htmx.config.includeIndicatorStyles = false
htmx.config.historyCacheSize = 0
// Error responses carry an alert fragment: swap them in place too.
htmx.config.responseHandling = [
  { code: '204', swap: false },
  { code: '[23]..', swap: true },
  { code: '[45]..', swap: true, error: true },
]
;(window as unknown as { htmx: typeof htmx }).htmx = htmx

type Mount = (element: HTMLElement) => Promise<void>

// A browser that is never idle (a busy page, a loaded machine) still gets the deferred requests.
const idleWaitMsMax = 1_000

const components: Record<string, () => Promise<Mount>> = {
  'model-editor': async () => (await import('./model-editor.ts')).mountModelEditor,
  'query-editor': async () => (await import('./query-editor.ts')).mountQueryEditor,
  chart: async () => (await import('./charts.ts')).mountChart,
  'prod-run-log': async () => (await import('./prod-run-log.ts')).mountProdRunLog,
  'apply-progress': async () => (await import('./apply-progress.ts')).mountApplyProgress,
  dag: async () => (await import('./dag.ts')).mountDag,
  'result-grid': async () => (await import('./result-grid.ts')).mountResultGrid,
  'dashboard-editor': async () => (await import('./dashboard-editor.ts')).mountDashboardEditor,
  'value-table': async () => (await import('./value-table.ts')).mountValueTable,
}

// Each component's mount, started once: a later call for the same element (htmx:load names the
// first page's body after this module has started its components) waits for the same mount
// instead of counting the component as mounted.
const mounting = new WeakMap<HTMLElement, Promise<void>>()

function mountOne(element: HTMLElement): Promise<void> {
  const started = mounting.get(element)
  if (started !== undefined) return started
  const name = element.dataset.component ?? ''
  const load = components[name]
  const mount =
    load === undefined
      ? Promise.resolve()
      : load()
          .then((mountComponent) => mountComponent(element))
          .catch((error: unknown) => {
            element.textContent = `Could not start ${name}: ${String(error)}`
          })
  mounting.set(element, mount)
  return mount
}

// Resolves once every component under `root` has mounted (or failed to).
function mountAll(root: ParentNode): Promise<void> {
  // htmx:load names the swapped element itself, which may be a component too.
  const own = root instanceof HTMLElement && root.matches('[data-component]') ? [root] : []
  const elements = [...own, ...root.querySelectorAll<HTMLElement>('[data-component]')]
  return Promise.all(elements.map(mountOne)).then(() => undefined)
}

function applyTheme(theme: string): void {
  document.documentElement.dataset.theme = theme
  localStorage.setItem('materia-theme', theme)
  document.dispatchEvent(new CustomEvent('materia:theme', { detail: theme }))
}

applyTheme(localStorage.getItem('materia-theme') ?? 'light')

// In the desktop window the preload offers one native function: choosing a project folder.
const desktop = (window as unknown as { materia?: { chooseProjectFolder(): Promise<unknown> } }).materia
document.getElementById('open-project')?.classList.toggle('hidden', desktop === undefined)

document.addEventListener('click', (event) => {
  const target = event.target as HTMLElement | null
  if (target?.closest('[data-action="open-project"]')) void desktop?.chooseProjectFolder()
  if (target?.closest('[data-action="toggle-theme"]')) {
    applyTheme(document.documentElement.dataset.theme === 'dark' ? 'light' : 'dark')
  }
})

// Leaving a page with unsaved edits asks first (navbar links and model switches go through htmx).
document.body.addEventListener('htmx:confirm', (event) => {
  const dirty = document.querySelector('[data-dirty="1"]')
  if (dirty === null) return
  const detail = (event as CustomEvent<{ issueRequest: (skip: boolean) => void; elt: HTMLElement }>).detail
  if (!detail.elt.closest('[data-guard-unsaved]')) return
  event.preventDefault()
  if (window.confirm('This model has unsaved edits. Leave without saving?')) {
    dirty.removeAttribute('data-dirty')
    detail.issueRequest(true)
  }
})

window.addEventListener('beforeunload', (event) => {
  if (document.querySelector('[data-dirty="1"]') !== null) event.preventDefault()
})

// Keep the navbar's active tab in step with htmx navigation.
document.body.addEventListener('htmx:pushedIntoHistory', () => {
  for (const link of document.querySelectorAll<HTMLElement>('#navbar [data-nav]')) {
    const href = link.getAttribute('href') ?? ''
    const active = href === '/' ? location.pathname === '/' : location.pathname.startsWith(href)
    link.classList.toggle('menu-active', active)
  }
})

// Shortcut hints name the keys of this platform: Monaco's CtrlCmd is ⌘ on macOS.
const isMac = /Mac|iPhone|iPad/.test(navigator.platform)
function platformHints(root: ParentNode): void {
  if (!isMac) return
  for (const hint of root.querySelectorAll<HTMLElement>('[data-shortcuts]')) {
    hint.textContent = (hint.textContent ?? '').replaceAll('Ctrl+', '⌘').replaceAll('Alt+', '⌥')
  }
}

// Requests that can wait (the navbar's stale badge and the model page's side panel: the server
// builds a plan or renders SQL for them) listen for `materia:idle`, sent once a page's components
// (the first page's, or those htmx swapped in) have drawn and the browser is idle: on a cold start
// they do not take the server's or the browser's time from the editor or the charts. Listeners
// take it once (hx-trigger ... once), so the idles of later swaps cost nothing.
function afterIdle(mounted: Promise<unknown>): void {
  void mounted.then(() =>
    requestIdleCallback(() => htmx.trigger(document.body, 'materia:idle'), { timeout: idleWaitMsMax }),
  )
}

document.body.addEventListener('htmx:load', (event) => {
  afterIdle(mountAll(event.target as HTMLElement))
  platformHints(event.target as HTMLElement)
})
platformHints(document)

// htmx processes the first page on DOMContentLoaded (this module runs before that event, and htmx
// registered its handler first): its listeners exist before the first idle.
const domReady = new Promise<void>((resolve) => {
  if (document.readyState === 'complete') resolve()
  else document.addEventListener('DOMContentLoaded', () => resolve(), { once: true })
})
afterIdle(Promise.all([mountAll(document), domReady]))
