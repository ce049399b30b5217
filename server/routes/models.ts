// Models: the file tree by layer, the editor's file API (read, save with conflict check, stat for
// external edits), diagnostics, completion, format, and the side panel.
import { Hono } from 'hono'
import { formatModelFile } from '../../pipeline/engine/index.ts'
import { isMateriaError, MateriaError } from '../../pipeline/errors.ts'
import { chunkPreloads } from '../asset-preload.ts'
import { reloadIndex, type WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { html } from '../html.ts'
import { complete, diagnose } from '../model-analysis.ts'
import { createProjectFile, fileMtime, readProjectFile, saveProjectFile } from '../project-files.ts'
import { fileGroups } from '../project-index.ts'
import { renderPage } from '../shell.ts'
import { modelPanel } from './model-panel.ts'

function fileTree(context: WorkbenchContext, selected: string): ReturnType<typeof html> {
  const groups = fileGroups
    .map((group) => ({ group, files: context.index.files.filter((file) => file.group === group) }))
    .filter((entry) => entry.files.length > 0)
  return html`<ul class="menu menu-sm bg-base-100 rounded-box w-64 shrink-0" id="model-tree">${groups.map(
    (entry) =>
      html`<li><details open><summary class="font-semibold capitalize">${entry.group}</summary><ul>${entry.files.map(
        (
          file,
        ) => html`<li><a href="/models?path=${encodeURIComponent(file.path)}" hx-get="/models?path=${encodeURIComponent(file.path)}"
        hx-target="#main" hx-select="#main > *" hx-push-url="true" data-guard-unsaved data-path="${file.path}"
        class="${file.path === selected ? 'menu-active' : ''}">${file.model ?? file.path.split('/').pop()}</a></li>`,
      )}</ul></details></li>`,
  )}<li class="mt-2 px-2"><form hx-post="/models/new" hx-target="#new-model-error" class="flex flex-wrap gap-1 p-0" data-guard-unsaved>
    <label class="w-full text-sm font-semibold" for="new-model">New model</label>
    <input id="new-model" name="name" class="input input-sm flex-1 min-w-0" placeholder="serving.new_model" required
      aria-describedby="new-model-error">
    <button class="btn btn-sm" id="create-model">Create</button></form></li>
  <li class="px-2"><div id="new-model-error" class="p-0 text-sm"></div></li></ul>`
}

// A new model's first text: the header and a query the engine loads and applies as they are; the
// analyst goes on from there (lint names what a finished model still lacks).
function newModelText(name: string): string {
  return `MODEL (\n  name ${name},\n  kind FULL\n);\n\nSELECT\n  1 AS id\n`
}

function bodyString(body: Record<string, unknown>, key: string): string {
  const value = body[key]
  if (typeof value !== 'string') throw new MateriaError('usage', `request body needs "${key}" as text`)
  return value
}

export function modelRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()

  app.get('/models', async (c) => {
    const path = c.req.query('path') ?? context.index.files.find((file) => file.model !== null)?.path ?? ''
    const file = context.index.files.find((entry) => entry.path === path)
    // The text rides in the page, so the editor does not wait for a second request once Monaco runs.
    const version = file === undefined ? null : await readProjectFile(context.root, path)
    const editor =
      file === undefined
        ? html`<div role="alert" class="alert">${
            path === ''
              ? 'No model files in this project yet: create one with New model.'
              : `${path} is not a file of this project; choose one in the tree.`
          }</div>`
        : html`<div class="flex flex-col gap-2 min-w-0 flex-1">
  <div class="flex flex-wrap items-center gap-2"><span class="font-mono text-sm" id="editor-path">${path}</span>
    <span class="badge badge-warning badge-sm hidden" id="editor-dirty">unsaved</span>
    <span class="text-xs opacity-80 ml-auto" data-shortcuts>Ctrl+S save · Shift+Alt+F format · Ctrl+Shift+Enter preview · Ctrl+Space complete · hover a column for lineage</span>
    <button type="button" class="btn btn-sm" id="editor-preview" title="First rows of the model, or of the CTE under the cursor">Preview</button>
    <button type="button" class="btn btn-sm" id="editor-format">Format</button>
    <button type="button" class="btn btn-sm btn-primary" id="editor-save">Save</button></div>
  <div role="alert" class="alert alert-warning hidden" id="editor-conflict"></div>
  <div role="alert" class="alert alert-error hidden font-mono text-sm" id="editor-format-problem"></div>
  <div class="editor-host rounded-box overflow-hidden border border-base-300" data-component="model-editor"
    data-path="${path}" data-model="${file.model ?? ''}" data-file="${JSON.stringify(version)}" id="model-editor"></div>
  <ul class="text-sm font-mono" id="editor-problems"></ul>
  <div id="model-preview" aria-live="polite"></div>
</div>
<aside class="w-72 xl:w-96 shrink-0" id="model-panel" hx-get="/models/panel?path=${encodeURIComponent(path)}"
  hx-trigger="materia:idle from:body once, materia:saved from:body" hx-swap="innerHTML"></aside>`
    return renderPage(
      c,
      context,
      '/models',
      html`<section class="flex gap-4 items-start" data-page="models"><h1 class="sr-only">Models${path === '' ? '' : `: ${path}`}</h1>${chunkPreloads(context.rendererDir, 'src/model-editor.ts')}${fileTree(context, path)}${editor}</section>`,
    )
  })

  // models/<schema>/<name>.sql, then the editor opens on it. A name that a model or file has already
  // is refused; nothing is overwritten.
  app.post('/models/new', async (c) => {
    const form = await c.req.parseBody()
    const name = String(form.name ?? '')
      .trim()
      .toLowerCase()
    const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/.exec(name)
    if (match === null)
      throw new MateriaError(
        'usage',
        `"${name}" is not a model name; use schema.name, e.g. serving.coffee_prices`,
      )
    const owner = context.index.files.find((file) => file.model === name)
    if (owner !== undefined)
      throw new MateriaError('usage', `model ${name} exists already, in ${owner.path}; open it from the tree`)
    const path = `models/${match[1]}/${match[2]}.sql`
    await createProjectFile(context.root, path, newModelText(name))
    await reloadIndex(context)
    c.header('HX-Redirect', `/models?path=${encodeURIComponent(path)}`)
    return c.body(null, 204)
  })

  app.get('/models/panel', async (c) => {
    const path = c.req.query('path') ?? ''
    const model = [...context.index.models.values()].find((entry) => entry.path === path)
    return c.html((await modelPanel(context, model ?? null, currentEnvironment(c, context))).text)
  })

  app.get('/api/file', async (c) => c.json(await readProjectFile(context.root, c.req.query('path') ?? '')))

  app.get('/api/file/mtime', async (c) =>
    c.json({ mtimeMs: await fileMtime(context.root, c.req.query('path') ?? '') }),
  )

  app.put('/api/file', async (c) => {
    const body = await c.req.json<Record<string, unknown>>()
    const result = await saveProjectFile(
      context.root,
      bodyString(body, 'path'),
      bodyString(body, 'text'),
      Number(body.baseMtimeMs),
    )
    if (!result.saved) {
      return c.json({ error: 'the file changed on disk since it was opened', current: result.current }, 409)
    }
    await reloadIndex(context)
    return c.json(result)
  })

  app.post('/api/diagnostics', async (c) => {
    const body = await c.req.json<Record<string, unknown>>()
    const path = bodyString(body, 'path')
    const model = [...context.index.models.values()].find((entry) => entry.path === path)
    const startedMs = performance.now()
    const diagnostics = await diagnose(bodyString(body, 'text'), context.index, model?.name ?? null)
    c.header('Server-Timing', `diagnose;dur=${(performance.now() - startedMs).toFixed(1)}`)
    return c.json(diagnostics)
  })

  app.post('/api/complete', async (c) => {
    const body = await c.req.json<Record<string, unknown>>()
    const startedMs = performance.now()
    const items = await complete({
      connection: context.connection,
      text: bodyString(body, 'text'),
      offset: Number(body.offset),
      index: context.index,
      environment: currentEnvironment(c, context),
      functionNames: context.functionNames,
      keywords: context.keywords,
    })
    c.header('Server-Timing', `complete;dur=${(performance.now() - startedMs).toFixed(1)}`)
    return c.json(items)
  })

  app.post('/api/format', async (c) => {
    const body = await c.req.json<Record<string, unknown>>()
    try {
      const path = typeof body.path === 'string' && body.path !== '' ? body.path : undefined
      return c.json({ text: formatModelFile(bodyString(body, 'text'), path) })
    } catch (error) {
      // A file the formatter cannot parse stays as written; the editor shows why, at file:line:column.
      if (isMateriaError(error)) return c.json({ text: bodyString(body, 'text'), error: error.message })
      throw error
    }
  })

  return app
}
