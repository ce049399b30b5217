// Audits: queries returning a model's bad rows, run after each evaluation (apply) and on demand
// (`materia audit`). A blocking audit with bad rows stops the apply before any environment view
// moves; a non-blocking one is reported and nothing more. The model's grain implies a uniqueness
// audit. Incremental models are audited on the batch just written, not the whole table.
import type { DuckDBConnection } from '@duckdb/node-api'
import { MateriaError } from '../errors.ts'
import { auditSampleRowsMax } from '../limits.ts'
import { auditBaseName, builtinAuditSql } from './builtin-audits.ts'
import type { AuditCall, Model } from './model.ts'
import type { CustomAudit, Project } from './project.ts'
import { describeQueryError } from './read-error.ts'
import { placeholderContext, renderMacros } from './render.ts'
import { formatRows } from './row-text.ts'
import { quoteIdentifier, quoteLiteral } from './sql-quote.ts'

export interface AuditOutcome {
  model: string
  audit: string
  blocking: boolean
  passed: boolean
  badRows: number
  sample: Record<string, unknown>[]
  sql: string
}

export interface AuditRange {
  start: Date
  end: Date // exclusive: the range is [start, end), as intervals are
}

// The audits a model runs: the grain's uniqueness first (when the project sets audit_grain), then
// the header's in written order.
export function modelAuditCalls(model: Model, auditGrain = true): AuditCall[] {
  const grain: AuditCall[] =
    model.grain.length === 0 || !auditGrain
      ? []
      : [
          {
            name: 'grain',
            args: { columns: `(${model.grain.map(quoteIdentifier).join(', ')})` },
            blocking: true,
          },
        ]
  return [...grain, ...model.audits]
}

export async function runModelAudits(
  connection: DuckDBConnection,
  project: Project,
  model: Model,
  relation: string,
  range?: AuditRange,
): Promise<AuditOutcome[]> {
  const calls = modelAuditCalls(model, project.config.auditGrain === true)
  // Nothing to audit: no need to describe the relation (for a view over the landing, DESCRIBE binds
  // its read_csv, which lists and sniffs the landed files).
  if (calls.length === 0) return []
  const audited = batchRelation(model, relation, range)
  const columns = await relationColumns(connection, model, relation)
  const outcomes: AuditOutcome[] = []
  for (const written of calls) {
    const call = effectiveCall(project, model, written)
    if (call === null) continue
    const sql = renderAudit(project, model, call, audited, columns, range)
    outcomes.push(await runAudit(connection, model, call, sql))
  }
  return outcomes
}

// The custom audit a call names: the model's own inline audit first, then audits/.
export function customAudit(project: Project, model: Model, name: string): CustomAudit | undefined {
  const base = auditBaseName(name)
  return (
    project.audits.get(`${model.name}:${base}`) ??
    project.audits.get(`${model.name}:${name}`) ??
    project.audits.get(base) ??
    project.audits.get(name)
  )
}

// A call as it runs (audits.md): the audit's defaults under the call's arguments; blocking from the
// use-site `blocking := false`, else the header's `blocking false`, else the *_non_blocking name;
// null for an audit whose header says `skip true`.
export function effectiveCall(project: Project, model: Model, call: AuditCall): AuditCall | null {
  const { blocking: useSite, ...args } = call.args
  const custom = customAudit(project, model, call.name)
  if (custom?.skip === true) return null
  let blocking = call.blocking && (custom?.blocking ?? true)
  if (useSite !== undefined) {
    const flag = useSite.trim().toLowerCase()
    if (flag !== 'true' && flag !== 'false')
      throw new MateriaError(
        'audit',
        `${model.path}: audit ${call.name} on ${model.name}: blocking := must be true or false`,
      )
    blocking = flag === 'true'
  }
  return { name: call.name, args: { ...(custom?.defaults ?? {}), ...args }, blocking }
}

// The audited rows: the whole relation, or for an incremental model the batch's time range.
function batchRelation(model: Model, relation: string, range: AuditRange | undefined): string {
  if (range === undefined || model.kind.name !== 'INCREMENTAL_BY_TIME_RANGE') return relation
  const column = quoteIdentifier(model.kind.timeColumn)
  const bound = (date: Date) => `CAST(${quoteLiteral(date.toISOString())} AS TIMESTAMP)`
  return `(SELECT * FROM ${relation} WHERE ${column} >= ${bound(range.start)} AND ${column} < ${bound(range.end)})`
}

