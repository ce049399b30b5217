// applyPlan: the only writer. Builds the plan's physical tables in dependency order (independent
// models concurrently, each on its own connection), audits each build, then repoints all of the
// environment's views in one transaction.
//
// Crash safety: a table is marked built (its snapshot and interval rows in state) only once it is
// complete and audited, and the views move last, in one transaction. A table no environment can show
// yet (a new version) is built with a plain CREATE TABLE ... AS committed on its own and marked in a
// short transaction after its audits pass (SQLMesh's way: a new physical table is invisible until a
// view points at it); a crash or a failed audit before the mark leaves an unmarked table that nothing
// reads, which the next build of that version replaces and the janitor drops. A write into a table
// that may already be shown (an incremental batch, a merge, a restatement) runs in one transaction
// with its state rows. A crash anywhere leaves the previous environment readable and the next plan
// reuses whatever was marked.
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { DuckDBConnection, DuckDBMaterializedResult } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { applyConcurrencyMax } from '../limits.ts'
import { crashPoint } from './crash-point.ts'
import type { Database } from './database.ts'
import { formatInterval, type Interval, mergeIntervals } from './interval.ts'
import { bindLanding } from './landing-runtime.ts'
import { renderModelQuery } from './load-api.ts'
import { isScdKind, mergeStatements, scdFirstSelect } from './merge-sql.ts'
import type { Model } from './model.ts'
import { definitionOf } from './plan-compare.ts'
import type { BuildStep, Plan, PlanStep } from './plan-types.ts'
import { environmentSchema, environmentView, type Project } from './project.ts'
import { describeQueryError } from './read-error.ts'
import { renderMacros } from './render.ts'
import { quoteIdentifier, quoteLiteral, quoteQualified } from './sql-quote.ts'
import {
  type Column,
  deleteSnapshot,
  ensureState,
  insertSnapshot,
  physicalTable,
  readIntervals,
  stateSchema,
  writeEnvironment,
  writeIntervals,
} from './state.ts'

// What apply needs to know of an audit's result (audit.ts's AuditOutcome carries more; see
// apply-audits.ts for the adapter).
export interface AuditOutcome {
  readonly audit: string
  readonly blocking: boolean
  readonly passed: boolean
  readonly message?: string // for a failure: the bad-row count and the first bad rows, for event readers
}

export interface AuditContext {
  readonly model: Model
  readonly relation: string // the physical table, already holding the rows just written
  readonly interval: Interval | null // the batch just written (incremental) or null (whole table)
  // Sees the rows just written: committed ones for a new table, else inside the build's transaction.
  readonly connection: DuckDBConnection
}

export type ApplyEvent =
  | {
      readonly kind: 'model_start'
      readonly model: string
      readonly step: BuildStep['kind']
      readonly batches: number
    }
  | {
      readonly kind: 'batch_done'
      readonly model: string
      readonly batch: number // 1-based
      readonly batches: number
      readonly rows: number
      readonly elapsedMs: number
    }
  | { readonly kind: 'model_done'; readonly model: string; readonly rows: number; readonly elapsedMs: number }
  | { readonly kind: 'audit'; readonly model: string; readonly outcome: AuditOutcome }
  | { readonly kind: 'views_swapped'; readonly environment: string; readonly views: number }

export interface ApplyOptions {
  // Runs a model's audits on what its build just wrote, before the build is marked: a failing
  // blocking audit leaves it unmarked (rolled back, or a new table dropped) and stops the apply
  // before any view moves.
  readonly runAudits?: (context: AuditContext) => Promise<readonly AuditOutcome[]>
  // Words a blocking failure (e.g. with its first bad rows); it receives an outcome runAudits returned.
  readonly formatAuditFailure?: (outcome: AuditOutcome) => string
  readonly onEvent?: (event: ApplyEvent) => void
  readonly signal?: AbortSignal
  readonly concurrency?: number
}

export interface ApplyResult {
  readonly modelsBuilt: number
  readonly rowsWritten: number
  readonly viewsChanged: number
}

