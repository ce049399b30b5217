// Dashboards tab: lists the pages under <project>/../dashboards/pages and edits one beside its
// live preview, rendered against the selected environment (issues in place, at their line): the
// preview follows the editor's unsaved text as it is typed, a templated page is shown for the value
// picked, and the frame reloads when the file changes on disk. Rendering lives in
// pipeline/dashboards (the same renderer a build uses).
import { type FSWatcher, watch } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { type Context, Hono } from 'hono'
import { streamSSE } from 'hono/streaming'
import { contentTypeOf } from '../../pipeline/content-type.ts'
import { dashboardAssets } from '../../pipeline/dashboards/assets.ts'
import { templateParams } from '../../pipeline/dashboards/page.ts'
import { listPages, readPage, templateValues } from '../../pipeline/dashboards/pages.ts'
import { pageVersion, previewReloadScript, renderPreview } from '../../pipeline/dashboards/preview.ts'
import { connectionRunner } from '../../pipeline/dashboards/query.ts'
import { MateriaError } from '../../pipeline/errors.ts'
import { dashboardSourceBytesMax } from '../../pipeline/limits.ts'
import { starterSql, type WorkbenchContext } from '../context.ts'
import { currentEnvironment, environmentRewrite } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { createNewFile } from '../project-files.ts'
import { renderPage } from '../shell.ts'

// Saves arrive as several events (truncate, write, rename); one reload after the burst is enough.
const changeSettleMs = 25
export function pagesDirOf(context: WorkbenchContext): string {
  return join(context.root, '..', 'dashboards', 'pages')
}

async function checkedPage(context: WorkbenchContext, path: string): Promise<string> {
  const pages = await listPages(pagesDirOf(context))
  if (!pages.includes(path)) {
    throw new MateriaError('dashboard', `no dashboard page "${path}" in ${pagesDirOf(context)}`)
  }
  return path
}

async function pageList(context: WorkbenchContext): Promise<Html> {
  const pagesDir = pagesDirOf(context)
  let paths: string[] = []
  try {
    paths = await listPages(pagesDir)
  } catch (error) {
    if (!(error instanceof MateriaError)) throw error
  }
  const rows = await Promise.all(
    paths.map(async (path) => {
      const page = await readPage(pagesDir, path)
      const href = `/dashboards?page=${encodeURIComponent(path)}`
      return html`<tr><td><a class="link" href="${href}" hx-get="${href}" hx-target="#main" hx-select="#main > *"
        hx-push-url="true" data-dashboard="${path}">${page.meta.title}</a></td><td><code>${path}</code></td>
        <td>${page.meta.public ? html`<span class="badge badge-success">public</span>` : html`<span class="badge">internal</span>`}</td></tr>`
    }),
  )
  const empty = html`<p>No pages yet: create one below, or add <code>*.md</code> files to <code>${pagesDir}</code>.</p>`
  return html`<h1 class="text-xl font-bold mb-3">Dashboards</h1>
<div class="card bg-base-100 p-4"><table class="table" id="dashboard-list"><thead><tr><th>Page</th><th>File</th><th>Audience</th></tr></thead>
<tbody>${rows}</tbody></table>${paths.length === 0 ? empty : ''}
<form hx-post="/dashboards/new" hx-target="#new-page-error" class="flex flex-wrap items-center gap-2 mt-4">
  <label class="text-sm font-semibold" for="new-page">New page</label>
  <input id="new-page" name="name" class="input input-sm w-64" placeholder="coffee-exports" required aria-describedby="new-page-error">
  <button class="btn btn-sm" id="create-page">Create</button>
  <div id="new-page-error" class="w-full text-sm"></div></form></div>`
}

