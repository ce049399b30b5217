// Plan and apply figures. (1) A generated 1,000-model project built into dev: a no-op plan
// (target < 300 ms) and a plan with one leaf changed (target < 2,500 ms). (2) Four layers over
// 2 M generated rows: apply wall time against DuckDB running the same rendered SQL on one
// connection (target ratio <= 1.10). (3) Promotion dev -> prod: rows recomputed (must be 0) and
// wall time. (4) Incremental: 1,000 models whose raw layer is daily-incremental over three years:
// plan with one model changed (target < 2,500 ms) and `run` with nothing due (target < 500 ms).
// (5) Interval state rows before and after 100 restatements of a daily model. Setup (generation, first builds) is
// not timed. Figures only; the targets are printed beside them.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  applyPlan,
  buildPlan,
  buildRunPlan,
  loadProject,
  openDatabase,
  physicalTable,
  renderModelQuery,
  stateSchema,
} from '../pipeline/engine/index.ts'
import { generateProject } from './generate-project.ts'

const now = new Date('2024-06-01T12:00:00Z')

// Wall time, and CPU time of this process (DuckDB's threads included) beside it in cpu: on a busy
// machine the CPU figure shows the work itself, while wall time also counts waiting for a core.
const cpu: Record<string, number> = {}

async function timed<T>(job: () => Promise<T>, label?: string): Promise<[T, number]> {
  const cpuBefore = process.cpuUsage()
  const started = performance.now()
  const result = await job()
  const used = process.cpuUsage(cpuBefore)
  if (label !== undefined) cpu[label] = Math.round((used.user + used.system) / 1000)
  return [result, Math.round(performance.now() - started)]
}

function editLeaf(root: string, leaf: string): void {
  const [layer, table] = leaf.split('.') as [string, string]
  const path = join(root, 'models', layer, `${table}.sql`)
  writeFileSync(path, readFileSync(path, 'utf8').replace('AS rank_in_k', 'AS rank_in_k,\n  p0.k * 2 AS k2'))
}

async function planFigures(base: string): Promise<Record<string, unknown>> {
  const root = join(base, 'plan')
  const generated = generateProject(root, { models: 1000 })
  const db = await openDatabase(join(base, 'plan.duckdb'))
  try {
    const project = await loadProject(root, { env: {} })
    const first = await buildPlan(db, project, { environment: 'dev_bench', now })
    const [, buildMs] = await timed(() => applyPlan(db, project, first), 'firstBuild1000CpuMs')
    const [noop, noopPlanMs] = await timed(
      () => buildPlan(db, project, { environment: 'dev_bench', now }),
      'noopPlanCpuMs',
    )
    const leaf = generated.leaves.at(-1) as string
    editLeaf(root, leaf)
    const [edited, loadMs] = await timed(() => loadProject(root, { env: {} }))
    const [changed, oneLeafPlanMs] = await timed(
      () => buildPlan(db, edited, { environment: 'dev_bench', now }),
      'oneLeafChangedPlanCpuMs',
    )
    return {
      models: project.models.size,
      firstBuildMs: buildMs,
      noopPlanMs,
      noopPlanEmpty: noop.empty,
      oneLeafChangedLoadMs: loadMs,
      oneLeafChangedPlanMs: oneLeafPlanMs,
      oneLeafChangedBuildSteps: changed.steps.filter((step) => step.kind !== 'swap_view').length,
      targets: { noopPlanMs: 300, oneLeafChangedPlanMs: 2500 },
    }
  } finally {
    db.close()
  }
}

const rowsBig = 2_000_000

function writeModel(root: string, name: string, header: string, query: string): void {
  const [layer, table] = name.split('.') as [string, string]
  mkdirSync(join(root, 'models', layer), { recursive: true })
  writeFileSync(join(root, 'models', layer, `${table}.sql`), `MODEL (name ${name}, ${header});\n${query}\n`)
}

