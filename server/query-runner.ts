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
import { guardWorkbenchStatement } from '../pipeline/engine/index.ts'
import { MateriaError } from '../pipeline/errors.ts'
import {
  queryPageRowsMax,
  queryResultsCachedMax,
  querySqlBytesMax,
  queryStatementsMax,
} from '../pipeline/limits.ts'
import { quoteIdentifier, quoteLiteral, rewriteModelNames, splitStatements } from './sql-text.ts'

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

export interface ResultView {
  readonly sortColumn: string | null
  readonly descending: boolean
  readonly filterColumn: string | null
  readonly filterValue: string
}

export interface ResultPage {
  readonly result: QueryResult
  readonly view: ResultView
  readonly page: number // 0-based
  readonly pageSize: number
  readonly rowCount: number // rows in this view (after the filter)
  readonly rows: readonly (readonly unknown[])[]
}

export class QueryRunner {
  readonly #instance: DuckDBInstance
  readonly #running = new Map<string, DuckDBConnection>()
  readonly #results = new Map<number, QueryResult>()
  readonly #views = new Map<number, { key: string; table: Promise<{ name: string; rowCount: number }> }>()
  #nextId = 1

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

  // Runs a script against an environment. Model names resolve to the environment's views; prod
  // accepts only reading statements. `runId` names the run for cancel().
  async run(options: {
    sql: string
    environment: string
    modelNames: ReadonlySet<string>
    runId: string
    // The engine's rewrite of model names for SELECT statements; others get the lexical rewrite.
    rewrite?: (statement: string) => Promise<string>
  }): Promise<QueryResult> {
    if (Buffer.byteLength(options.sql) > querySqlBytesMax) {
      throw new MateriaError('limit', `query is larger than querySqlBytesMax (${querySqlBytesMax} bytes)`)
    }
    const statements = splitStatements(
      rewriteModelNames(options.sql, options.modelNames, options.environment),
    )
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
    try {
      let message: string | null = null
      let table: string | null = null
      const id = this.#nextId++
      for (const [index, original] of statements.entries()) {
        const statement = { text: await this.#rewrite(original.text, options) }
        // Every environment's model objects are read-only; writes go to the scratch schema only.
        const guarded = await guardWorkbenchStatement(statement.text, this.#scratch)
        if (guarded.kind === 'scratch')
          await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(this.#scratch)}`)
        const last = index === statements.length - 1
        if (last && guarded.kind === 'read') {
          table = `${resultsDatabase}.r_${id}`
          message = null // the script ends in a result: show it, not the earlier statements' count
          await connection.run(`CREATE TABLE ${table} AS ${statement.text}`)
        } else {
          const reader = await connection.runAndReadAll(statement.text)
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
      throw new MateriaError('query', text, { cause: error })
    } finally {
      this.#running.delete(options.runId)
      connection.disconnectSync()
    }
  }

  async #rewrite(
    statement: string,
    options: {
      environment: string
      modelNames: ReadonlySet<string>
      rewrite?: (statement: string) => Promise<string>
    },
  ): Promise<string> {
    if (options.rewrite !== undefined) {
      try {
        return await options.rewrite(statement)
      } catch (error) {
        if (!(error instanceof MateriaError)) throw error
      }
    }
    return rewriteModelNames(statement, options.modelNames, options.environment)
  }

  // Interrupts a running query; its run() then fails with "query cancelled".
  cancel(runId: string): boolean {
    const connection = this.#running.get(runId)
    if (connection === undefined) return false
    connection.interrupt()
    return true
  }

  async page(resultId: number, view: ResultView, page: number, pageSize: number): Promise<ResultPage> {
    const result = this.#results.get(resultId)
    if (result === undefined) {
      throw new MateriaError('query', `result ${resultId} is no longer cached; run the query again`)
    }
    assert(Number.isInteger(page) && page >= 0, 'page is a non-negative integer')
    const size = Math.max(1, Math.min(pageSize, queryPageRowsMax))
    const connection = await this.#instance.connect()
    try {
      const viewTable = await this.#viewTable(connection, result, view)
      const reader = await connection.runAndReadAll(
        `SELECT * FROM ${viewTable.name} LIMIT ${size} OFFSET ${page * size}`,
      )
      return { result, view, page, pageSize: size, rowCount: viewTable.rowCount, rows: reader.getRowsJson() }
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
    const result = this.#results.get(resultId)
    if (result === undefined) {
      throw new MateriaError('query', `result ${resultId} is no longer cached; run the query again`)
    }
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
      this.#views.delete(oldest)
      await connection.run(`DROP TABLE IF EXISTS ${resultsDatabase}.r_${oldest}`)
      await connection.run(`DROP TABLE IF EXISTS ${resultsDatabase}.v_${oldest}`)
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
    for (const column of [view.sortColumn, view.filterColumn]) {
      if (column !== null && !names.has(column)) {
        throw new MateriaError('query', `result ${result.id} has no column "${column}"`)
      }
    }
    const filtered = view.filterColumn !== null && view.filterValue !== ''
    if (view.sortColumn === null && !filtered) return { name: base, rowCount: result.rowCount }
    const key = JSON.stringify(view)
    const cached = this.#views.get(result.id)
    if (cached?.key === key) return cached.table
    const name = `${resultsDatabase}.v_${result.id}`
    const where = filtered
      ? `WHERE CAST(${quoteIdentifier(view.filterColumn ?? '')} AS VARCHAR) ILIKE '%' || $value || '%'`
      : ''
    const order =
      view.sortColumn === null
        ? ''
        : `ORDER BY ${quoteIdentifier(view.sortColumn)} ${view.descending ? 'DESC' : 'ASC'} NULLS LAST`
    const table = (async () => {
      const statement = `CREATE OR REPLACE TABLE ${name} AS SELECT * FROM ${base} ${where} ${order}`
      await connection.run(statement, filtered ? { value: view.filterValue } : undefined)
      return { name, rowCount: await this.#count(connection, name) }
    })()
    this.#views.set(result.id, { key, table })
    table.catch(() => this.#views.delete(result.id))
    return table
  }
}