async function countOf(result: DuckDBMaterializedResult): Promise<number> {
  if (result.columnNames()[0] === 'Count') return Number((await result.getRows())[0]?.[0] ?? 0)
  return Number(result.rowsChanged)
}

interface BuildContext {
  readonly db: Database
  readonly project: Project
  readonly plan: Plan
  readonly options: ApplyOptions
  readonly versions: ReadonlyMap<string, string>
}

// Models without intervals (VIEW, SEED, a model whose range is still empty) render @start/@end as
// the day before the clock.
const dayMs = 86_400_000

interface Rendered {
  readonly sql: string
  readonly readsItself: boolean // the query reads the model's own table (a self-referencing model)
}

function renderContext(context: BuildContext, interval: Interval) {
  const [start, end] = interval[0] < interval[1] ? interval : [interval[0] - dayMs, interval[0]]
  return {
    start: new Date(start),
    end: new Date(end),
    executionTime: new Date(context.plan.nowMs),
    landingAtRuntime: true,
    resolveTable: (parent: string) => {
      const version = context.versions.get(parent)
      return version === undefined ? null : physicalTable(parent, version)
    },
  }
}

async function renderQuery(context: BuildContext, model: Model, interval: Interval): Promise<Rendered> {
  const sql = await renderModelQuery(context.project, model.name, renderContext(context, interval))
  return { sql: sql.trim().replace(/;\s*$/, ''), readsItself: model.readsItself === true }
}

async function render(context: BuildContext, model: Model, interval: Interval): Promise<string> {
  return (await renderQuery(context, model, interval)).sql
}

// Pre- or post-statements, macros rendered (@this_model is the physical table being built).
async function runStatements(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  statements: readonly string[] | undefined,
  interval: Interval,
): Promise<void> {
  for (const statement of statements ?? []) {
    const sql = renderMacros(context.project, model, renderContext(context, interval), statement)
    await connection.run(sql)
  }
}

// A self-referencing model's first build reads its own table before it exists: create it empty from
// the declared columns (SQLMesh does the same), or say what to add.
async function prepareSelfReference(
  connection: DuckDBConnection,
  model: Model,
  table: string,
): Promise<void> {
  const columns = model.columns ?? []
  if (columns.length === 0) {
    throw new MateriaError(
      'apply',
      `${model.path}: model ${model.name} reads its own table, which does not exist before its first build; declare columns (name TYPE, ...) in its MODEL header`,
    )
  }
  const list = columns.map((column) => `${quoteIdentifier(column.name)} ${column.type}`).join(', ')
  await connection.run(`CREATE TABLE IF NOT EXISTS ${quoteQualified(table)} (${list})`)
}

// A table's or view's columns as the catalog holds them. DESCRIBE of a view binds its query again,
// and for a view over the landing that sniffs every landed CSV file once more (1.1–1.5 s for 30 files,
// against milliseconds here); duckdb_columns() gives the same names and type names.
async function columnsOf(connection: DuckDBConnection, table: string): Promise<Column[]> {
  const [schema, name] = table.split('.')
  assert(schema !== undefined && name !== undefined, `physical table ${table} is schema.table`)
  const catalog = await connection.runAndReadAll(
    `SELECT column_name, data_type FROM duckdb_columns()
     WHERE database_name = current_database() AND schema_name = ${quoteLiteral(schema)} AND table_name = ${quoteLiteral(name)}
     ORDER BY column_index`,
  )
  const rows = catalog.getRowObjectsJS()
  assert(rows.length > 0, `the catalog lists the columns of ${table}, just built`)
  return rows.map((row) => ({ name: String(row.column_name), type: String(row.data_type) }))
}

async function audit(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  relation: string,
  interval: Interval | null,
): Promise<void> {
  if (context.options.runAudits === undefined) return
  const outcomes = await context.options.runAudits({ model, relation, interval, connection })
  for (const outcome of outcomes) context.options.onEvent?.({ kind: 'audit', model: model.name, outcome })
  const failed = outcomes.find((outcome) => outcome.blocking && !outcome.passed)
  if (failed !== undefined) {
    const detail =
      context.options.formatAuditFailure?.(failed) ?? `blocking audit ${failed.audit} failed on ${model.name}`
    throw new MateriaError('audit', `${model.path}: ${detail}\nno environment view changed`)
  }
}