// A new page's first text: a title from its name, internal until the analyst says otherwise, and
// one query shown as a table, so the preview has rows from the first keystroke.
function newPageText(name: string, sql: string): string {
  const title = name.replaceAll('-', ' ').replace(/^./, (first) => first.toUpperCase())
  return `---\ntitle: ${title}\npublic: false\n---\n\n\`\`\`sql rows\n${sql}\`\`\`\n\n<DataTable data={rows} />\n`
}

function watchPage(pagesDir: string, path: string, onChange: () => void): FSWatcher {
  let timer: NodeJS.Timeout | null = null
  return watch(pagesDir, { recursive: true }, (_event, filename) => {
    if (filename === null || filename.split('\\').join('/') !== path) return
    if (timer !== null) clearTimeout(timer)
    timer = setTimeout(onChange, changeSettleMs)
  })
}

// A templated page's parameter and its values, to pick which page the preview shows.
async function templateChoice(
  context: WorkbenchContext,
  environment: string,
  path: string,
): Promise<{ name: string; values: string[]; problem: string } | null> {
  const names = templateParams(path)
  if (names.length !== 1) return null
  const connection = await context.db.connect()
  try {
    const run = connectionRunner(connection, environmentRewrite(context, environment))
    const page = await readPage(pagesDirOf(context), path)
    const rows = await templateValues(page, run, path)
    return { name: names[0]!, values: rows.map((row) => row[names[0]!]!), problem: '' }
  } catch (error) {
    if (!(error instanceof MateriaError)) throw error
    return { name: names[0]!, values: [], problem: error.message }
  } finally {
    connection.disconnectSync()
  }
}

