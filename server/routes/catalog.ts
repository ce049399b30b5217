// The data catalog of the chosen environment: its schemas, their tables and views, and per table
// the columns with types, the row count, a preview and a SUMMARIZE profile with a small histogram
// per numeric column.
import { Hono } from 'hono'
import { quoteIdentifier } from '../../pipeline/engine/index.ts'
import { MateriaError } from '../../pipeline/errors.ts'
import { tableExists, type WorkbenchContext } from '../context.ts'
import { currentEnvironment } from '../environments.ts'
import { type Html, html } from '../html.ts'
import { renderPage } from '../shell.ts'

const previewRows = 20
const histogramBins = 20
export const integerType = /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT)$/
export const numericType =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/

// The schemas an environment shows: prod's are the model schemas, a dev env's end in __<env>.
function environmentSchemaFilter(environment: string): string {
  return environment === 'prod'
    ? "schema_name NOT LIKE '%\\_\\_%' ESCAPE '\\' AND schema_name NOT IN ('main', 'materia_state', 'information_schema', 'pg_catalog')"
    : `schema_name LIKE '%\\_\\_${environment.replaceAll('_', '\\_')}' ESCAPE '\\'`
}

function rawText(value: unknown): string {
  return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)
}

// A table of values; `typeOf(row, column)` names each cell's DuckDB type, and the page's
// value-table component formats the cells from their raw values (renderer/src/value-format.ts).
export function valueTable(
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
  id: string,
  typeOf: (row: readonly unknown[], column: number) => string,
  caption: string,
  nameOf: (row: readonly unknown[], column: number) => string = (_, index) => columns[index] ?? '',
): Html {
  return html`<div class="overflow-auto max-h-80 border border-base-300 rounded-box" tabindex="0" role="region" aria-label="${caption}"><table class="table table-xs table-pin-rows" id="${id}" data-component="value-table"><thead><tr>${columns.map((column, index) => html`<th class="font-mono${numericType.test(typeOf(rows[0] ?? [], index)) ? ' text-right' : ''}">${column}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((value, index) => (value === null ? html`<td class="font-mono" data-type="${typeOf(row, index)}" data-column="${nameOf(row, index)}" data-null="1">NULL</td>` : html`<td class="font-mono" data-type="${typeOf(row, index)}" data-column="${nameOf(row, index)}" data-value="${rawText(value)}">${rawText(value)}</td>`))}</tr>`)}</tbody></table></div>`
}

// SUMMARIZE gives min, max, avg, std and the quartiles as text; for a numeric column they are
// numbers and read as such.
const summaryNumberColumns = new Set(['min', 'max', 'avg', 'std', 'q25', 'q50', 'q75'])