async function recordSnapshot(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  step: BuildStep,
): Promise<void> {
  const definition = await definitionOf(context.project, model.name)
  const entry = context.plan.environmentModels.find(
    (row) => row.model === model.name && row.version === step.version,
  )
  assert(entry !== undefined, `plan lists ${model.name}@${step.version}`)
  await insertSnapshot(connection, {
    name: model.name,
    version: step.version,
    dataHash: entry.dataHash,
    ownHash: definition.ownHash,
    metadataHash: entry.metadataHash,
    kind: definition.kind,
    columns: await columnsOf(connection, step.table),
    physicalTable: step.table,
    query: definition.query,
    createdAtMs: context.plan.nowMs,
  })
}

// One transaction: BEGIN, body, COMMIT; ROLLBACK and rethrow as an apply error naming the model.
async function transaction<T>(
  connection: DuckDBConnection,
  model: Model,
  body: () => Promise<T>,
): Promise<T> {
  await connection.run('BEGIN TRANSACTION')
  crashPoint('after_begin')
  try {
    const result = await body()
    crashPoint('before_commit')
    await connection.run('COMMIT')
    crashPoint('after_commit')
    return result
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined)
    throw await buildError(connection, model, error)
  }
}

// An apply error naming the model (a MateriaError passes as it is).
async function buildError(connection: DuckDBConnection, model: Model, error: unknown): Promise<unknown> {
  if (error instanceof MateriaError) return error
  const message = await describeQueryError(connection, error)
  return new MateriaError('apply', `${model.path}: model ${model.name} failed: ${message}`, { cause: error })
}

// Builds a table no environment shows and no state row names (a new version) outside any transaction,
// as SQLMesh builds a new snapshot's table: CREATE OR REPLACE TABLE ... AS commits on its own (an
// unmarked table of this version left by a crash is garbage, replaced here), the audits read the
// committed rows, and `mark` writes the state rows in one short transaction. Inside a transaction
// the same rows cost more CPU: the models bench's 2 M-row staging build took 12.7 s (empty CREATE,
// then INSERT) against 10.4 s for the plain CREATE ... AS, and its not-null audit 1.15 s on the
// uncommitted rows against 0.5 s on committed ones; the transaction bought nothing here, as no
// reader sees the table before it is marked. A failure drops the table (else the janitor does).
async function buildUnmarked(
  connection: DuckDBConnection,
  model: Model,
  table: string,
  select: string,
  audits: (rows: number) => Promise<void>,
  mark: () => Promise<void>,
): Promise<number> {
  let rows = 0
  try {
    rows = await countOf(
      await connection.run(`CREATE OR REPLACE TABLE ${quoteQualified(table)} AS ${select}`),
    )
    crashPoint('after_create')
    await audits(rows)
    crashPoint('before_mark')
  } catch (error) {
    await connection.run(`DROP TABLE IF EXISTS ${quoteQualified(table)}`).catch(() => undefined)
    throw await buildError(connection, model, error)
  }
  await transaction(connection, model, mark)
  return rows
}

// Pre- and post-statements may change objects besides the table (SQLMesh runs any SQL there): a model
// with them builds in one transaction, so that a failed build undoes them too.
function buildsUnmarked(model: Model, readsItself: boolean): boolean {
  return !readsItself && (model.preStatements ?? []).length === 0 && (model.postStatements ?? []).length === 0
}

// SQLMesh's csv_settings are pandas read_csv options; these are the ones DuckDB's read_csv has
// (the parser warns about the rest).
const csvSettingOptions: Readonly<Record<string, string>> = {
  delimiter: 'delim',
  sep: 'delim',
  quotechar: 'quote',
  escapechar: 'escape',
  encoding: 'encoding',
  lineterminator: 'new_line',
}

function csvOptions(settings: Readonly<Record<string, string | boolean>> | undefined): string {
  let text = ''
  for (const [name, value] of Object.entries(settings ?? {})) {
    const option = csvSettingOptions[name]
    if (option !== undefined && typeof value === 'string') text += `, ${option} = ${quoteLiteral(value)}`
  }
  return text
}

