// Goal: a crash at any point of an apply leaves the environment readable with its previous data,
// and the next plan converges to exactly what a clean run builds. Method: a child process applies
// a breaking change (three rebuilt tables, a view and a six-batch incremental backfill) to a copy
// of a built database and is killed with SIGKILL at numbered crash points (MATERIA_CRASH_AT) or on
// a timer that starts once the child says it is applying; then this process checks the
// environment, re-plans, applies, and compares checksums of every environment view and physical
// table with a clean run.
import { spawn } from 'node:child_process'
import { copyFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { applyPlan } from './apply.ts'
import { type Database, openDatabase } from './database.ts'
import { buildPlan } from './plan.ts'
import { readState } from './state.ts'
import { exampleSpecs, type ModelSpec, makeProject, setupRoot } from './testing/test-project.ts'

const child = new URL('./testing/apply-child.ts', import.meta.url).pathname
const now = '2024-03-01T12:00:00.000Z'

function specsV1(): ModelSpec[] {
  return [
    ...exampleSpecs(),
    {
      name: 'cleaned.daily',
      kind: { name: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day', batchSize: 10, lookback: 0 },
      query: `SELECT g.day::DATE AS day, s.country_code AS country_code, count(*) AS rows_seen
        FROM staging.stg_psd AS s, generate_series(@start_ds::TIMESTAMP, @end_ds::TIMESTAMP, INTERVAL 1 DAY) AS g(day)
        GROUP BY ALL`,
    },
  ]
}

function specsV2(): ModelSpec[] {
  return specsV1().map((spec) =>
    spec.name === 'staging.stg_psd'
      ? { ...spec, query: spec.query.replace('Value::DOUBLE', '(Value + 1)::DOUBLE') }
      : spec,
  )
}

// Checksums of what the environment shows and of the physical tables behind it.
async function checksums(db: Database, environment: string): Promise<Record<string, string>> {
  const state = await readState(db)
  const models = state.environments.get(environment)?.models ?? new Map()
  const result: Record<string, string> = {}
  for (const entry of [...models.values()].sort((a, b) => a.model.localeCompare(b.model))) {
    const snapshot = state.snapshots.get(`${entry.model}@${entry.version}`)
    const [schema, table] = entry.model.split('.') as [string, string]
    const view = `"${schema}__${environment}"."${table}"`
    const sql = (relation: string) =>
      `SELECT count(*)::VARCHAR || ':' || coalesce(md5(string_agg(t::VARCHAR, '|' ORDER BY t::VARCHAR)), '') AS c FROM ${relation} AS t`
    result[`view ${entry.model}`] = String((await db.rows(sql(view)))[0]?.c)
    const [physicalSchema, physicalName] = String(snapshot?.physicalTable).split('.') as [string, string]
    result[`table ${entry.model}`] = String(
      (await db.rows(sql(`"${physicalSchema}"."${physicalName}"`)))[0]?.c,
    )
    result[`intervals ${entry.model}`] = JSON.stringify(
      state.intervals.get(`${entry.model}@${entry.version}`) ?? [],
    )
  }
  return result
}

async function checksumsOf(database: string): Promise<Record<string, string>> {
  const db = await openDatabase(database)
  try {
    return await checksums(db, 'dev_x')
  } finally {
    db.close()
  }
}

async function applyInProcess(database: string, root: string, specs: ModelSpec[]): Promise<void> {
  const db = await openDatabase(database)
  try {
    const project = makeProject(root, specs)
    await applyPlan(db, project, await buildPlan(db, project, { environment: 'dev_x', now: new Date(now) }))
  } finally {
    db.close()
  }
}

interface ChildRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stderr: string
}

function runChild(
  root: string,
  database: string,
  crashAt: number | null,
  killAfterMs: number | null,
): Promise<ChildRun> {
  const input = { mode: 'apply', root, database, specs: specsV2(), environment: 'dev_x', now }
  const env = { ...process.env, MATERIA_CRASH_AT: crashAt === null ? '' : String(crashAt) }
  const spawned = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(input)], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  spawned.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  spawned.stdout?.on('data', (chunk: Buffer) => {
    // The timer starts when the child is past start-up, so the kill lands inside the apply.
    if (killAfterMs !== null && chunk.toString().includes('applying'))
      setTimeout(() => spawned.kill('SIGKILL'), killAfterMs)
  })
  return new Promise((resolve) => spawned.on('exit', (code, signal) => resolve({ code, signal, stderr })))
}

// Each kill is its own test with its own time limit (a child start-up plus two applies), so a loaded
// machine makes the file slower but no kill shares a deadline with the twenty others.
const childRunTimeoutMs = 120_000
const runs: { crashAt: number | null; killAfterMs: number | null }[] = []
for (let point = 1; point <= 60; point += 3) runs.push({ crashAt: point, killAfterMs: null })
runs.push({ crashAt: null, killAfterMs: 60 })

describe('crash safety: kill -9 at 20+ points leaves the previous data and converges to the clean result', () => {
  let root = ''
  let baseline = ''
  let before: Record<string, string> = {}
  let clean: Record<string, string> = {}
  const points = new Set<string>()
  let completed = 0

  beforeAll(async () => {
    root = setupRoot()
    baseline = join(root, 'baseline.duckdb')
    await applyInProcess(baseline, root, specsV1())
    const cleanPath = join(root, 'clean.duckdb')
    copyFileSync(baseline, cleanPath)
    before = await checksumsOf(baseline)
    await applyInProcess(cleanPath, root, specsV2())
    clean = await checksumsOf(cleanPath)
    expect(clean).not.toEqual(before)
  }, childRunTimeoutMs)

  it.each(
    runs.map((run, index) => ({
      ...run,
      index,
      label:
        run.crashAt === null
          ? `on a timer ${run.killAfterMs} ms into the apply`
          : `at crash point ${run.crashAt}`,
    })),
  )(
    'kill -9 $label',
    async ({ crashAt, killAfterMs, index }) => {
      const database = join(root, `crash-${index}.duckdb`)
      copyFileSync(baseline, database)
      const result = await runChild(root, database, crashAt, killAfterMs)
      if (result.signal === 'SIGKILL') {
        const match = /crash point (\d+): (\w+)/.exec(result.stderr)
        points.add(match === null ? `timer ${killAfterMs}` : `${match[1]} ${match[2]}`)
      } else {
        expect(result.code, result.stderr).toBe(0)
        completed += 1
      }
      const db = await openDatabase(database)
      try {
        if (result.signal === 'SIGKILL') expect(await checksums(db, 'dev_x')).toEqual(before)
        const project = makeProject(root, specsV2())
        await applyPlan(
          db,
          project,
          await buildPlan(db, project, { environment: 'dev_x', now: new Date(now) }),
        )
        expect(await checksums(db, 'dev_x')).toEqual(clean)
        expect((await buildPlan(db, project, { environment: 'dev_x', now: new Date(now) })).empty).toBe(true)
      } finally {
        db.close()
      }
    },
    childRunTimeoutMs,
  )

  it('the kills landed at 20 or more distinct points and did not all miss the apply', () => {
    expect(points.size).toBeGreaterThanOrEqual(20)
    expect(completed).toBeLessThan(runs.length)
  })
})
