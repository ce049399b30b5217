// One measured phase of the models benchmark, run in its own process so that its peak RSS is its
// own (DuckDB's memory is native and counted in the process RSS). Prints one JSON line.
//   apply:  plan + apply the project to prod at a given clock, audits on (what `materia start` does)
//   direct: the same rendered model SQL executed by DuckDB alone, in order, on one connection; with
//           audits on, each model's audit queries follow its statement on that connection, as apply
//           runs them after each build (same queries, same batch range), with no transaction or state
//   floor:  DuckDB reading every landed file as the raw model does (count(*) over the read_csv):
//           the physical floor of any pipeline over this landing
//   floorWrite: the same read written to a table as it is (CREATE TABLE AS, every column): the
//           floor of any pipeline that keeps one row per landed row in a table, as staging does
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  type ApplyEvent,
  applyPlan,
  auditOptionsForApply,
  buildPlan,
  databaseSettings,
  floorTime,
  intervalUnit,
  loadProject,
  type Model,
  openDatabase,
  type Project,
  renderModelQuery,
  runModelAudits,
} from '../pipeline/engine/index.ts'
import { auditWarning } from '../pipeline/main-job.ts'

export interface PhaseRequest {
  readonly phase: 'apply' | 'direct' | 'floor' | 'floorWrite'
  readonly projectRoot: string
  readonly landingDir: string
  readonly databasePath: string
  readonly now: string // ISO timestamp: the clock intervals are computed against
  readonly audits: boolean
}

export interface PhaseResult {
  readonly wallMs: number
  // CPU time of the process over the same span (DuckDB's threads included): on a loaded machine the
  // wall time holds the waits for a core, this does not.
  readonly cpuMs: number
  readonly peakRssMb: number
  readonly rowsByModel: Record<string, number>
  readonly msByModel: Record<string, number> // apply: each model's build, audits included
  readonly auditWarnings: number
}

function elapsed(started: number, cpuStarted: NodeJS.CpuUsage): { wallMs: number; cpuMs: number } {
  const cpu = process.cpuUsage(cpuStarted)
  return {
    wallMs: Math.round(performance.now() - started),
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
  }
}

async function applyPhase(project: Project, request: PhaseRequest): Promise<Omit<PhaseResult, 'peakRssMb'>> {
  const db = await openDatabase(request.databasePath)
  const rowsByModel: Record<string, number> = {}
  const msByModel: Record<string, number> = {}
  let auditWarnings = 0
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  try {
    const plan = await buildPlan(db, project, { environment: 'prod', now: new Date(request.now) })
    const onEvent = (event: ApplyEvent) => {
      if (event.kind === 'model_done') {
        rowsByModel[event.model] = event.rows
        msByModel[event.model] = Math.round(event.elapsedMs)
      }
      if (auditWarning(event) !== null) auditWarnings += 1
    }
    await applyPlan(db, project, plan, {
      onEvent,
      ...(request.audits ? auditOptionsForApply(project) : {}),
    })
  } finally {
    db.close()
  }
  return { ...elapsed(started, cpuStarted), rowsByModel, msByModel, auditWarnings }
}

// DuckDB alone: every model's SQL rendered exactly as apply renders it (same macros, same interval:
// the project start to the last complete day), references left as schema.name, run in DAG order.
async function directPhase(project: Project, request: PhaseRequest): Promise<Omit<PhaseResult, 'peakRssMb'>> {
  const now = new Date(request.now)
  const statements: { model: string; sql: string; range?: { start: Date; end: Date } }[] = []
  for (const name of project.order) {
    const model = project.models.get(name)!
    const start = new Date(`${model.start ?? project.config.modelDefaults.start}T00:00:00Z`)
    const end = new Date(floorTime(now.getTime(), intervalUnit(model.cron)))
    const target = `${model.schema}.${model.table}`
    if (model.kind.name === 'SEED') {
      const path = join(project.root, model.path, '..', model.kind.path)
      statements.push({
        model: name,
        sql: `CREATE TABLE ${target} AS SELECT * FROM read_csv('${path}', header = true, auto_detect = true)`,
      })
      continue
    }
    const query = await renderModelQuery(project, name, { start, end, executionTime: now })
    const verb = model.kind.name === 'VIEW' ? 'VIEW' : 'TABLE'
    // Apply audits a time-range model on the batch it wrote, any other on the whole table.
    const range = model.kind.name === 'INCREMENTAL_BY_TIME_RANGE' ? { start, end } : undefined
    statements.push({ model: name, sql: `CREATE ${verb} ${target} AS ${query}`, ...(range && { range }) })
  }
  // The engine's own instance settings (memory limit, insertion order), so both sides run alike.
  const instance = await DuckDBInstance.create(request.databasePath, databaseSettings)
  const connection = await instance.connect()
  const target = (model: Model) => `${model.schema}.${model.table}`
  let auditWarnings = 0
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  try {
    for (const schema of new Set(project.order.map((name) => name.split('.')[0]))) {
      await connection.run(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
    }
    for (const { model, sql, range } of statements) {
      await connection.run(sql)
      if (!request.audits) continue
      const audited = project.models.get(model)!
      const outcomes = await runModelAudits(connection, project, audited, target(audited), range)
      auditWarnings += outcomes.filter((outcome) => !outcome.passed).length
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
  // CREATE TABLE AS reports no row count here; the rows match the apply phase's by construction.
  return { ...elapsed(started, cpuStarted), rowsByModel: {}, msByModel: {}, auditWarnings }
}

// The raw model's read of every landed file, counted (floor) or written to a table (floorWrite):
// same files, same read_csv options.
async function floorPhase(project: Project, request: PhaseRequest): Promise<Omit<PhaseResult, 'peakRssMb'>> {
  const raw = await renderModelQuery(project, 'raw.psd_alldata', {
    start: new Date(0),
    end: new Date(request.now),
    executionTime: new Date(request.now),
  })
  const instance = await DuckDBInstance.create(request.databasePath, databaseSettings)
  const connection = await instance.connect()
  const started = performance.now()
  const cpuStarted = process.cpuUsage()
  let rows = 0
  try {
    if (request.phase === 'floorWrite') {
      await connection.run(`CREATE TABLE landed AS ${raw}`)
      const reader = await connection.runAndReadAll('SELECT count(*)::BIGINT AS n FROM landed')
      rows = Number(reader.getRowObjectsJS()[0]?.n)
    } else {
      const reader = await connection.runAndReadAll(`SELECT count(*)::BIGINT AS n FROM (${raw})`)
      rows = Number(reader.getRowObjectsJS()[0]?.n)
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
  return {
    ...elapsed(started, cpuStarted),
    rowsByModel: { 'raw.psd_alldata': rows },
    msByModel: {},
    auditWarnings: 0,
  }
}

export async function runPhase(request: PhaseRequest): Promise<PhaseResult> {
  if (readdirSync(request.landingDir).length === 0) throw new Error(`${request.landingDir} is empty`)
  const project = await loadProject(request.projectRoot, {
    env: { ...process.env, MATERIA_LANDING: request.landingDir },
  })
  const phases = { apply: applyPhase, direct: directPhase, floor: floorPhase, floorWrite: floorPhase }
  const measured = await phases[request.phase](project, request)
  return { ...measured, peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }
}

if (process.argv[2] !== undefined) {
  const request = JSON.parse(process.argv[2]) as PhaseRequest
  process.stdout.write(`${JSON.stringify(await runPhase(request))}\n`)
}