function fourLayerProject(root: string): string[] {
  mkdirSync(root, { recursive: true })
  writeFileSync(
    join(root, 'materia.yaml'),
    "name: big\nmodel_defaults: { start: '2024-01-01', cron: '@daily' }\n",
  )
  writeModel(
    root,
    'raw.events',
    'kind FULL',
    `SELECT range AS id, (range % 1000)::INTEGER AS country, (range % 97)::DOUBLE * 1.5 AS value,
      DATE '2020-01-01' + (range % 1500)::INTEGER AS day FROM range(${rowsBig})`,
  )
  writeModel(
    root,
    'staging.events',
    'kind FULL',
    'SELECT id, country, value, day, year(day) AS year FROM raw.events WHERE value >= 0',
  )
  writeModel(
    root,
    'cleaned.country_year',
    'kind FULL',
    'SELECT country, year, sum(value) AS total, count(*) AS events FROM staging.events GROUP BY country, year',
  )
  writeModel(
    root,
    'serving.country_share',
    'kind FULL',
    `SELECT c.country, c.year, c.total / sum(c.total) OVER (PARTITION BY c.year) AS share, c.events
      FROM cleaned.country_year AS c`,
  )
  return ['raw.events', 'staging.events', 'cleaned.country_year', 'serving.country_share']
}

async function applyFigures(base: string): Promise<Record<string, unknown>> {
  const root = join(base, 'big')
  const order = fourLayerProject(root)
  const project = await loadProject(root, { env: {} })
  // Baseline: the same rendered SQL, one connection, tables named as apply names them.
  const baseline = await openDatabase(join(base, 'baseline.duckdb'))
  let baselineMs = 0
  try {
    const plan = await buildPlan(baseline, project, { environment: 'dev_bench', now })
    const versions = new Map(plan.environmentModels.map((row) => [row.model, row.version]))
    const statements: string[] = []
    for (const name of order) {
      const version = versions.get(name) as string
      const sql = await renderModelQuery(project, name, {
        start: new Date(now.getTime() - 86_400_000),
        end: now,
        executionTime: now,
        resolveTable: (parent) => physicalTable(parent, versions.get(parent) as string),
      })
      statements.push(`CREATE TABLE ${physicalTable(name, version)} AS ${sql}`)
    }
    for (const schema of ['raw', 'staging', 'cleaned', 'serving'])
      await baseline.run(`CREATE SCHEMA materia__${schema}`)
    const started = performance.now()
    for (const statement of statements) await baseline.run(statement)
    baselineMs = Math.round(performance.now() - started)
  } finally {
    baseline.close()
  }
  const db = await openDatabase(join(base, 'big.duckdb'))
  try {
    const plan = await buildPlan(db, project, { environment: 'dev_bench', now })
    const [result, applyMs] = await timed(() => applyPlan(db, project, plan), 'applyCpuMs')
    const promotion = await buildPlan(db, project, { environment: 'prod', now })
    const [promoted, promotionMs] = await timed(() => applyPlan(db, project, promotion), 'promotionCpuMs')
    return {
      rawRows: rowsBig,
      models: order.length,
      rowsWritten: result.rowsWritten,
      applyMs,
      baselineOneConnectionMs: baselineMs,
      applyToBaselineRatio: Number((applyMs / Math.max(1, baselineMs)).toFixed(3)),
      promotionRowsRecomputed: promoted.rowsWritten,
      promotionModelsBuilt: promoted.modelsBuilt,
      promotionMs,
      targets: { applyToBaselineRatio: 1.1, promotionRowsRecomputed: 0 },
    }
  } finally {
    db.close()
  }
}

// Raw models of the generated project become daily INCREMENTAL_BY_TIME_RANGE models over three years.
function makeIncremental(root: string): number {
  const folder = join(root, 'models', 'raw')
  let count = 0
  for (const file of readdirSync(folder)) {
    const path = join(folder, file)
    const name = `raw.${file.replace(/\.sql$/, '')}`
    writeFileSync(
      path,
      `MODEL (
  name ${name},
  kind INCREMENTAL_BY_TIME_RANGE (time_column day, batch_size 400),
  start '2021-06-01',
  grain (id)
);
SELECT
  (epoch(g.day) / 86400)::BIGINT AS id,
  ((epoch(g.day) / 86400)::BIGINT % 7)::INTEGER AS k,
  ((epoch(g.day) / 86400) * 1.5)::DOUBLE AS v,
  g.day::DATE AS day
FROM generate_series(@start_ts::TIMESTAMP, @end_ts::TIMESTAMP, INTERVAL 1 DAY) AS g(day)
`,
    )
    count += 1
  }
  return count
}