function seedSql(context: BuildContext, model: Model): string {
  assert(model.kind.name === 'SEED', 'seed model')
  const directory = join(context.project.root, model.path, '..')
  const path = join(directory, model.kind.path)
  if (!existsSync(path)) {
    throw new MateriaError(
      'apply',
      `${model.path}: seed file ${path} of ${model.name} does not exist; fix the SEED path`,
    )
  }
  const declared = model.columns ?? []
  const columns =
    declared.length === 0
      ? ''
      : `, columns = {${declared.map((column) => `${quoteLiteral(column.name)}: ${quoteLiteral(column.type)}`).join(', ')}}`
  return `SELECT * FROM read_csv(${quoteLiteral(path)}, header = true, auto_detect = ${declared.length === 0}${columns}${csvOptions(model.kind.csvSettings)})`
}

async function isBuilt(connection: DuckDBConnection, name: string, version: string): Promise<boolean> {
  const reader = await connection.runAndReadAll(
    `SELECT count(*)::INTEGER AS n FROM ${stateSchema}.snapshots WHERE name = $1 AND version = $2`,
    [name, version],
  )
  return reader.getRowObjectsJS()[0]?.n === 1
}

async function createTable(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  step: Extract<PlanStep, { kind: 'create_table' }>,
): Promise<number> {
  const repair = step.repair === true
  if (!step.replace && !repair && (await isBuilt(connection, step.model, step.version))) return 0 // built meanwhile
  const target = quoteQualified(step.table)
  const rendered =
    model.kind.name === 'SEED'
      ? { sql: seedSql(context, model), readsItself: false }
      : await renderQuery(context, model, step.interval)
  const kind = model.kind
  const sql = isScdKind(kind) ? scdFirstSelect(kind, rendered.sql, context.plan.nowMs) : rendered.sql
  const mark = async () => {
    if (!step.replace) await recordSnapshot(context, connection, model, step)
    if (step.interval[0] < step.interval[1])
      await writeIntervals(connection, model.name, step.version, [step.interval])
  }
  const isTable = kind.name !== 'VIEW' && kind.name !== 'EMBEDDED'
  if (isTable && !step.replace && !repair && buildsUnmarked(model, rendered.readsItself)) {
    return buildUnmarked(
      connection,
      model,
      step.table,
      sql,
      async (rows) => {
        refuseEmptySeed(model, rows)
        await audit(context, connection, model, step.table, null)
      },
      mark,
    )
  }
  return transaction(connection, model, async () => {
    let rows = 0
    await runStatements(context, connection, model, model.preStatements, step.interval)
    // The stale rows go in the transaction that builds the table again: a crash keeps both or neither.
    if (repair) await deleteSnapshot(connection, model.name, step.version)
    if (kind.name === 'VIEW' || kind.name === 'EMBEDDED')
      await connection.run(`CREATE OR REPLACE VIEW ${target} AS ${sql}`)
    else {
      if (rendered.readsItself) await prepareSelfReference(connection, model, step.table)
      rows = await countOf(await connection.run(`CREATE OR REPLACE TABLE ${target} AS ${sql}`))
    }
    refuseEmptySeed(model, rows)
    crashPoint('after_create')
    await runStatements(context, connection, model, model.postStatements, step.interval)
    await audit(context, connection, model, step.table, null)
    await mark()
    return rows
  })
}

// A seed without rows is refused (load.ts says the same): its readers would rebuild from nothing,
// unless the model says it may be empty.
function refuseEmptySeed(model: Model, rows: number): void {
  if (model.kind.name !== 'SEED' || rows > 0 || model.kind.allowEmpty === true) return
  throw new MateriaError(
    'apply',
    `${model.path}: seed file ${model.kind.path} of ${model.name} has no rows; add its rows, then plan again (no environment view changed)`,
  )
}