export function dashboardRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()
  // Workbench pages stay at the top level: the shell's asset URLs are relative to it.
  // The editor's unsaved text per page: the preview renders it until the file is saved.
  const drafts = new Map<string, string>()
  app.get('/dashboards', async (c) => {
    const requested = c.req.query('page')
    if (requested === undefined) return renderPage(c, context, '/dashboards', await pageList(context))
    const path = await checkedPage(context, requested)
    const source = await readFile(join(pagesDirOf(context), path), 'utf8')
    drafts.delete(path)
    const environment = currentEnvironment(c, context)
    const choice = await templateChoice(context, environment, path)
    const param = choice?.values[0]
    const frame = `/dashboard-preview?page=${encodeURIComponent(path)}${param === undefined ? '' : `&param=${encodeURIComponent(param)}`}`
    const picker =
      choice === null
        ? ''
        : choice.values.length === 0
          ? html`<div role="alert" class="alert alert-warning">${choice.problem}</div>`
          : html`<label class="flex items-center gap-2">${choice.name}
      <select class="select select-sm select-bordered" id="dashboard-param" data-param="${choice.name}">${choice.values.map((value) => html`<option>${value}</option>`)}</select></label>`
    const content = html`<div class="flex items-center gap-3 mb-3"><a class="link" href="/dashboards" hx-get="/dashboards"
      hx-target="#main" hx-select="#main > *" hx-push-url="true">Dashboards</a><span>/</span><code>${path}</code>
      <span class="badge badge-outline">${environment}</span>${picker}
      <button type="button" class="btn btn-sm btn-primary ml-auto" data-action="save-dashboard">Save</button>
      <span id="dashboard-status" class="text-sm" role="status"></span></div>
<div class="grid grid-cols-2 gap-3" data-component="dashboard-editor" data-page="${path}" data-guard-unsaved>
<label class="sr-only" for="dashboard-source">Source of ${path}</label>
<textarea id="dashboard-source" class="textarea textarea-bordered font-mono text-sm w-full" style="height: 80vh" spellcheck="false">${source}</textarea>
<iframe id="dashboard-preview" title="Preview of ${path}" src="${frame}" class="w-full bg-base-100 rounded-box" style="height: 80vh"></iframe>
</div>`
    return renderPage(c, context, '/dashboards', content)
  })
  // <pages>/<name>.md (the folder made if the project has none yet), then the editor opens on it. A
  // name a page has already is refused; nothing is overwritten.
  app.post('/dashboards/new', async (c) => {
    const form = await c.req.parseBody()
    const name = String(form.name ?? '')
      .trim()
      .toLowerCase()
    if (!/^[a-z0-9][a-z0-9-]{0,62}$/.test(name))
      throw new MateriaError(
        'usage',
        `"${name}" is not a page name; use lower-case letters, digits and -, e.g. coffee-exports`,
      )
    const path = `${name}.md`
    const text = newPageText(name, await starterSql(context, currentEnvironment(c, context)))
    await createNewFile(
      join(pagesDirOf(context), path),
      text,
      `page ${path} exists already; open it from the list`,
    )
    c.header('HX-Redirect', `/dashboards?page=${encodeURIComponent(path)}`)
    return c.body(null, 204)
  })

  app.get('/dashboard-preview', async (c) => {
    const path = await checkedPage(context, c.req.query('page') ?? '')
    const environment = currentEnvironment(c, context)
    const connection = await context.db.connect()
    try {
      const run = connectionRunner(connection, environmentRewrite(context, environment))
      const names = templateParams(path)
      const param = c.req.query('param')
      const preview = await renderPreview({
        pagesDir: pagesDirOf(context),
        path,
        run,
        environment,
        assetsRoot: '/dashboard-',
        source: c.req.query('draft') === undefined ? undefined : drafts.get(path),
        params: names.length === 1 && param !== undefined ? { [names[0]!]: param } : {},
      })
      c.header('Cache-Control', 'no-store')
      c.header('Server-Timing', `render;dur=${preview.renderMs.toFixed(1)}`)
      return c.html(preview.html)
    } finally {
      connection.disconnectSync()
    }
  })
  // The editor posts its text as the reader types (debounced); the preview then renders the draft.
  // The page named in the query and the text posted for it, checked.
  const postedSource = async (c: Context): Promise<{ path: string; source: string }> => {
    const path = await checkedPage(context, c.req.query('page') ?? '')
    const { source } = await c.req.json<{ source: unknown }>()
    if (typeof source !== 'string' || source.length > dashboardSourceBytesMax) {
      throw new MateriaError(
        'dashboard',
        `the text of ${path} must be a string under ${dashboardSourceBytesMax} characters`,
      )
    }
    return { path, source }
  }
  app.post('/dashboard-draft', async (c) => {
    const { path, source } = await postedSource(c)
    drafts.set(path, source)
    return c.json({ ok: true })
  })
  app.post('/dashboard-source', async (c) => {
    const { path, source } = await postedSource(c)
    await writeFile(join(pagesDirOf(context), path), source)
    drafts.delete(path)
    return c.json({ ok: true })
  })
  app.get('/dashboard-assets/:name', async (c) => {
    const name = c.req.param('name')
    const body =
      name === 'live-reload.js'
        ? await previewReloadScript()
        : (await dashboardAssets()).get(`assets/${name}`)
    if (body === undefined) return c.text('not found\n', 404)
    c.header('Content-Type', contentTypeOf(name))
    return c.body(typeof body === 'string' ? body : new Uint8Array(body))
  })
  app.get('/dashboard-events', async (c) => {
    const path = await checkedPage(context, c.req.query('page') ?? '')
    return streamSSE(c, async (stream) => {
      let changed: () => void = () => {}
      const signal = new Promise<void>((resolve) => {
        changed = resolve
      })
      const watcher = watchPage(pagesDirOf(context), path, () => changed())
      stream.onAbort(() => changed())
      // Saved between the preview's render and this connection: the watcher came too late for it.
      if ((await pageVersion(pagesDirOf(context), path)) !== c.req.query('version')) changed()
      try {
        await stream.writeSSE({ event: 'ready', data: path })
        await signal
        if (!stream.aborted) await stream.writeSSE({ event: 'change', data: path })
      } finally {
        watcher.close()
      }
    })
  })
  return app
}
