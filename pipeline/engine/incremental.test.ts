// Goal: incremental models, scheduling, restatement, audits hook and janitor on a real DuckDB file.
// Method: a small project over generated event rows (a 6-hourly series), a daily time-range model
// and a unique-key model, planned and run at pinned clocks; assertions on rows and state.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { applyPlan } from './apply.ts'
import { type Database, openDatabase } from './database.ts'
import { invalidateEnvironment } from './environments.ts'
import { runJanitor } from './janitor.ts'
import { buildPlan, type PlanOptions } from './plan.ts'
import type { Project } from './project.ts'
import { buildRunPlan } from './run.ts'
import { readState, stateSchema } from './state.ts'
import { type ModelSpec, makeProject, temporaryDirectory } from './testing/test-project.ts'

const day = 86_400_000
const clockAt = (iso: string) => new Date(iso)

function specs(dailyExtra = ''): ModelSpec[] {
  return [
    {
      name: 'raw.events',
      query: `SELECT ts AS ts, (epoch(ts) / 3600)::INTEGER % 7 AS value
        FROM generate_series(TIMESTAMP '2024-01-01', TIMESTAMP '2024-03-31 18:00:00', INTERVAL 6 HOUR) AS g(ts)`,
    },
    {
      name: 'cleaned.daily',
      kind: { name: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day', batchSize: 7, lookback: 0 },
      query: `SELECT ts::DATE AS day, count(*) AS events, sum(value) AS total${dailyExtra}
        FROM raw.events WHERE ts >= @start_ts AND ts <= @end_ts GROUP BY 1`,
    },
    {
      name: 'serving.weekly',
      kind: { name: 'INCREMENTAL_BY_UNIQUE_KEY', uniqueKey: ['week'] },
      query: `SELECT date_trunc('week', day) AS week, sum(events) AS events
        FROM cleaned.daily WHERE day BETWEEN @start_date AND @end_date GROUP BY 1`,
    },
  ]
}

async function apply(db: Database, project: Project, options: PlanOptions) {
  const plan = await buildPlan(db, project, options)
  await applyPlan(db, project, plan)
  return plan
}

async function count(db: Database, sql: string): Promise<number> {
  return Number(Object.values((await db.rows(sql))[0] ?? {})[0])
}

describe('incremental models', () => {
  let root: string
  let db: Database
  beforeEach(async () => {
    root = temporaryDirectory('incremental')
    db = await openDatabase(join(root, 'local.duckdb'))
  })
  afterEach(() => db.close())

  it('backfills missing daily intervals in batches, then runs only what is due', async () => {
    const project = makeProject(root, specs())
    const plan = await apply(db, project, { environment: 'dev_x', now: clockAt('2024-03-01T12:00:00Z') })
    const backfill = plan.steps.find((step) => step.kind === 'backfill')
    expect(backfill?.kind === 'backfill' && backfill.batches.length).toBe(Math.ceil(60 / 7))
    expect(await count(db, 'SELECT count(*) FROM cleaned__dev_x.daily')).toBe(60)
    expect(await count(db, "SELECT max(day) = DATE '2024-02-29' FROM cleaned__dev_x.daily")).toBe(1)
    expect(
      await count(db, `SELECT count(*) FROM ${stateSchema}.intervals WHERE name = 'cleaned.daily'`),
    ).toBe(1)

    expect(
      (await buildRunPlan(db, project, { environment: 'dev_x', now: clockAt('2024-03-01T23:00:00Z') })).empty,
    ).toBe(true)
    const later = await buildRunPlan(db, project, {
      environment: 'dev_x',
      now: clockAt('2024-03-03T01:00:00Z'),
    })
    expect(later.steps.map((step) => step.kind).sort()).toEqual(['backfill', 'create_table', 'merge_by_key'])
    await applyPlan(db, project, later)
    expect(await count(db, 'SELECT count(*) FROM cleaned__dev_x.daily')).toBe(62)
    expect(await count(db, 'SELECT count(*) FROM serving__dev_x.weekly')).toBe(
      await count(db, 'SELECT count(DISTINCT week) FROM serving__dev_x.weekly'),
    )
    const lastWeek = await count(
      db,
      "SELECT events FROM serving__dev_x.weekly WHERE week = DATE '2024-02-26'",
    )
    expect(lastWeek).toBe(2 * 4) // merged: the week's row now holds only the new interval's two days
    expect(
      (await buildRunPlan(db, project, { environment: 'dev_x', now: clockAt('2024-03-03T05:00:00Z') })).empty,
    ).toBe(true)
    const state = await readState(db)
    const version = state.environments.get('dev_x')?.models.get('cleaned.daily')?.version
    expect(state.intervals.get(`cleaned.daily@${version}`)).toEqual([
      [Date.UTC(2024, 0, 1), Date.UTC(2024, 2, 3)],
    ])
  })

  it('limits a dev backfill with --start/--end; prod then fills the rest into the same table', async () => {
    const project = makeProject(root, specs())
    const now = clockAt('2024-03-01T12:00:00Z')
    await apply(db, project, {
      environment: 'dev_x',
      now,
      start: new Date(Date.UTC(2024, 1, 1)),
      end: new Date(Date.UTC(2024, 1, 8)),
    })
    expect(await count(db, 'SELECT count(*) FROM cleaned__dev_x.daily')).toBe(7)
    const prod = await apply(db, project, { environment: 'prod', now })
    expect(prod.steps.filter((step) => step.kind === 'create_table' || step.kind === 'clone_table')).toEqual(
      [],
    )
    expect(await count(db, 'SELECT count(*) FROM cleaned.daily')).toBe(60)
    await expect(
      buildPlan(db, project, { environment: 'prod', now, start: new Date(Date.UTC(2024, 1, 1)) }),
    ).rejects.toThrow(/--start\/--end limit dev plans/)
  })

  it('restates a range in dev without touching prod, and state does not grow over repeated restatements', async () => {
    const project = makeProject(root, specs())
    const now = clockAt('2024-03-01T12:00:00Z')
    await apply(db, project, { environment: 'prod', now })
    await apply(db, project, { environment: 'dev_x', now })
    const prodBefore = await db.rows('SELECT * FROM cleaned.daily ORDER BY day')
    await db.run(
      'UPDATE materia__raw.raw__events__' +
        (await readState(db)).environments.get('prod')?.models.get('raw.events')?.version +
        " SET value = value + 100 WHERE ts < TIMESTAMP '2024-01-05'",
    )
    const restate = {
      environment: 'dev_x',
      now,
      restate: ['cleaned.daily'],
      start: new Date(Date.UTC(2024, 0, 1)),
      end: new Date(Date.UTC(2024, 0, 3)),
    }
    const plan = await apply(db, project, restate)
    expect(plan.models.find((model) => model.name === 'cleaned.daily')?.change).toBe('restated')
    expect(plan.steps.map((step) => step.kind)).toContain('clone_table')
    expect(plan.models.find((model) => model.name === 'serving.weekly')?.change).toBe('restated')
    expect(await db.rows('SELECT * FROM cleaned.daily ORDER BY day')).toEqual(prodBefore)
    const devFirst = await db.rows("SELECT total FROM cleaned__dev_x.daily WHERE day = DATE '2024-01-01'")
    const prodFirst = await db.rows("SELECT total FROM cleaned.daily WHERE day = DATE '2024-01-01'")
    expect(Number(devFirst[0]?.total)).toBe(Number(prodFirst[0]?.total) + 400)
    expect(await count(db, "SELECT total FROM cleaned__dev_x.daily WHERE day = DATE '2024-01-03'")).toBe(
      await count(db, "SELECT total FROM cleaned.daily WHERE day = DATE '2024-01-03'"),
    )
    const rowsBefore = await count(db, `SELECT count(*) FROM ${stateSchema}.intervals`)
    const snapshotsBefore = await count(db, `SELECT count(*) FROM ${stateSchema}.snapshots`)
    // bench/engine-apply.bench.ts repeats this 100 times; here 20 keep the file fast.
    for (let index = 0; index < 20; index += 1) {
      const again = await buildPlan(db, project, { ...restate, restate: ['cleaned.daily'] })
      expect(again.steps.some((step) => step.kind === 'clone_table')).toBe(false)
      await applyPlan(db, project, again)
    }
    expect(await count(db, `SELECT count(*) FROM ${stateSchema}.intervals`)).toBe(rowsBefore)
    expect(await count(db, `SELECT count(*) FROM ${stateSchema}.snapshots`)).toBe(snapshotsBefore)
    expect(await db.rows('SELECT * FROM cleaned.daily ORDER BY day')).toEqual(prodBefore)
  })

  it('leaves no partial batch when an interval query fails halfway; the retry completes it', async () => {
    await db.run('CREATE TABLE main.fail_switch AS SELECT 1 AS on_')
    const failing = specs().map((spec) =>
      spec.name === 'cleaned.daily'
        ? {
            ...spec,
            query: spec.query.replace(
              'sum(value) AS total',
              "CASE WHEN @start_ds >= '2024-02-01' AND (SELECT count(*) FROM main.fail_switch) > 0 THEN error('injected failure') ELSE sum(value) END AS total",
            ),
          }
        : spec,
    )
    const project = makeProject(root, failing)
    const now = clockAt('2024-03-01T12:00:00Z')
    const error = await apply(db, project, { environment: 'dev_x', now }).catch((caught: unknown) => caught)
    expect(isMateriaError(error) && error.message).toMatch(
      /models\/cleaned\/daily\.sql: model cleaned\.daily failed: .*injected failure/,
    )
    expect((await readState(db)).environments.has('dev_x')).toBe(false)
    const version = (await buildPlan(db, project, { environment: 'dev_x', now })).models.find(
      (model) => model.name === 'cleaned.daily',
    )?.version
    const table = `materia__cleaned.cleaned__daily__${version}`
    // Five whole batches of seven days committed; the sixth (from 2024-02-05) failed and left nothing.
    expect(await count(db, `SELECT count(*) FROM ${table}`)).toBe(35)
    expect(await count(db, `SELECT count(*) FROM ${table} WHERE day >= DATE '2024-02-05'`)).toBe(0)
    await db.run('DELETE FROM main.fail_switch')
    const retry = await apply(db, project, { environment: 'dev_x', now })
    const backfill = retry.steps.find((step) => step.kind === 'backfill')
    expect(backfill?.kind === 'backfill' && backfill.batches[0]?.[0]).toBe(Date.UTC(2024, 1, 5))
    expect(await count(db, 'SELECT count(*) FROM cleaned__dev_x.daily')).toBe(60)
    expect(await count(db, 'SELECT count(DISTINCT day) FROM cleaned__dev_x.daily')).toBe(60)
  })

  it('refuses a clock before a model start and an unknown restatement', async () => {
    const late = specs().map((spec) =>
      spec.name === 'cleaned.daily' ? { ...spec, start: '2030-01-01' } : spec,
    )
    await expect(
      buildPlan(db, makeProject(root, late), { environment: 'dev_x', now: clockAt('2024-03-01T12:00:00Z') }),
    ).rejects.toThrow(/models\/cleaned\/daily\.sql: model cleaned\.daily starts 2030-01-01, after the clock/)
    await expect(
      buildPlan(db, makeProject(root, specs()), {
        environment: 'dev_x',
        restate: ['cleaned.dialy'],
        now: clockAt('2024-03-01T12:00:00Z'),
      }),
    ).rejects.toThrow(/--restate cleaned\.dialy: no such model.*did you mean cleaned\.daily/)
  })

  it('stops before any view moves when a blocking audit fails', async () => {
    const project = makeProject(root, specs())
    const now = clockAt('2024-03-01T12:00:00Z')
    await apply(db, project, { environment: 'dev_x', now })
    const changed = makeProject(root, specs(', max(value) AS peak'))
    const plan = await buildPlan(db, changed, { environment: 'dev_x', now })
    const audited: string[] = []
    const error = await applyPlan(db, changed, plan, {
      runAudits: async ({ model, relation, interval, connection }) => {
        audited.push(model.name)
        const reader = await connection.runAndReadAll(
          `SELECT count(*)::INTEGER AS n FROM ${relation} WHERE peak >= 6`,
        )
        const bad = Number(reader.getRowObjectsJS()[0]?.n)
        expect(
          interval === null || interval[1] - interval[0] === 7 * day || interval[1] <= Date.UTC(2024, 2, 1),
        ).toBe(true)
        return [{ audit: 'peak_below_6', blocking: true, passed: bad === 0 }]
      },
      formatAuditFailure: (outcome) => `audit ${outcome.audit} failed on cleaned.daily: some bad rows`,
    }).catch((caught: unknown) => caught)
    expect(isMateriaError(error) && error.code).toBe('audit')
    expect((error as Error).message).toMatch(
      /models\/cleaned\/daily\.sql: audit peak_below_6 failed on cleaned\.daily: some bad rows/,
    )
    expect(audited).toContain('cleaned.daily')
    await expect(db.rows('SELECT peak FROM cleaned__dev_x.daily')).rejects.toThrow()
    const version = plan.models.find((model) => model.name === 'cleaned.daily')?.version
    expect(
      await count(db, `SELECT count(*) FROM ${stateSchema}.intervals WHERE version = '${version}'`),
    ).toBe(0)
  })

  it('janitor removes expired dev environments and unused tables, never prod', async () => {
    const project = makeProject(root, specs())
    const now = clockAt('2024-03-01T12:00:00Z')
    await apply(db, project, { environment: 'prod', now })
    await apply(db, makeProject(root, specs(', max(value) AS peak')), { environment: 'dev_x', now })
    const idle = await runJanitor(db, { now })
    expect(idle).toEqual({ environmentsRemoved: [], tablesDropped: [] })
    await invalidateEnvironment(db, 'dev_x', now)
    const early = await runJanitor(db, { now })
    expect(early.environmentsRemoved).toEqual(['dev_x'])
    expect(early.tablesDropped).toEqual([])
    const late = await runJanitor(db, { now: new Date(now.getTime() + 8 * day) })
    expect(late.tablesDropped).toHaveLength(2) // dev's daily and weekly versions; raw.events is shared with prod
    expect(await count(db, 'SELECT count(*) FROM cleaned.daily')).toBe(60)
    const state = await readState(db)
    expect([...state.environments.keys()]).toEqual(['prod'])
    expect(state.snapshots.size).toBe(3)
    const expired = await runJanitor(db, { now: new Date(now.getTime() + 100 * day), ignoreTtl: true })
    expect(expired.environmentsRemoved).toEqual([])
    expect(expired.tablesDropped).toEqual([])
  })
})