function rangePredicate(column: string, [start, end]: Interval): string {
  const from = new Date(start).toISOString().replace('T', ' ').replace('Z', '')
  const to = new Date(end).toISOString().replace('T', ' ').replace('Z', '')
  const quoted = quoteIdentifier(column)
  return `${quoted}::TIMESTAMP >= TIMESTAMP '${from}' AND ${quoted}::TIMESTAMP < TIMESTAMP '${to}'`
}

async function backfill(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  step: Extract<PlanStep, { kind: 'backfill' }>,
): Promise<number> {
  assert(model.kind.name === 'INCREMENTAL_BY_TIME_RANGE', 'backfill of a time-range model')
  const timeColumn = model.kind.timeColumn
  const target = quoteQualified(step.table)
  const repair = step.repair === true
  let rows = 0
  let batchesDone = 0 // written with the table itself
  if (step.create && (repair || !(await isBuilt(connection, step.model, step.version)))) {
    const first = step.batches[0]
    const { sql, readsItself } = await renderQuery(
      context,
      model,
      first ?? [context.plan.nowMs, context.plan.nowMs],
    )
    if (first !== undefined && !repair && buildsUnmarked(model, readsItself)) {
      // A new table: created with its first batch in one statement, marked once audited.
      const started = performance.now()
      rows = await buildUnmarked(
        connection,
        model,
        step.table,
        `SELECT * FROM (${sql}) AS q WHERE ${rangePredicate(timeColumn, first)}`,
        () => audit(context, connection, model, step.table, first),
        async () => {
          await recordSnapshot(context, connection, model, step)
          const have = await readIntervals(connection, model.name, step.version)
          await writeIntervals(connection, model.name, step.version, mergeIntervals([...have, first]))
        },
      )
      batchesDone = 1
      context.options.onEvent?.({
        kind: 'batch_done',
        model: model.name,
        batch: 1,
        batches: step.batches.length,
        rows,
        elapsedMs: performance.now() - started,
      })
    } else {
      await transaction(connection, model, async () => {
        if (repair) await deleteSnapshot(connection, model.name, step.version)
        if (readsItself) await prepareSelfReference(connection, model, step.table)
        // Not marked built: no environment shows this table, and a crash may have left it unmarked.
        else
          await connection.run(`CREATE OR REPLACE TABLE ${target} AS SELECT * FROM (${sql}) AS q WHERE false`)
        crashPoint('after_create')
        await recordSnapshot(context, connection, model, step)
      })
    }
  }
  for (const [index, batch] of step.batches.entries()) {
    if (index < batchesDone) continue
    if (context.options.signal?.aborted)
      throw new MateriaError('apply', `cancelled before ${model.name} batch ${formatInterval(batch)}`)
    const started = performance.now()
    const sql = await render(context, model, batch)
    const written = await transaction(connection, model, async () => {
      await runStatements(context, connection, model, model.preStatements, batch)
      await connection.run(`DELETE FROM ${target} WHERE ${rangePredicate(timeColumn, batch)}`)
      crashPoint('after_delete')
      // The engine filters the output to the batch too, so a query that ignores @start/@end cannot
      // write outside its range.
      const inserted = countOf(
        await connection.run(
          `INSERT INTO ${target} BY NAME SELECT * FROM (${sql}) AS q WHERE ${rangePredicate(timeColumn, batch)}`,
        ),
      )
      crashPoint('after_insert')
      await runStatements(context, connection, model, model.postStatements, batch)
      await audit(context, connection, model, step.table, batch)
      const have = await readIntervals(connection, model.name, step.version)
      await writeIntervals(connection, model.name, step.version, mergeIntervals([...have, batch]))
      return inserted
    })
    rows += written
    context.options.onEvent?.({
      kind: 'batch_done',
      model: model.name,
      batch: index + 1,
      batches: step.batches.length,
      rows: written,
      elapsedMs: performance.now() - started,
    })
  }
  return rows
}

