// The workbench's query runner. A run materializes its last SELECT into a table of the in-memory
// database `materia_results`, attached once to the project's DuckDB instance and so shared by all
// its connections: paging is then a cheap scan of that table instead of re-running the user's
// query for every page. Sorting or filtering materializes one ordered copy per (result, view) the
// first time it is asked for, so paging through a sorted 1 M-row result costs one sort, not one per
// page. Only the most recent results stay (queryResultsCachedMax).
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { assert } from '../pipeline/assert.ts'
import {
  describeQueryError,
  guardWorkbenchStatement,
  quoteIdentifier,
  quoteLiteral,
  splitStatements,
} from '../pipeline/engine/index.ts'
import { MateriaError } from '../pipeline/errors.ts'
import {
  queryChartPointsMax,
  queryPageRowsMax,
  queryResultsCachedMax,
  querySqlBytesMax,
  queryStatementsMax,
  querySummaryColumnsMax as summaryColumnsMax,
  querySummaryExactRowsMax as summaryExactRowsMax,
} from '../pipeline/limits.ts'

export const resultsDatabase = 'materia_results'

export interface ResultColumn {
  readonly name: string
  readonly type: string
}

export interface QueryResult {
  readonly id: number
  readonly sql: string
  readonly environment: string
  readonly columns: readonly ResultColumn[]
  readonly rowCount: number
  readonly elapsedMs: number
  readonly message: string | null // set for scripts whose last statement returns no rows
}

export type FilterOperator = '=' | '<' | '>' | 'contains' | 'is null' | 'is not null'
export const filterOperators: readonly FilterOperator[] = [
  '=',
  '<',
  '>',
  'contains',
  'is null',
  'is not null',
]

// One condition of a result filter; conditions combine with AND.
export interface ResultFilter {
  readonly column: string
  readonly operator: FilterOperator
  readonly value: string // ignored by is null / is not null
}

export interface ResultView {
  readonly sortColumn: string | null
  readonly descending: boolean
  readonly filters: readonly ResultFilter[]
}

// Per-column facts for the grid's header: nulls, distinct values (exact up to
// querySummaryExactRowsMax rows, HyperLogLog's estimate past it), min, max, and for
// numeric columns a histogram of histogramBins equal-width bins between min and max.
export interface ColumnSummary {
  readonly name: string
  readonly nulls: number
  readonly distinct: number
  readonly min: string | null
  readonly max: string | null
  readonly histogram: readonly number[] | null
  readonly approximate: boolean // distinct is HyperLogLog's estimate
}

export interface ChartRequest {
  readonly kind: 'line' | 'bar' | 'scatter'
  readonly x: string
  readonly y: string
  readonly series: string | null
}

// Columns of points (one entry per point): x, y and the series each belongs to ('' without one).
export interface ChartData {
  readonly kind: ChartRequest['kind']
  readonly x: readonly unknown[]
  readonly y: readonly (number | null)[]
  readonly series: readonly string[]
  readonly truncated: boolean
}

const histogramBins = 16
const numericType =
  /^(TINYINT|SMALLINT|INTEGER|BIGINT|HUGEINT|UTINYINT|USMALLINT|UINTEGER|UBIGINT|FLOAT|DOUBLE|DECIMAL.*)$/

export interface ResultPage {
  readonly result: QueryResult
  readonly view: ResultView
  readonly page: number // 0-based
  readonly pageSize: number
  readonly rowCount: number // rows in this view (after the filter)
  readonly rows: readonly (readonly unknown[])[]
}

// A statement with a syntax error is left as written: DuckDB then reports the error itself, with
// its line and caret, and nothing runs. Any other failure to rewrite is reported as it is.
async function rewriteOrKeep(
  statement: string,
  rewrite: (statement: string) => Promise<string>,
): Promise<string> {
  try {
    return await rewrite(statement)
  } catch (error) {
    if (error instanceof MateriaError && /^SQL syntax error/.test(error.message)) return statement
    throw error
  }
}

// The column's DuckDB type as SQL, for casting a filter value to it.
function typeOf(result: QueryResult, column: string): string {
  const type = result.columns.find((entry) => entry.name === column)?.type ?? 'VARCHAR'
  return /^[A-Z0-9_(), ]+$/i.test(type) ? type : 'VARCHAR'
}

interface ViewTable {
  readonly key: string // the view as JSON
  readonly name: string
  readonly table: Promise<{ name: string; rowCount: number }>
}

// Views kept per result: the current one and the one before it, which requests may still page.
const viewTablesKept = 2