async function incrementalFigures(base: string): Promise<Record<string, unknown>> {
  const root = join(base, 'incremental')
  const generated = generateProject(root, { models: 1000 })
  const incrementalModels = makeIncremental(root)
  const db = await openDatabase(join(base, 'incremental.duckdb'))
  try {
    const project = await loadProject(root, { env: {} })
    const first = await buildPlan(db, project, { environment: 'prod', now })
    const [, buildMs] = await timed(() => applyPlan(db, project, first))
    const [due, runNothingDueMs] = await timed(
      () => buildRunPlan(db, project, { environment: 'prod', now }),
      'runNothingDueCpuMs',
    )
    editLeaf(root, generated.leaves[0] as string)
    const edited = await loadProject(root, { env: {} })
    const [changed, oneChangedPlanMs] = await timed(
      () => buildPlan(db, edited, { environment: 'prod', now }),
      'oneChangedPlanCpuMs',
    )
    return {
      models: edited.models.size,
      incrementalModels,
      dailyIntervalsPerModel: Math.round((now.getTime() - Date.UTC(2021, 5, 1)) / 86_400_000),
      firstBuildMs: buildMs,
      runNothingDueMs,
      runNothingDueSteps: due.steps.length,
      oneChangedPlanMs,
      oneChangedBuildSteps: changed.steps.filter((step) => step.kind !== 'swap_view').length,
      targets: { oneChangedPlanMs: 2500, runNothingDueMs: 500 },
    }
  } finally {
    db.close()
  }
}

// One daily incremental model over three years, restated 100 times over sliding one-day ranges:
// interval state must stay at the number of disjoint ranges that exist (one).
async function restateFigures(base: string): Promise<Record<string, unknown>> {
  const root = join(base, 'restate')
  mkdirSync(root, { recursive: true })
  writeFileSync(
    join(root, 'materia.yaml'),
    "name: restate\nmodel_defaults: { start: '2021-06-01', cron: '@daily' }\n",
  )
  writeModel(
    root,
    'cleaned.daily',
    'kind INCREMENTAL_BY_TIME_RANGE (time_column day, batch_size 400)',
    `SELECT g.day::DATE AS day, (epoch(g.day) / 86400)::BIGINT % 7 AS k
      FROM generate_series(@start_ts::TIMESTAMP, @end_ts::TIMESTAMP, INTERVAL 1 DAY) AS g(day)`,
  )
  const project = await loadProject(root, { env: {} })
  const db = await openDatabase(join(base, 'restate.duckdb'))
  try {
    await applyPlan(db, project, await buildPlan(db, project, { environment: 'prod', now }))
    const stateRows = async () =>
      Number(Object.values((await db.rows(`SELECT count(*) AS n FROM ${stateSchema}.intervals`))[0] ?? {})[0])
    const before = await stateRows()
    const started = performance.now()
    for (let index = 0; index < 100; index += 1) {
      const plan = await buildPlan(db, project, {
        environment: 'prod',
        now,
        restate: ['cleaned.daily'],
        start: new Date(Date.UTC(2023, 0, 1 + index)),
        end: new Date(Date.UTC(2023, 0, 2 + index)),
      })
      await applyPlan(db, project, plan)
    }
    return {
      restatements: 100,
      intervalRowsBefore: before,
      intervalRowsAfter: await stateRows(),
      rows: Number(Object.values((await db.rows('SELECT count(*) FROM cleaned.daily'))[0] ?? {})[0]),
      meanRestatementMs: Math.round((performance.now() - started) / 100),
    }
  } finally {
    db.close()
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const base = mkdtempSync(join(tmpdir(), 'materia-bench-apply-'))
  try {
    return {
      plan1000: await planFigures(base),
      apply2M: await applyFigures(base),
      restate100: await restateFigures(base),
      incremental1000: await incrementalFigures(base),
      cpu,
    }
  } finally {
    rmSync(base, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run(), null, 2))
}