// Folds one run's output into the table as the model's kind says (merge-sql.ts).
async function mergeByKey(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  step: Extract<PlanStep, { kind: 'merge_by_key' }>,
): Promise<number> {
  assert(
    model.kind.name !== 'INCREMENTAL_BY_TIME_RANGE' && model.kind.name !== 'FULL',
    'merge of a merging kind',
  )
  const target = quoteQualified(step.table)
  const sql = await render(context, model, step.interval)
  return transaction(connection, model, async () => {
    await runStatements(context, connection, model, model.preStatements, step.interval)
    await connection.run(`CREATE OR REPLACE TEMP TABLE materia_merge AS ${sql}`)
    const described = await connection.runAndReadAll('DESCRIBE materia_merge')
    const sourceColumns = described.getRowObjectsJS().map((row) => String(row.column_name).toLowerCase())
    const statements = mergeStatements({
      model,
      target,
      source: 'materia_merge',
      sourceColumns,
      executionMs: context.plan.nowMs,
    })
    let inserted = 0
    for (const [index, statement] of statements.entries()) {
      const result = await connection.run(statement)
      if (index === 0 && statements.length > 1) crashPoint('after_delete')
      if (index === statements.length - 1) inserted = await countOf(result)
    }
    await connection.run('DROP TABLE materia_merge')
    await connection.run('DROP TABLE IF EXISTS materia_scd_versions')
    await runStatements(context, connection, model, model.postStatements, step.interval)
    await audit(context, connection, model, step.table, step.interval)
    const have = await readIntervals(connection, model.name, step.version)
    await writeIntervals(connection, model.name, step.version, mergeIntervals([...have, step.interval]))
    return inserted
  })
}

async function cloneTable(
  context: BuildContext,
  connection: DuckDBConnection,
  model: Model,
  step: Extract<PlanStep, { kind: 'clone_table' }>,
): Promise<number> {
  const source = physicalTable(model.name, step.sourceVersion)
  return transaction(connection, model, async () => {
    const rows = await countOf(
      await connection.run(
        `CREATE TABLE ${quoteQualified(step.table)} AS SELECT * FROM ${quoteQualified(source)}`,
      ),
    )
    crashPoint('after_create')
    await recordSnapshot(context, connection, model, step)
    await writeIntervals(
      connection,
      model.name,
      step.version,
      await readIntervals(connection, model.name, step.sourceVersion),
    )
    return rows
  })
}

async function runBuildStep(
  context: BuildContext,
  connection: DuckDBConnection,
  step: BuildStep,
): Promise<number> {
  const model = context.project.models.get(step.model)
  assert(model !== undefined, `plan model ${step.model} is in the project`)
  switch (step.kind) {
    case 'create_table':
      return createTable(context, connection, model, step)
    case 'backfill':
      return backfill(context, connection, model, step)
    case 'merge_by_key':
      return mergeByKey(context, connection, model, step)
    case 'clone_table':
      return cloneTable(context, connection, model, step)
    default: {
      const never: never = step
      throw new Error(`unknown build step ${JSON.stringify(never)}`)
    }
  }
}

// Steps of one model run in order; a model waits for its nearest ancestors that have steps.
function dependencies(project: Project, models: ReadonlySet<string>): Map<string, Set<string>> {
  const pending = new Map<string, Set<string>>() // model -> nearest ancestors with steps
  const result = new Map<string, Set<string>>()
  for (const name of project.order) {
    const waits = new Set<string>()
    for (const parent of project.parents.get(name) ?? []) {
      if (models.has(parent)) waits.add(parent)
      else for (const ancestor of pending.get(parent) ?? []) waits.add(ancestor)
    }
    pending.set(name, waits)
    if (models.has(name)) result.set(name, waits)
  }
  return result
}