// Equal-width bins from the column's min to its max. An integer column spanning fewer values than
// histogramBins gets one bin per value (market years 2020-2022 are three bars, not twenty).
async function histogram(
  context: WorkbenchContext,
  relation: string,
  column: string,
  integer: boolean,
): Promise<{ low: number; high: number; counts: number[] }> {
  const name = quoteIdentifier(column)
  const bounds = (
    await context.connection.runAndReadAll(
      `SELECT min(${name})::DOUBLE, max(${name})::DOUBLE FROM ${relation}`,
    )
  ).getRowsJson()[0]
  const low = Number(bounds?.[0] ?? 0)
  const perValue = integer && Number(bounds?.[1] ?? 0) - low + 1 <= histogramBins
  const high = Number(bounds?.[1] ?? 0) + (perValue ? 1 : 0)
  const bins = perValue ? high - low : histogramBins
  const reader = await context.connection.runAndReadAll(
    `SELECT least(${bins - 1}, floor((${name}::DOUBLE - $low) / nullif($high - $low, 0) * ${bins}))::INTEGER AS bin,
            count(*)::INTEGER
     FROM ${relation} WHERE ${name} IS NOT NULL GROUP BY bin ORDER BY bin`,
    { low, high },
  )
  const counts = new Array<number>(bins).fill(0)
  for (const row of reader.getRowsJson()) counts[Math.max(0, Number(row[0] ?? 0))] = Number(row[1])
  return { low, high, counts }
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
      html`<h1 class="text-2xl font-bold mb-3">Catalog of ${environment}</h1><section class="flex gap-4 items-start" data-page="catalog">${tree}<div class="flex-1 min-w-0 flex flex-col gap-3" id="catalog-detail">${empty}<p class="opacity-60">Choose a table.</p></div></section>`,
    )
  })

  app.get('/catalog/table', async (c) => {
    const name = c.req.query('name') ?? ''
    const match = /^([a-z_][a-z0-9_]*)\.([a-z_][a-z0-9_]*)$/i.exec(name)
    if (match === null) throw new MateriaError('usage', `"${name}" is not schema.table`)
    if (!(await tableExists(context, match[1] ?? '', match[2] ?? '')))
      throw new MateriaError(
        'usage',
        `no table or view ${name} in the project's database; choose one in the catalog`,
      )
    const relation = `${quoteIdentifier(match[1] ?? '')}.${quoteIdentifier(match[2] ?? '')}`
    const count = Number(
      (
        await context.connection.runAndReadAll(`SELECT count(*)::BIGINT FROM ${relation}`)
      ).getRowsJson()[0]?.[0] ?? 0,
    )
    // Ordered, so the preview shows the same first rows every time (by the leading columns, which
    // for a model are its keys).
    const preview = await context.connection.runAndReadAll(
      `SELECT * FROM ${relation} ORDER BY ALL LIMIT ${previewRows}`,
    )
    const previewTypes = preview.columnTypes().map((type) => type.toString())
    const summary = await context.connection.runAndReadAll(`SUMMARIZE ${relation}`)
    const summaryColumns = summary.columnNames()
    const summaryRows = summary.getRowsJson()
    const typeIndex = summaryColumns.indexOf('column_type')
    const numeric = summaryRows
      .filter((row) => numericType.test(String(row[typeIndex] ?? '')))
      .map((row) => ({ column: String(row[0]), integer: integerType.test(String(row[typeIndex] ?? '')) }))
    // A numeric column's min, max and quartiles have its own type (a year stays 2021); avg and std
    // are fractions.
    const profileType = (row: readonly unknown[], index: number): string => {
      const column = summaryColumns[index] ?? ''
      if (column === 'count' || column === 'approx_unique') return 'BIGINT'
      if (column === 'null_percentage') return 'DOUBLE'
      const type = String(row[typeIndex] ?? '')
      if (!numericType.test(type) || !summaryNumberColumns.has(column)) return 'VARCHAR'
      return column === 'avg' || column === 'std' ? 'DOUBLE' : type
    }
    const charts = await Promise.all(
      numeric.map(async ({ column, integer }) => {
        const data = await histogram(context, relation, column, integer)
        return html`<div class="card bg-base-100 border border-base-300"><div class="card-body p-2"><div class="text-xs font-mono">${column}</div>
<div class="h-40" data-component="chart" data-chart="histogram" data-column="${column}" data-json="${JSON.stringify({ ...data, column })}" role="img" aria-label="Histogram of ${column}: rows per value range"></div></div></div>`
      }),
    )
    return c.html(
      html`<h2 class="text-xl font-bold font-mono" id="catalog-title">${name}</h2><div><span class="badge badge-info" id="catalog-rows" data-rows="${count}">${count.toLocaleString('en-US')} rows</span></div>
<h3 class="font-semibold">Preview</h3>${valueTable(preview.columnNames(), preview.getRowsJson(), 'catalog-preview', (_, index) => previewTypes[index] ?? '', `First ${previewRows} rows of ${name}`)}
<h3 class="font-semibold">Profile (SUMMARIZE)</h3>${valueTable(summaryColumns, summaryRows, 'catalog-profile', profileType, `Profile of ${name}`, (row, index) => (summaryNumberColumns.has(summaryColumns[index] ?? '') ? String(row[0]) : (summaryColumns[index] ?? '')))}
<div class="grid gap-2 grid-cols-2 lg:grid-cols-4" id="catalog-histograms">${charts}</div>`.text,
    )
  })

  return app
}