// A run's last SELECT is written to its result table with this in front.
function resultWrapper(table: string): string {
  return `CREATE TABLE ${table} AS `
}

// DuckDB echoes the statement it ran under "LINE 1:" with a caret under the failing word; for a
// result that is the wrapper and the analyst's query: the echo and its caret are given for the query
// alone. A long line DuckDB echoes only in part is left as it is.
function withoutWrapper(message: string, wrapper: string): string {
  const lines = message.split('\n')
  const echo = `LINE 1: ${wrapper}`
  const at = lines.findIndex((line) => line.startsWith(echo))
  if (at < 0) return message
  lines[at] = `LINE 1: ${lines[at]!.slice(echo.length)}`
  const caret = lines[at + 1]
  if (caret !== undefined && /^ +\^$/.test(caret) && caret.length > echo.length) {
    lines[at + 1] = caret.slice(wrapper.length)
  }
  return lines.join('\n')
}

export class QueryRunner {
  readonly #instance: DuckDBInstance
  readonly #running = new Map<string, DuckDBConnection>()
  readonly #results = new Map<number, QueryResult>()
  // Per result, its latest views' tables (newest last). Each view gets a table of its own: a new
  // view (another filter) built while a request still pages the previous one must neither replace the
  // table under that request nor collide with its CREATE.
  readonly #views = new Map<number, ViewTable[]>()
  #nextId = 1
  #nextView = 1

  readonly #scratch: string
  readonly #exportRoot: string

  private constructor(instance: DuckDBInstance, scratch: string, exportRoot: string) {
    this.#instance = instance
    this.#scratch = scratch
    this.#exportRoot = exportRoot
  }

  // `scratch`: the user's scratch schema, the only place a script may write (query-guard.ts).
  // `exportRoot`: where exports are written; it must be a folder DuckDB may write in.
  static async create(
    instance: DuckDBInstance,
    options: { readonly scratch: string; readonly exportRoot: string },
  ): Promise<QueryRunner> {
    const connection = await instance.connect()
    try {
      await connection.run(`ATTACH IF NOT EXISTS ':memory:' AS ${resultsDatabase}`)
    } finally {
      connection.disconnectSync()
    }
    await mkdir(options.exportRoot, { recursive: true })
    return new QueryRunner(instance, options.scratch, options.exportRoot)
  }

  result(id: number): QueryResult | undefined {
    return this.#results.get(id)
  }