async function runBuilds(
  context: BuildContext,
  steps: readonly BuildStep[],
): Promise<{ models: number; rows: number }> {
  const byModel = new Map<string, BuildStep[]>()
  for (const step of steps) byModel.set(step.model, [...(byModel.get(step.model) ?? []), step])
  const waits = dependencies(context.project, new Set(byModel.keys()))
  const order = context.project.order.filter((name) => byModel.has(name))
  assert(order.length === byModel.size, 'every step model is in the project order')
  const concurrency = Math.max(1, Math.min(context.options.concurrency ?? applyConcurrencyMax, order.length))
  const connections = await Promise.all(Array.from({ length: concurrency }, () => context.db.connect()))
  const idle = [...connections]
  const done = new Set<string>()
  const started = new Set<string>()
  const running = new Map<string, Promise<void>>()
  let failure: unknown = null
  let rows = 0
  try {
    while (done.size < order.length && failure === null) {
      for (const name of order) {
        if (idle.length === 0) break
        if (started.has(name) || ![...(waits.get(name) ?? [])].every((parent) => done.has(parent))) continue
        if (context.options.signal?.aborted)
          throw new MateriaError('apply', 'apply cancelled; no environment view changed')
        const connection = idle.pop() as DuckDBConnection
        started.add(name)
        const task = (async () => {
          const began = performance.now()
          const modelSteps = byModel.get(name) ?? []
          let modelRows = 0
          for (const step of modelSteps) {
            const batches = step.kind === 'backfill' ? step.batches.length : 1
            context.options.onEvent?.({ kind: 'model_start', model: name, step: step.kind, batches })
            crashPoint('before_step')
            modelRows += await runBuildStep(context, connection, step)
          }
          rows += modelRows
          context.options.onEvent?.({
            kind: 'model_done',
            model: name,
            rows: modelRows,
            elapsedMs: performance.now() - began,
          })
        })()
          .catch((error: unknown) => {
            failure ??= error
          })
          .finally(() => {
            done.add(name)
            running.delete(name)
            idle.push(connection)
          })
        running.set(name, task)
      }
      assert(running.size > 0, 'a build is running or every build is done')
      await Promise.race(running.values())
    }
    await Promise.all(running.values())
  } finally {
    for (const connection of connections) connection.closeSync()
  }
  if (failure !== null) throw failure
  return { models: order.length, rows }
}

// ON_VIRTUAL_UPDATE_BEGIN ... END statements run once the model's view in the environment changed,
// in the same transaction; @this_model is that view (SQLMesh resolves it in the virtual layer).
async function runVirtualUpdate(
  context: BuildContext,
  connection: DuckDBConnection,
  modelName: string,
  view: string,
): Promise<void> {
  const model = context.project.models.get(modelName)
  assert(model !== undefined, `environment model ${modelName} is in the project`)
  const now = context.plan.nowMs
  for (const statement of model.onVirtualUpdate ?? []) {
    const sql = renderMacros(
      context.project,
      model,
      {
        start: new Date(now - dayMs),
        end: new Date(now),
        executionTime: new Date(now),
        resolveTable: (name) => (name === modelName ? view : null),
      },
      statement,
    )
    await connection.run(sql)
  }
}

async function swapViews(context: BuildContext): Promise<number> {
  const { db, plan, project } = context
  const connection = db.connection
  const schemas = new Set<string>()
  for (const row of plan.environmentModels) {
    const model = project.models.get(row.model)
    assert(model !== undefined, `environment model ${row.model} is in the project`)
    schemas.add(environmentSchema(model.schema, plan.environment))
  }
  let changed = 0
  await connection.run('BEGIN TRANSACTION')
  try {
    crashPoint('swap_begin')
    const recorded = await connection.runAndReadAll(
      `SELECT plan_id FROM ${stateSchema}.environments WHERE name = $1`,
      [plan.environment],
    )
    const recordedPlanId = (recorded.getRowObjectsJS()[0]?.plan_id as string | undefined) ?? null
    if (recordedPlanId !== plan.previousPlanId) {
      throw new MateriaError(
        'plan',
        `environment ${plan.environment} changed since this plan was built; plan again`,
      )
    }
    for (const schema of schemas)
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
    for (const step of plan.steps) {
      switch (step.kind) {
        case 'swap_view': {
          const [schema, table] = step.model.split('.') as [string, string]
          const view = environmentView(schema, table, plan.environment)
          await connection.run(
            `CREATE OR REPLACE VIEW ${view} AS SELECT * FROM ${quoteQualified(step.table)}`,
          )
          await runVirtualUpdate(context, connection, step.model, view)
          changed += 1
          crashPoint('swap_view')
          break
        }
        case 'drop_view': {
          const [schema, table] = step.model.split('.') as [string, string]
          const view = environmentView(schema, table, plan.environment)
          await connection.run(`DROP VIEW IF EXISTS ${view}`)
          changed += 1
          break
        }
        case 'create_table':
        case 'backfill':
        case 'merge_by_key':
        case 'clone_table':
          break // built before the swap
        default: {
          const never: never = step
          throw new Error(`unknown step ${JSON.stringify(never)}`)
        }
      }
    }
    await writeEnvironment(connection, {
      name: plan.environment,
      planId: plan.id,
      updatedAtMs: plan.nowMs,
      expiresAtMs: plan.expiresAtMs,
      models: new Map(plan.environmentModels.map((row) => [row.model, row])),
      landingDir: plan.landingDir,
    })
    crashPoint('swap_before_commit')
    await connection.run('COMMIT')
  } catch (error) {
    await connection.run('ROLLBACK').catch(() => undefined)
    const message = error instanceof Error ? error.message : String(error)
    throw new MateriaError(
      'apply',
      `switching environment ${plan.environment} failed, its views are unchanged: ${message}`,
      { cause: error },
    )
  }
  context.options.onEvent?.({ kind: 'views_swapped', environment: plan.environment, views: changed })
  return changed
}

