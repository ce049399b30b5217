// The model editor's side panel: kind, grain, upstream and downstream models, output columns with
// types (from the environment's view in the DuckDB catalog) and the SQL as it runs there.

import { environmentSchema, renderMacros, splitModelFile } from '../../pipeline/engine/index.ts'
import { isMateriaError } from '../../pipeline/errors.ts'
import type { WorkbenchContext } from '../context.ts'
import { environmentRewrite } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { readProjectFile } from '../project-files.ts'
import type { ModelEntry } from '../project-index.ts'
import { previewContext } from './model-tools.ts'

function modelLinks(context: WorkbenchContext, names: readonly string[]): Html {
  if (names.length === 0) return html`<span class="opacity-60">none</span>`
  return html`${names.map((name) => {
    const path = context.index.models.get(name)?.path ?? ''
    return html`<a class="link mr-2" href="/models?path=${encodeURIComponent(path)}" hx-get="/models?path=${encodeURIComponent(path)}"
      hx-target="#main" hx-select="#main > *" hx-push-url="true" data-guard-unsaved>${name}</a>`
  })}`
}

export async function modelPanel(
  context: WorkbenchContext,
  model: ModelEntry | null,
  environment: string,
): Promise<Html> {
  if (model === null) return html`<div class="opacity-60 text-sm">Not a model file.</div>`
  const reader = await context.connection.runAndReadAll(
    `SELECT column_name, data_type, schema_name FROM duckdb_columns()
     WHERE database_name = current_database() AND table_name = $table AND schema_name IN ($env, $prod)
     ORDER BY schema_name = $env DESC, column_index`,
    { table: model.table, env: environmentSchema(model.schema, environment), prod: model.schema },
  )
  const rows = reader.getRowsJson()
  const schema = String(rows[0]?.[2] ?? '')
  const columns = rows.filter((row) => String(row[2]) === schema)
  const text = (await readProjectFile(context.root, model.path)).text
  const query = splitModelFile(text).query.trim()
  // The engine's render (macros over all of time, as the preview runs it), then its rewrite to the
  // environment's views. A query it cannot read yet (mid-edit) is shown as written; the editor
  // marks the error.
  const project = context.project
  const loaded = project?.models.get(model.name)
  const rendered = await (async () => {
    const macrosDone =
      project === null || loaded === undefined
        ? query
        : renderMacros(project, loaded, previewContext(), query).trim()
    return environmentRewrite(context, environment)(macrosDone)
  })().catch((error: unknown) => {
    if (isMateriaError(error)) return query
    throw error
  })
  return html`<div class="card bg-base-100 shadow-sm"><div class="card-body p-4 gap-3 text-sm">
  <h2 class="card-title text-base font-mono">${model.name}</h2>
  <div><span class="badge badge-info">${model.kind}</span> ${model.grain.length > 0 ? html`<span class="opacity-70">grain</span> <span class="font-mono">${model.grain.join(', ')}</span>` : ''}</div>
  <div><div class="font-semibold">Upstream</div>${modelLinks(context, model.parents)}</div>
  <div><div class="font-semibold">Downstream</div>${modelLinks(context, model.children)}</div>
  <div><div class="font-semibold">Columns ${schema === '' ? html`<span class="opacity-60">(not built in ${environment} yet)</span>` : html`<span class="opacity-60 font-normal">in ${schema}</span>`}</div>
    <table class="table table-xs" id="panel-columns"><tbody>${columns.map(
      (row) =>
        html`<tr><td class="font-mono">${String(row[0])}</td><td class="opacity-70">${String(row[1])}</td></tr>`,
    )}</tbody></table></div>
  <div><div class="font-semibold">SQL in ${environment}</div><pre class="text-xs bg-base-200 p-2 rounded overflow-auto max-h-64" id="panel-rendered" tabindex="0" aria-label="SQL of the model in ${environment}">${rendered}</pre></div>
</div></div>`
}