  #cached(resultId: number): QueryResult {
    const result = this.#results.get(resultId)
    if (result === undefined) {
      throw new MateriaError('query', `result ${resultId} is no longer cached; run the query again`)
    }
    return result
  }

  // Runs a script against an environment. `rewrite` is the engine's rewriteForEnvironment for the
  // environment (model names to its views), applied to each statement before the engine's guard
  // checks it (model objects are read-only; writes go to the scratch schema). `runId` names the
  // run for cancel().
  async run(options: {
    sql: string
    environment: string
    runId: string
    rewrite: (statement: string) => Promise<string>
  }): Promise<QueryResult> {
    if (Buffer.byteLength(options.sql) > querySqlBytesMax) {
      throw new MateriaError('limit', `query is larger than querySqlBytesMax (${querySqlBytesMax} bytes)`)
    }
    const statements = splitStatements(options.sql)
    if (statements.length === 0)
      throw new MateriaError('query', 'nothing to run: the editor holds no statement')
    if (statements.length > queryStatementsMax) {
      throw new MateriaError(
        'limit',
        `script has more than queryStatementsMax (${queryStatementsMax}) statements`,
      )
    }
    assert(!this.#running.has(options.runId), `run ${options.runId} is already running`)
    const connection = await this.#instance.connect()
    this.#running.set(options.runId, connection)
    const startedMs = performance.now()
    const id = this.#nextId++
    try {
      let message: string | null = null
      let table: string | null = null
      for (const [index, original] of statements.entries()) {
        const text = await rewriteOrKeep(original, options.rewrite)
        // Every environment's model objects are read-only; writes go to the scratch schema only.
        const guarded = await guardWorkbenchStatement(text, this.#scratch)
        if (guarded.kind === 'scratch')
          await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.#scratch)}`)
        const last = index === statements.length - 1
        if (last && guarded.kind === 'read') {
          table = `${resultsDatabase}.r_${id}`
          message = null // the script ends in a result: show it, not the earlier statements' count
          await connection.run(`${resultWrapper(table)}${text}`)
        } else {
          const reader = await connection.runAndReadAll(text)
          message = `${statements.length} statement(s) ran; the last changed ${reader.rowsChanged} row(s)`
        }
      }
      const columns = table === null ? [] : await this.#columns(connection, `r_${id}`)
      const rowCount = table === null ? 0 : await this.#count(connection, table)
      const result: QueryResult = {
        id,
        sql: options.sql,
        environment: options.environment,
        columns,
        rowCount,
        elapsedMs: Math.round(performance.now() - startedMs),
        message,
      }
      if (table !== null) await this.#remember(connection, result)
      return result
    } catch (error) {
      if (error instanceof MateriaError) throw error
      const text = error instanceof Error ? error.message : String(error)
      if (/interrupt/i.test(text)) throw new MateriaError('query', 'query cancelled')
      // The whole message (DuckDB's caret under the failing SQL) unless a file it failed on needs naming.
      const described = await describeQueryError(connection, error, {
        environment: options.environment,
        lines: 'all',
      })
      throw new MateriaError(
        'query',
        withoutWrapper(described, resultWrapper(`${resultsDatabase}.r_${id}`)),
        {
          cause: error,
        },
      )
    } finally {
      this.#running.delete(options.runId)
      connection.disconnectSync()
    }
  }

  // Interrupts a running query; its run() then fails with "query cancelled".
  cancel(runId: string): boolean {
    const connection = this.#running.get(runId)
    if (connection === undefined) return false
    connection.interrupt()
    return true
  }

  // Queries running now (the workbench interrupts them before it closes the database).
  runningIds(): string[] {
    return [...this.#running.keys()]
  }

  // Rows [offset, offset + limit) of a view, for the grid's virtual scrolling.
  async rows(
    resultId: number,
    view: ResultView,
    offset: number,
    limit: number,
  ): Promise<{ rowCount: number; rows: (readonly unknown[])[] }> {
    const result = this.#cached(resultId)
    assert(Number.isInteger(offset) && offset >= 0, 'offset is a non-negative integer')
    const size = Math.max(1, Math.min(limit, queryPageRowsMax))
    const connection = await this.#instance.connect()
    try {
      const viewTable = await this.#viewTable(connection, result, view)
      return {
        rowCount: viewTable.rowCount,
        rows: await this.#slice(connection, viewTable.name, offset, size),
      }
    } finally {
      connection.disconnectSync()
    }
  }

  // One pass per column over the cached result (not the filtered view: the header describes the
  // data the query returned). Columns past summaryColumnsMax get no summary.
  async summary(resultId: number): Promise<ColumnSummary[]> {
    const result = this.#cached(resultId)
    const table = `${resultsDatabase}.r_${result.id}`
    const columns = result.columns.slice(0, summaryColumnsMax)
    if (columns.length === 0) return []
    const connection = await this.#instance.connect()
    try {
      const approximate = result.rowCount > summaryExactRowsMax
      const facts = columns.map((column) => {
        const name = quoteIdentifier(column.name)
        const distinct = approximate ? `approx_count_distinct(${name})` : `count(DISTINCT ${name})`
        return `count(*) - count(${name}), ${distinct}, min(${name})::VARCHAR, max(${name})::VARCHAR`
      })
      const reader = await connection.runAndReadAll(`SELECT ${facts.join(', ')} FROM ${table}`)
      const row = reader.getRowsJson()[0] ?? []
      const summaries: ColumnSummary[] = []
      for (const [index, column] of columns.entries()) {
        const min = row[index * 4 + 2] as string | null
        const max = row[index * 4 + 3] as string | null
        summaries.push({
          name: column.name,
          nulls: Number(row[index * 4]),
          distinct: Number(row[index * 4 + 1]),
          min,
          max,
          histogram:
            numericType.test(column.type) && min !== null && max !== null
              ? await this.#histogram(connection, table, column.name, Number(min), Number(max))
              : null,
          approximate,
        })
      }
      return summaries
    } finally {
      connection.disconnectSync()
    }
  }

  async #histogram(
    connection: DuckDBConnection,
    table: string,
    column: string,
    min: number,
    max: number,
  ): Promise<number[]> {
    const counts = new Array<number>(histogramBins).fill(0)
    if (!Number.isFinite(min) || !Number.isFinite(max)) return counts
    const width = max > min ? (max - min) / histogramBins : 1
    const name = quoteIdentifier(column)
    const reader = await connection.runAndReadAll(
      `SELECT least(floor((${name}::DOUBLE - $min) / $width)::INTEGER, ${histogramBins - 1}) AS bin, count(*)::INTEGER
       FROM ${table} WHERE ${name} IS NOT NULL GROUP BY bin`,
      { min, width },
    )
    for (const [bin, count] of reader.getRowsJson()) counts[Number(bin)] = Number(count)
    return counts
  }

  // A quick chart's data from the view: line and bar sum y per x (and series), in x order; scatter
  // takes the rows as they are. At most queryChartPointsMax points.
  async chart(resultId: number, view: ResultView, request: ChartRequest): Promise<ChartData> {
    const result = this.#cached(resultId)
    const names = new Set(result.columns.map((column) => column.name))
    for (const column of [request.x, request.y, request.series]) {
      if (column !== null && !names.has(column)) {
        throw new MateriaError('query', `result ${result.id} has no column "${column}"`)
      }
    }
    const x = quoteIdentifier(request.x)
    const y = quoteIdentifier(request.y)
    const series = request.series === null ? "''" : `CAST(${quoteIdentifier(request.series)} AS VARCHAR)`
    const connection = await this.#instance.connect()
    try {
      const table = (await this.#viewTable(connection, result, view)).name
      const sql =
        request.kind === 'scatter'
          ? `SELECT ${x}, ${y}::DOUBLE, ${series} FROM ${table} WHERE ${x} IS NOT NULL AND ${y} IS NOT NULL LIMIT ${queryChartPointsMax}`
          : `SELECT ${x}, sum(${y})::DOUBLE, ${series} AS s FROM ${table} GROUP BY ALL ORDER BY 1, 3 LIMIT ${queryChartPointsMax}`
      const reader = await connection.runAndReadAll(sql)
      const rows = reader.getRowsJson()
      return {
        kind: request.kind,
        x: rows.map((row) => row[0] ?? null),
        y: rows.map((row) => (row[1] === null ? null : Number(row[1]))),
        series: rows.map((row) => String(row[2] ?? '')),
        truncated: rows.length >= queryChartPointsMax,
      }
    } catch (error) {
      if (error instanceof MateriaError) throw error
      const text = error instanceof Error ? error.message.split('\n')[0] : String(error)
      throw new MateriaError('query', `cannot chart ${request.y} by ${request.x}: ${text}`)
    } finally {
      connection.disconnectSync()
    }
  }

  async page(resultId: number, view: ResultView, page: number, pageSize: number): Promise<ResultPage> {
    const result = this.#cached(resultId)
    assert(Number.isInteger(page) && page >= 0, 'page is a non-negative integer')
    const size = Math.max(1, Math.min(pageSize, queryPageRowsMax))
    const connection = await this.#instance.connect()
    try {
      const viewTable = await this.#viewTable(connection, result, view)
      const rows = await this.#slice(connection, viewTable.name, page * size, size)
      return { result, view, page, pageSize: size, rowCount: viewTable.rowCount, rows }
    } finally {
      connection.disconnectSync()
    }
  }

  // Writes the whole result (in the view's order and filter) to a file with DuckDB's COPY and
  // returns its path; the caller streams it and then calls the returned cleanup.
  async export(
    resultId: number,
    view: ResultView,
    format: 'csv' | 'parquet',
  ): Promise<{ path: string; cleanup: () => Promise<void> }> {
    const result = this.#cached(resultId)
    const directory = await mkdtemp(join(this.#exportRoot, 'export-'))
    const path = join(directory, `result-${resultId}.${format}`)
    const connection = await this.#instance.connect()
    try {
      const viewTable = await this.#viewTable(connection, result, view)
      const options = format === 'csv' ? "FORMAT csv, HEADER true, DELIMITER ','" : 'FORMAT parquet'
      await connection.run(`COPY (SELECT * FROM ${viewTable.name}) TO ${quoteLiteral(path)} (${options})`)
    } catch (error) {
      await rm(directory, { recursive: true, force: true })
      throw error
    } finally {
      connection.disconnectSync()
    }
    return { path, cleanup: () => rm(directory, { recursive: true, force: true }) }
  }

  async #remember(connection: DuckDBConnection, result: QueryResult): Promise<void> {
    this.#results.set(result.id, result)
    while (this.#results.size > queryResultsCachedMax) {
      const oldest = Math.min(...this.#results.keys())
      this.#results.delete(oldest)
      const views = this.#views.get(oldest) ?? []
      this.#views.delete(oldest)
      await connection.run(`DROP TABLE IF EXISTS ${resultsDatabase}.r_${oldest}`)
      for (const view of views) await this.#dropView(view)
    }
  }

  async #columns(connection: DuckDBConnection, table: string): Promise<ResultColumn[]> {
    const reader = await connection.runAndReadAll(
      `SELECT column_name, data_type FROM duckdb_columns()
       WHERE database_name = $database AND table_name = $table ORDER BY column_index`,
      { database: resultsDatabase, table },
    )
    return reader.getRowsJson().map((row) => ({ name: String(row[0]), type: String(row[1]) }))
  }

  // Rows [offset, offset + size) of a result or view table. Each is written once by one CREATE
  // TABLE … AS and never updated or deleted from, so its rowid (DuckDB's pseudocolumn for a row's
  // place in storage) runs 0 … n-1 in the order the query produced: a rowid range is the slice,
  // and DuckDB pushes the range into the scan, reading one row group instead of the OFFSET
  // scan's every row before the slice (the DuckDB UI pages the same way).
  async #slice(
    connection: DuckDBConnection,
    table: string,
    offset: number,
    size: number,
  ): Promise<(readonly unknown[])[]> {
    const reader = await connection.runAndReadAll(
      `SELECT * FROM ${table} WHERE rowid >= ${offset} AND rowid < ${offset + size} ORDER BY rowid`,
    )
    return reader.getRowsJson()
  }

  async #count(connection: DuckDBConnection, table: string): Promise<number> {
    const reader = await connection.runAndReadAll(`SELECT count(*)::INTEGER FROM ${table}`)
    return Number(reader.getRowsJson()[0]?.[0] ?? 0)
  }

  // The table a view pages over: the result itself, or its sorted/filtered copy (built once per
  // view and shared by concurrent page requests through the memoized promise).
  async #viewTable(
    connection: DuckDBConnection,
    result: QueryResult,
    view: ResultView,
  ): Promise<{ name: string; rowCount: number }> {
    const base = `${resultsDatabase}.r_${result.id}`
    const names = new Set(result.columns.map((column) => column.name))
    for (const column of [view.sortColumn, ...view.filters.map((filter) => filter.column)]) {
      if (column !== null && !names.has(column)) {
        throw new MateriaError('query', `result ${result.id} has no column "${column}"`)
      }
    }
    const filtered = view.filters.length > 0
    if (view.sortColumn === null && !filtered) return { name: base, rowCount: result.rowCount }
    const key = JSON.stringify(view)
    const views = this.#views.get(result.id) ?? []
    this.#views.set(result.id, views)
    const cached = views.find((entry) => entry.key === key)
    if (cached !== undefined) return cached.table
    const name = `${resultsDatabase}.v_${result.id}_${this.#nextView++}`
    const parameters: Record<string, string> = {}
    const conditions = view.filters.map((filter, index) => {
      const column = quoteIdentifier(filter.column)
      const value = `$v${index}`
      if (filter.operator === 'is null') return `${column} IS NULL`
      if (filter.operator === 'is not null') return `${column} IS NOT NULL`
      parameters[`v${index}`] = filter.value
      if (filter.operator === 'contains') return `CAST(${column} AS VARCHAR) ILIKE '%' || ${value} || '%'`
      // The value arrives as text and is cast to the column's type; one that does not cast
      // (TRY_CAST gives NULL) matches no row.
      return `${column} ${filter.operator} TRY_CAST(${value} AS ${typeOf(result, filter.column)})`
    })
    const where = filtered ? `WHERE ${conditions.join(' AND ')}` : ''
    const order =
      view.sortColumn === null
        ? ''
        : `ORDER BY ${quoteIdentifier(view.sortColumn)} ${view.descending ? 'DESC' : 'ASC'} NULLS LAST`
    const table = (async () => {
      const statement = `CREATE OR REPLACE TABLE ${name} AS SELECT * FROM ${base} ${where} ${order}`
      await connection.run(statement, Object.keys(parameters).length > 0 ? parameters : undefined)
      return { name, rowCount: await this.#count(connection, name) }
    })()
    const entry = { key, name, table }
    views.push(entry)
    // The previous view stays for requests still paging it; older ones go once their build ended.
    while (views.length > viewTablesKept) {
      const old = views.shift()
      if (old !== undefined) void this.#dropView(old)
    }
    table.catch(() => {
      const index = views.indexOf(entry)
      if (index >= 0) views.splice(index, 1)
    })
    return table
  }

  // Drops a view's table once its build has ended (it may still be running), on a connection of its own.
  async #dropView(view: ViewTable): Promise<void> {
    await view.table.catch(() => undefined)
    const connection = await this.#instance.connect()
    try {
      await connection.run(`DROP TABLE IF EXISTS ${view.name}`)
    } finally {
      connection.disconnectSync()
    }
  }
}