// A metadata-only change builds nothing, but its audits may have changed (a new or tightened blocking
// audit): they run on the table the environment will show, before any view moves, so a promotion
// never shows a table that fails the audits it is declared with.
async function auditKeptTables(context: BuildContext): Promise<void> {
  if (context.options.runAudits === undefined) return
  const kept = context.plan.models.filter((entry) => entry.change === 'metadata')
  if (kept.length === 0) return
  const connection = await context.db.connect()
  try {
    for (const entry of kept) {
      const model = context.project.models.get(entry.name)
      assert(model !== undefined, `plan model ${entry.name} is in the project`)
      // One transaction per model: its audits read one consistent table and write nothing.
      await transaction(connection, model, async () => {
        await audit(context, connection, model, physicalTable(entry.name, entry.version), null)
      })
    }
  } finally {
    connection.closeSync()
  }
}

async function createPhysicalSchemas(db: Database, steps: readonly BuildStep[]): Promise<void> {
  const schemas = new Set(steps.map((step) => step.table.split('.')[0] as string))
  if (schemas.size === 0) return
  await db.run('BEGIN TRANSACTION')
  for (const schema of schemas) await db.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(schema)}`)
  await db.run('COMMIT')
}

export async function applyPlan(
  db: Database,
  project: Project,
  plan: Plan,
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  return db.exclusive(async () => {
    await ensureState(db)
    await bindLanding(db.connection, project.config.landingDir)
    const recorded = await db.rows(`SELECT plan_id FROM ${stateSchema}.environments WHERE name = $1`, [
      plan.environment,
    ])
    if (
      plan.environmentChanged &&
      ((recorded[0]?.plan_id as string | undefined) ?? null) !== plan.previousPlanId
    ) {
      throw new MateriaError(
        'plan',
        `environment ${plan.environment} changed since this plan was built; plan again`,
      )
    }
    const versions = new Map(plan.environmentModels.map((row) => [row.model, row.version]))
    const context: BuildContext = { db, project, plan, options, versions }
    const buildSteps = plan.steps.filter(
      (step): step is BuildStep => step.kind !== 'swap_view' && step.kind !== 'drop_view',
    )
    await createPhysicalSchemas(db, buildSteps)
    crashPoint('before_builds')
    const built = await runBuilds(context, buildSteps)
    await auditKeptTables(context)
    crashPoint('before_swap')
    if (!plan.environmentChanged)
      return { modelsBuilt: built.models, rowsWritten: built.rows, viewsChanged: 0 }
    const viewsChanged = await swapViews(context)
    const check = await db.rows(`SELECT plan_id FROM ${stateSchema}.environments WHERE name = $1`, [
      plan.environment,
    ])
    assert(check[0]?.plan_id === plan.id, `environment ${plan.environment} records plan ${plan.id}`)
    return { modelsBuilt: built.models, rowsWritten: built.rows, viewsChanged }
  })
}