async function relationColumns(
  connection: DuckDBConnection,
  model: Model,
  relation: string,
): Promise<Set<string>> {
  try {
    const reader = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${relation}`)
    return new Set(reader.getRowObjectsJson().map((row) => String(row.column_name).toLowerCase()))
  } catch (error) {
    throw new MateriaError(
      'audit',
      `${model.path}: cannot audit ${model.name}: ${await describeQueryError(connection, error)}`,
      {
        cause: error,
      },
    )
  }
}

function renderAudit(
  project: Project,
  model: Model,
  call: AuditCall,
  relation: string,
  columns: Set<string>,
  range: AuditRange | undefined,
): string {
  const where = `${model.path}: audit ${call.name} on ${model.name}`
  const builtin = builtinAuditSql(
    call.name === 'grain' ? 'unique_combination_of_columns' : call.name,
    call.args,
    relation,
  )
  if (builtin !== null) {
    if (!builtin.ok) throw new MateriaError('audit', `${where} ${builtin.problem}`)
    const unknown = builtin.columns.filter((c) => !columns.has(c.toLowerCase()))
    if (unknown.length > 0) {
      const known = [...columns].join(', ')
      throw new MateriaError(
        'audit',
        `${where} references unknown column ${unknown.join(', ')}; the model has ${known}`,
      )
    }
    return builtin.sql
  }
  const custom = customAudit(project, model, call.name)
  if (custom === undefined) {
    const known = [
      'not_null',
      'unique_values',
      'unique_combination_of_columns',
      'accepted_values',
      'accepted_range',
    ]
    throw new MateriaError(
      'audit',
      `${where}: unknown audit; use a built-in (${known.join(', ')}, number_of_rows, forall) or add audits/${auditBaseName(call.name)}.sql to the project`,
    )
  }
  return renderCustomAudit(project, model, custom, call, relation, range)
}

// Macros render as in models (@start_ds and the rest over the batch range), with @this_model as the
// audited relation and each argument of the call as @name.
export function renderCustomAudit(
  project: Project,
  model: Model,
  audit: CustomAudit,
  call: AuditCall,
  relation: string,
  range?: AuditRange,
): string {
  const times = range ?? placeholderContext
  const context = {
    start: times.start,
    end: times.end,
    executionTime: times.end,
    resolveTable: (name: string) => (name === model.name ? relation : null),
  }
  try {
    // Arguments may hold macros of their own (@start_ds, @VAR('x')): render them first.
    const args = Object.fromEntries(
      Object.entries(call.args).map(([name, value]) => [
        name,
        value.includes('@') ? renderMacros(project, model, context, value) : value,
      ]),
    )
    return renderMacros(project, model, context, audit.query, args).trim().replace(/;\s*$/, '')
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw new MateriaError('audit', `${audit.path}: audit ${audit.name} for ${model.name}: ${message}`, {
      cause: error,
    })
  }
}

export async function runAudit(
  connection: DuckDBConnection,
  model: Model,
  call: AuditCall,
  sql: string,
): Promise<AuditOutcome> {
  const counted = `SELECT *, count(*) OVER () AS __materia_bad_rows FROM (${sql}) LIMIT ${auditSampleRowsMax}`
  let rows: Record<string, unknown>[]
  try {
    rows = (await connection.runAndReadAll(counted)).getRowObjectsJson()
  } catch (error) {
    throw new MateriaError(
      'audit',
      `${model.path}: audit ${call.name} on ${model.name} failed to run: ${await describeQueryError(connection, error)}`,
      {
        cause: error,
      },
    )
  }
  const badRows = rows.length === 0 ? 0 : Number(rows[0]?.__materia_bad_rows)
  const sample = rows.map(({ __materia_bad_rows: _, ...row }) => row)
  return {
    model: model.name,
    audit: call.name,
    blocking: call.blocking,
    passed: badRows === 0,
    badRows,
    sample,
    sql,
  }
}

// "2 bad rows:" (or "; first 5:" when there are more) and the sample as a small table.
export function badRowsText(outcome: AuditOutcome): string {
  const rows = outcome.badRows === 1 ? '1 bad row' : `${outcome.badRows} bad rows`
  const shown = outcome.sample.length < outcome.badRows ? `; first ${outcome.sample.length}:` : ':'
  return [`${rows}${shown}`, ...formatRows(outcome.sample)].join('\n')
}

// One line naming the audit and model, then the first bad rows as a small table.
export function auditFailureMessage(outcome: AuditOutcome): string {
  const kind = outcome.blocking ? 'blocking audit' : 'non-blocking audit'
  return `${kind} ${outcome.audit} failed on ${outcome.model}: ${badRowsText(outcome)}`
}

// Throws the first blocking failure, the form apply uses to stop before any view moves.
export function assertBlockingAuditsPassed(outcomes: readonly AuditOutcome[]): void {
  const failed = outcomes.find((o) => o.blocking && !o.passed)
  if (failed !== undefined) throw new MateriaError('audit', auditFailureMessage(failed))
}
