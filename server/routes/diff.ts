// Dev vs prod for one model: the engine's table diff (schema changes, rows only on one side,
// changed rows, per-column match %) keyed on the model's grain, and a chart overlaying a numeric
// column of both environments over a chosen x column (e.g. world production by market year).
import { Hono } from 'hono'
import {
  environmentSchema,
  environmentView,
  quoteIdentifier,
  type TableDiff,
  tableDiff,
} from '../../pipeline/engine/index.ts'
import { MateriaError } from '../../pipeline/errors.ts'
import type { WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html, raw } from '../html.ts'
import { renderPage } from '../shell.ts'

async function relationColumns(
  context: WorkbenchContext,
  schema: string,
  table: string,
): Promise<{ name: string; type: string }[]> {
  const reader = await context.connection.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns() WHERE database_name = current_database() AND schema_name = $schema AND table_name = $table ORDER BY column_index`,
    { schema, table },
  )
  return reader.getRowsJson().map((row) => ({ name: String(row[0]), type: String(row[1]) }))
}

async function overlay(
  context: WorkbenchContext,
  relations: { name: string; relation: string }[],
  x: string,
  y: string,
): Promise<Html> {
  const series = await Promise.all(
    relations.map(async ({ name, relation }) => {
      const reader = await context.connection.runAndReadAll(
        `SELECT ${quoteIdentifier(x)}::VARCHAR, sum(${quoteIdentifier(y)})::DOUBLE FROM ${relation} GROUP BY 1 ORDER BY 1`,
      )
      return {
        name,
        points: new Map(
          reader.getRowsJson().map((row) => [String(row[0]), row[1] === null ? null : Number(row[1])]),
        ),
      }
    }),
  )
  const xs = [...new Set(series.flatMap((entry) => [...entry.points.keys()]))].sort()
  const data = {
    x: xs,
    series: series.map((entry) => ({
      name: entry.name,
      values: xs.map((key) => entry.points.get(key) ?? null),
    })),
  }
  return html`<div class="h-72" data-component="chart" data-chart="overlay" id="diff-chart" data-json="${JSON.stringify(data)}"
    role="img" aria-label="${y} by ${x}: ${relations.map((relation) => relation.name).join(' and ')}"></div>`
}

// A cell of a value table (formatted in the page by the value-table component).
function valueCell(value: unknown, type: string, column: string, changed: boolean): Html {
  const mark = changed ? ' bg-warning/25' : ''
  if (value === null || value === undefined)
    return html`<td class="font-mono${mark}" data-type="${type}" data-column="${column}" data-null="1">NULL</td>`
  const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
  return html`<td class="font-mono${mark}" data-type="${type}" data-column="${column}" data-value="${text}">${text}</td>`
}

// Changed rows as a table: the key columns, then prod's and the environment's value of each column
// that changed in any sampled row; an unchanged value shows as "=".
function changedRowsTable(diff: TableDiff, environment: string, types: ReadonlyMap<string, string>): Html {
  const changed = diff.sample.filter((entry) => entry.kind === 'changed')
  if (changed.length === 0) return html``
  const names = new Set(changed.flatMap((entry) => entry.columns.map((column) => column.column)))
  const columns = diff.columns.map((column) => column.column).filter((column) => names.has(column))
  const type = (column: string) => types.get(column) ?? 'VARCHAR'
  return html`<h2 class="font-semibold">Changed rows <span class="opacity-70 text-sm font-normal">(${changed.length} of ${diff.changed.toLocaleString('en-US')})</span></h2>
<div class="overflow-auto max-h-96 border border-base-300 rounded-box" tabindex="0" role="region" aria-label="Changed rows, prod against ${environment}">
<table class="table table-xs table-pin-rows" id="diff-changed-rows" data-component="value-table"><thead>
<tr>${diff.on.map((key) => html`<th rowspan="2" class="font-mono align-bottom">${key}</th>`)}${columns.map((column) => html`<th colspan="2" class="font-mono text-center border-l border-base-300">${column}</th>`)}</tr>
<tr>${columns.map(() => html`<th class="text-right border-l border-base-300">prod</th><th class="text-right">${environment}</th>`)}</tr></thead>
<tbody>${changed.map((entry) => {
    const byColumn = new Map(entry.columns.map((column) => [column.column, column]))
    return html`<tr>${diff.on.map((key) => valueCell(entry.key[key], type(key), key, false))}${columns.map(
      (column) => {
        const change = byColumn.get(column)
        return change === undefined
          ? html`<td class="text-center opacity-60 border-l border-base-300" colspan="2" data-unchanged="${column}">=</td>`
          : html`${valueCell(change.source, type(column), column, true)}${valueCell(change.target, type(column), column, true)}`
      },
    )}</tr>`
  })}</tbody></table></div>`
}

// Rows on one side only, as a table of all their columns.
function oneSideTable(
  diff: TableDiff,
  kind: 'only_in_source' | 'only_in_target',
  title: string,
  types: ReadonlyMap<string, string>,
): Html {
  const rows = diff.sample.flatMap((entry) => (entry.kind === kind ? [entry.row] : []))
  if (rows.length === 0) return html``
  const columns = Object.keys(rows[0] ?? {})
  return html`<h2 class="font-semibold">${title}</h2>
<div class="overflow-auto max-h-80 border border-base-300 rounded-box" tabindex="0" role="region" aria-label="${title}">
<table class="table table-xs table-pin-rows" data-side="${kind}" data-component="value-table"><thead><tr>${columns.map((column) => html`<th class="font-mono">${column}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${columns.map((column) => valueCell(row[column], types.get(column) ?? 'VARCHAR', column, false))}</tr>`)}</tbody></table></div>`
}

export function diffRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()
  app.get('/diff', async (c) => {
    const environment = currentEnvironment(c, context)
    const models = [...context.index.models.values()]
    const name = c.req.query('model') ?? ''
    const model = context.index.models.get(name)
    const picker = html`<form class="flex flex-wrap gap-2 items-center" hx-get="/diff" hx-target="#main" hx-select="#main > *" hx-push-url="true" id="diff-form">
<label class="sr-only" for="diff-model">Model</label><select name="model" id="diff-model" class="select select-sm w-80">${models.map((entry) => html`<option ${entry.name === name ? raw('selected') : ''}>${entry.name}</option>`)}</select>
<label class="sr-only" for="diff-x">x column</label><input name="x" id="diff-x" class="input input-sm w-40" placeholder="x column" value="${c.req.query('x') ?? ''}">
<label class="sr-only" for="diff-y">numeric column</label><input name="y" id="diff-y" class="input input-sm w-40" placeholder="y column" value="${c.req.query('y') ?? ''}">
<button class="btn btn-sm btn-primary">Compare ${environment} with prod</button></form>`
    let body: Html = html`<p class="opacity-60">Choose a model.</p>`
    if (model !== undefined) {
      if (environment === 'prod')
        throw new MateriaError('usage', 'choose a dev environment in the navbar to compare it with prod')
      const source = environmentView(model.schema, model.table, 'prod')
      const target = environmentView(model.schema, model.table, environment)
      const targetSchema = environmentSchema(model.schema, environment)
      const diff = await tableDiff(context.connection, { source, target, on: model.grain })
      const columns = await relationColumns(context, targetSchema, model.table)
      const x =
        c.req.query('x') || model.grain.find((column) => /year|date/.test(column)) || columns[0]?.name || ''
      const y =
        c.req.query('y') ||
        columns.find((column) => /DOUBLE|INT|DECIMAL/.test(column.type) && !model.grain.includes(column.name))
          ?.name ||
        ''
      const known = new Set(columns.map((column) => column.name))
      const types = new Map(columns.map((column) => [column.name, column.type]))
      const chart =
        known.has(x) && known.has(y)
          ? await overlay(
              context,
              [
                { name: `prod ${y}`, relation: source },
                { name: `${environment} ${y}`, relation: target },
              ],
              x,
              y,
            )
          : html`<p class="opacity-60">Pick an x column and a numeric column of ${model.name} to chart.</p>`
      body = html`<div class="stats shadow bg-base-100" id="diff-stats">
  <div class="stat"><div class="stat-title">prod rows</div><div class="stat-value text-lg">${diff.sourceRows}</div></div>
  <div class="stat"><div class="stat-title">${environment} rows</div><div class="stat-value text-lg">${diff.targetRows}</div></div>
  <div class="stat"><div class="stat-title">only in prod</div><div class="stat-value text-lg">${diff.onlyInSource}</div></div>
  <div class="stat"><div class="stat-title">only in ${environment}</div><div class="stat-value text-lg">${diff.onlyInTarget}</div></div>
  <div class="stat"><div class="stat-title">changed rows</div><div class="stat-value text-lg" id="diff-changed" data-changed="${diff.changed}">${diff.changed}</div></div></div>
<div class="text-sm">Schema: ${diff.schema.added.map((column) => html`<span class="badge badge-success badge-sm mr-1">+ ${column.column} ${column.type}</span>`)}${diff.schema.removed.map((column) => html`<span class="badge badge-error badge-sm mr-1">− ${column.column}</span>`)}${diff.schema.changed.map((column) => html`<span class="badge badge-warning badge-sm mr-1">${column.column}: ${column.sourceType} → ${column.targetType}</span>`)}${diff.schema.added.length + diff.schema.removed.length + diff.schema.changed.length === 0 ? 'unchanged' : ''}</div>
<div class="text-sm">Column match: ${diff.columns.map((column) => html`<span class="badge badge-ghost badge-sm mr-1">${column.column} ${column.matchPct.toFixed(1)}%</span>`)}</div>
${chart}
${changedRowsTable(diff, environment, types)}
${oneSideTable(diff, 'only_in_source', 'Only in prod', types)}
${oneSideTable(diff, 'only_in_target', `Only in ${environment}`, types)}`
    }
    return renderPage(
      c,
      context,
      '/diff',
      html`<section class="flex flex-col gap-3" data-page="diff"><h1 class="text-2xl font-bold">${environment} vs prod</h1>${picker}${body}</section>`,
    )
  })
  return app
}
