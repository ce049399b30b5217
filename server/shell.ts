// The page shell: the renderer's built index.html (hashed script and style names from Vite) with
// the navbar and the page's first fragment filled in on the server, so the first paint needs no
// second request. htmx navigation then swaps only #main.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Context } from 'hono'
import type { WorkbenchContext } from './context.ts'
import { currentEnvironment, listEnvironments } from './environments.ts'
import { type Html, html, raw } from './html.ts'

let cachedShell: { dir: string; text: string } | null = null

async function shellTemplate(rendererDir: string): Promise<string | null> {
  if (cachedShell?.dir === rendererDir) return cachedShell.text
  try {
    const text = await readFile(join(rendererDir, 'index.html'), 'utf8')
    cachedShell = { dir: rendererDir, text }
    return text
  } catch {
    return null
  }
}

export const pages = [
  { path: '/', label: 'Home' },
  { path: '/models', label: 'Models' },
  { path: '/query', label: 'Query' },
  { path: '/plan', label: 'Plan' },
  { path: '/dag', label: 'DAG' },
  { path: '/catalog', label: 'Catalog' },
  { path: '/diff', label: 'Dev vs prod' },
  { path: '/dashboards', label: 'Dashboards' },
  { path: '/prod-run', label: 'Run in prod' },
] as const

const logo = raw(
  `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64" width="28" height="28" aria-hidden="true"><ellipse cx="32" cy="32" rx="20" ry="27" transform="rotate(-28 32 32)" fill="#6b3f24"/><path d="M20 50 C 28 40, 24 30, 32 24 S 40 12, 46 12" fill="none" stroke="#f3e3c3" stroke-width="4.5" stroke-linecap="round"/><circle cx="46" cy="12" r="3.5" fill="#3fa36b"/></svg>`,
)

async function navbar(c: Context, context: WorkbenchContext, activePath: string): Promise<Html> {
  const environment = currentEnvironment(c, context)
  const environments = await listEnvironments(context)
  const links = pages.map(
    (page) => html`<li><a href="${page.path}" hx-get="${page.path}" hx-target="#main" hx-select="#main > *"
      hx-push-url="true" data-guard-unsaved data-nav="${page.label}"
      class="whitespace-nowrap px-2${page.path === activePath ? ' menu-active' : ''}">${page.label}</a></li>`,
  )
  const options = environments.map(
    (name) => html`<option value="${name}" ${name === environment ? raw('selected') : ''}>${name}</option>`,
  )
  // One line from 1024 px up: below 1280 px the wordmark gives way to the logo alone, the project
  // name and the environment list narrow (their full text stays in the title and the list). The page
  // links keep their width; where the line is short the "changed" badge gives way, cut to fit.
  return html`<header class="navbar bg-base-100 shadow-sm gap-2 px-2 xl:px-4 flex-nowrap" id="navbar">
  <div class="flex items-center gap-2 flex-none">${logo}<span class="font-bold hidden xl:inline">BeanFlows</span>
    <span class="badge badge-ghost max-w-28 xl:max-w-48 truncate block" id="project-name" title="${context.index.name} · ${context.root}">${context.index.name}</span></div>
  <nav class="flex-1 min-w-fit" aria-label="Pages"><ul class="menu menu-horizontal menu-sm px-0 flex-nowrap gap-0" hx-boost="false">${links}</ul></nav>
  <div id="stale-badge" class="flex-initial min-w-0" hx-get="/plan/stale" hx-trigger="materia:idle from:body once, materia:saved from:body, materia:applied from:body" hx-swap="innerHTML"></div>
  <form hx-post="/environment" hx-trigger="change" hx-swap="none" class="flex items-center gap-1 flex-none">
    <label class="text-sm opacity-70" for="environment">env</label>
    <select id="environment" name="environment" class="select select-sm w-32 xl:w-44" data-environment="${environment}">${options}</select>
  </form>
  <details class="dropdown dropdown-end" id="environment-menu"><summary class="btn btn-sm btn-ghost" aria-label="Manage environments">⋯</summary>
    <div class="dropdown-content z-10 card card-compact bg-base-100 shadow w-72 p-3 gap-2">
      <form hx-post="/environment/create" hx-target="#environment-error" class="flex gap-1">
        <label class="sr-only" for="new-environment">New dev environment</label>
        <input id="new-environment" name="name" class="input input-sm flex-1" placeholder="dev_name" required pattern="dev_[a-z0-9_]+">
        <button class="btn btn-sm" id="create-environment">Create</button></form>
      <p class="text-xs opacity-80">A new environment starts as a copy of prod's views: nothing is rebuilt.</p>
      ${environment === 'prod' || environment === context.defaultEnvironment ? '' : html`<form hx-post="/environment/drop" hx-target="#environment-error" hx-confirm="Drop ${environment}? Its views go; prod is untouched."><input type="hidden" name="name" value="${environment}"><button class="btn btn-sm btn-error btn-outline w-full" id="drop-environment">Drop ${environment}</button></form>`}
      <div id="environment-error"></div></div></details>
  <button type="button" class="btn btn-sm btn-ghost hidden" data-action="open-project" id="open-project">Open project…</button>
  <button type="button" class="btn btn-sm btn-ghost" data-action="toggle-theme" id="theme-toggle" aria-label="Toggle light/dark theme">◐</button>
</header>`
}

// Renders a page: the fragment alone for htmx navigation, the whole shell otherwise.
export async function renderPage(
  c: Context,
  context: WorkbenchContext,
  activePath: string,
  content: Html,
): Promise<Response> {
  c.header('Cache-Control', 'no-store')
  if (c.req.header('hx-request') === 'true' && c.req.header('hx-history-restore-request') !== 'true') {
    return c.html(html`<div id="main">${content}</div>`.text)
  }
  const template = await shellTemplate(context.rendererDir)
  if (template === null) {
    return c.text(`The workbench's renderer is not built (${context.rendererDir}); run npm run build\n`, 503)
  }
  // Functions, not strings: a replacement string reads $&, $' and $` in the page (a model's SQL
  // holds them, e.g. a regex ending in +$') as the placeholder and the template around it.
  const bar = (await navbar(c, context, activePath)).text
  const page = template.replace('<!--app-navbar-->', () => bar).replace('<!--app-main-->', () => content.text)
  return c.html(page)
}
