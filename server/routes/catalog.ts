// The data catalog of the chosen environment: its schemas, their tables and views, and per table
// the columns with types, the row count, a preview and a SUMMARIZE profile with a small histogram
// per numeric column.
import { Hono } from 'hono'
import { quoteIdentifier } from '../../pipeline/engine/index.ts'
import { MateriaError } from '../../pipeline/errors.ts'
import type { WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { renderPage } from '../shell.ts'

const previewRows = 20
const histogramBins = 20
const numericType =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/

// The schemas an environment shows: prod's are the model schemas, a dev env's end in __<env>.
function environmentSchemaFilter(environment: string): string {
  return environment === 'prod'
    ? "schema_name NOT LIKE '%\\_\\_%' ESCAPE '\\' AND schema_name NOT IN ('main', 'materia_state', 'information_schema', 'pg_catalog')"
    : `schema_name LIKE '%\\_\\_${environment.replaceAll('_', '\\_')}' ESCAPE '\\'`
}

function cellText(value: unknown): string {
  if (value === null) return '∅'
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function dataTable(columns: readonly string[], rows: readonly (readonly unknown[])[], id: string): Html {
  return html`<div class="overflow-auto max-h-80 border border-base-300 rounded-box"><table class="table table-xs table-pin-rows" id="${id}"><thead><tr>${columns.map((column) => html`<th class="font-mono">${column}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((value) => html`<td class="grid-cell font-mono">${cellText(value)}</td>`)}</tr>`)}</tbody></table></div>`
}

async function histogram(
  context: WorkbenchContext,
  relation: string,
  column: string,
): Promise<{ bins: string[]; counts: number[] }> {
  const name = quoteIdentifier(column)
  const reader = await context.connection.runAndReadAll(
    `WITH bounds AS (SELECT min(${name})::DOUBLE AS low, max(${name})::DOUBLE AS high FROM ${relation})
     SELECT least(${histogramBins - 1}, floor((${name}::DOUBLE - low) / nullif(high - low, 0) * ${histogramBins}))::INTEGER AS bin,
            count(*)::INTEGER, any_value(low), any_value(high)
     FROM ${relation}, bounds WHERE ${name} IS NOT NULL GROUP BY bin ORDER BY bin`,
  )
  const rows = reader.getRowsJson()
  const low = Number(rows[0]?.[2] ?? 0)
  const high = Number(rows[0]?.[3] ?? 0)
  const counts = new Array<number>(histogramBins).fill(0)
  for (const row of rows) counts[Math.max(0, Number(row[0] ?? 0))] = Number(row[1])
  const width = (high - low) / histogramBins
  return { bins: counts.map((_, index) => (low + index * width).toPrecision(4)), counts }
}

export function catalogRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()

  app.get('/catalog', async (c) => {
    const environment = currentEnvironment(c, context)
    const reader = await context.connection.runAndReadAll(
      `SELECT schema_name, table_name, 'table' AS kind FROM duckdb_tables() WHERE database_name = current_database() AND ${environmentSchemaFilter(environment)}
       UNION ALL SELECT schema_name, view_name, 'view' FROM duckdb_views() WHERE database_name = current_database() AND NOT internal AND ${environmentSchemaFilter(environment)}
       ORDER BY 1, 2`,
    )
    const bySchema = new Map<string, { table: string; kind: string }[]>()
    for (const row of reader.getRowsJson()) {
      const schema = String(row[0])
      bySchema.set(schema, [...(bySchema.get(schema) ?? []), { table: String(row[1]), kind: String(row[2]) }])
    }
    const tree = html`<ul class="menu menu-sm bg-base-100 rounded-box w-72 shrink-0" id="catalog-tree">${[
      ...bySchema,
    ].map(
      ([schema, tables]) =>
        html`<li><details open><summary class="font-semibold">${schema}</summary><ul>${tables.map(
          (
            entry,
          ) => html`<li><a hx-get="/catalog/table?name=${encodeURIComponent(`${schema}.${entry.table}`)}" hx-target="#catalog-detail"
          data-table="${schema}.${entry.table}">${entry.table} <span class="badge badge-ghost badge-xs">${entry.kind}</span></a></li>`,
        )}</ul></details></li>`,
    )}</ul>`
    const empty =
      bySchema.size === 0
        ? html`<div class="alert">Nothing built in ${environment} yet: apply a plan first.</div>`
        : ''
    return renderPage(
      c,
      context,
      '/catalog',
      html`<section class="flex gap-4 items-start" data-page="catalog">${tree}<div class="flex-1 min-w-0 flex flex-col gap-3" id="catalog-detail">${empty}<p class="opacity-60">Choose a table.</p></div></section>`,
    )
  })

  app.get('/catalog/table', async (c) => {
    const name = c.req.query('name') ?? ''
    const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/i.exec(name)
    if (match === null) throw new MateriaError('usage', `"${name}" is not schema.table`)
    const relation = `${quoteIdentifier(match[1] ?? '')}.${quoteIdentifier(match[2] ?? '')}`
    const count = Number(
      (
        await context.connection.runAndReadAll(`SELECT count(*)::BIGINT FROM ${relation}`)
      ).getRowsJson()[0]?.[0] ?? 0,
    )
    const preview = await context.connection.runAndReadAll(`SELECT * FROM ${relation} LIMIT ${previewRows}`)
    const summary = await context.connection.runAndReadAll(`SUMMARIZE ${relation}`)
    const summaryColumns = summary.columnNames()
    const summaryRows = summary.getRowsJson()
    const typeIndex = summaryColumns.indexOf('column_type')
    const numeric = summaryRows
      .filter((row) => numericType.test(String(row[typeIndex] ?? '')))
      .map((row) => String(row[0]))
    const charts = await Promise.all(
      numeric.map(async (column) => {
        const data = await histogram(context, relation, column)
        return html`<div class="card bg-base-100 border border-base-300"><div class="card-body p-2"><div class="text-xs font-mono">${column}</div>
<div class="h-24" data-component="chart" data-chart="histogram" data-column="${column}" data-json="${JSON.stringify(data)}"></div></div></div>`
      }),
    )
    return c.html(
      html`<h2 class="text-xl font-bold font-mono" id="catalog-title">${name}</h2><div><span class="badge badge-info" id="catalog-rows" data-rows="${count}">${count.toLocaleString('en-US')} rows</span></div>
<h3 class="font-semibold">Preview</h3>${dataTable(preview.columnNames(), preview.getRowsJson(), 'catalog-preview')}
<h3 class="font-semibold">Profile (SUMMARIZE)</h3>${dataTable(summaryColumns, summaryRows, 'catalog-profile')}
<div class="grid gap-2 grid-cols-2 lg:grid-cols-4" id="catalog-histograms">${charts}</div>`.text,
    )
  })

  return app
}
