// Goal: a new version's table is built outside any transaction and marked built only once its audits
// pass, and that costs nothing in safety: a failing blocking audit leaves the environment's views,
// data and state exactly as before and no table behind; a build killed (kill -9) before its mark
// leaves an unmarked table that no view shows, that the next apply rebuilds instead of reading, and
// that the janitor drops. Method: a FULL and an INCREMENTAL_BY_TIME_RANGE model over a source table
// the test edits between applies (so a stale table would show old values under an unchanged
// version), on a real DuckDB file; the kill happens in a child process at the named crash point.
import { spawn } from 'node:child_process'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import { applyPlan } from './apply.ts'
import { auditOptionsForApply } from './apply-audits.ts'
import { type Database, openDatabase } from './database.ts'
import { runJanitor } from './janitor.ts'
import { buildPlan } from './plan.ts'
import type { Project } from './project.ts'
import { readState } from './state.ts'
import { type ModelSpec, makeProject, setupRoot } from './testing/test-project.ts'

const now = '2024-01-06T12:00:00.000Z'
const child = new URL('./testing/apply-child.ts', import.meta.url).pathname

function specs(factor: number): ModelSpec[] {
  return [
    { name: 'staging.readings', query: `SELECT id, day, v * ${factor} AS v FROM main.source` },
    {
      name: 'cleaned.daily',
      kind: { name: 'INCREMENTAL_BY_TIME_RANGE', timeColumn: 'day', batchSize: null, lookback: 0 },
      query: `SELECT id, day, v FROM staging.readings WHERE day BETWEEN @start_ds::DATE AND @end_ds::DATE`,
    },
  ]
}

// Both models keyed by id: a repeated id fails their grain audit.
function project(root: string, factor: number): Project {
  const base = makeProject(root, specs(factor))
  const models = new Map([...base.models].map(([name, model]) => [name, { ...model, grain: ['id'] }]))
  return { ...base, models }
}

async function apply(db: Database, root: string, factor: number): Promise<void> {
  const built = project(root, factor)
  const plan = await buildPlan(db, built, { environment: 'prod', now: new Date(now) })
  await applyPlan(db, built, plan, auditOptionsForApply(built))
}

// What prod shows, what state records and which physical tables exist.
async function picture(db: Database) {
  const state = await readState(db)
  return {
    readings: await db.rows('SELECT id, day::VARCHAR AS day, v FROM staging.readings ORDER BY id'),
    daily: await db.rows('SELECT id, day::VARCHAR AS day, v FROM cleaned.daily ORDER BY id'),
    snapshots: [...state.snapshots.keys()].sort(),
    intervals: JSON.stringify([...state.intervals].sort()),
    environment: JSON.stringify([...(state.environments.get('prod')?.models.values() ?? [])]),
    tables: (await physicalTables(db)).sort(),
  }
}

async function physicalTables(db: Database): Promise<string[]> {
  const rows = await db.rows(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
     WHERE table_type = 'BASE TABLE' AND table_schema LIKE 'materia\\_\\_%' ESCAPE '\\'`,
  )
  return rows.map((row) => String(row.name))
}

async function unmarkedTables(db: Database): Promise<string[]> {
  const marked = new Set([...(await readState(db)).snapshots.values()].map((row) => row.physicalTable))
  return (await physicalTables(db)).filter((table) => !marked.has(table))
}

// Applies `factor`'s project to prod in a child process killed at the named crash point.
function applyKilledAt(root: string, database: string, factor: number, point: string): Promise<string> {
  const input = { mode: 'apply', root, database, specs: specs(factor), environment: 'prod', now }
  const spawned = spawn(process.execPath, ['--import', 'tsx', child, JSON.stringify(input)], {
    env: { ...process.env, MATERIA_CRASH_AT: point },
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  let stderr = ''
  spawned.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  return new Promise((resolve) =>
    spawned.on('exit', (_code, signal) => resolve(`${signal ?? 'no signal'} ${stderr.trim()}`)),
  )
}

describe('apply marks a new table built only after its audits pass', () => {
  let root: string
  let database: string
  let db: Database
  beforeEach(async () => {
    root = setupRoot()
    database = join(root, 'local.duckdb')
    db = await openDatabase(database)
    await db.run('CREATE TABLE main.source (id INTEGER, day DATE, v DOUBLE)')
    await db.run(`INSERT INTO main.source VALUES (1, DATE '2024-01-02', 10), (2, DATE '2024-01-03', 20)`)
    await apply(db, root, 1)
  })
  afterEach(() => db.close())

  it('leaves prod, state and the tables exactly as before when a blocking audit fails, then rebuilds from the source', async () => {
    const before = await picture(db)
    expect(before.readings).toEqual([
      { id: 1, day: '2024-01-02', v: 10 },
      { id: 2, day: '2024-01-03', v: 20 },
    ])
    expect(before.daily).toEqual(before.readings)
    await db.run(`INSERT INTO main.source VALUES (2, DATE '2024-01-04', 30)`) // breaks the grain
    const failure = await apply(db, root, 2).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MateriaError)
    expect((failure as MateriaError).message).toMatch(/grain[\s\S]*no environment view changed/)
    expect(await picture(db)).toEqual(before)

    await db.run('DELETE FROM main.source WHERE v = 30')
    await db.run('UPDATE main.source SET v = v + 1')
    await apply(db, root, 2)
    const after = await picture(db)
    expect(after.readings).toEqual([
      { id: 1, day: '2024-01-02', v: 22 },
      { id: 2, day: '2024-01-03', v: 42 },
    ])
    expect(after.daily).toEqual(after.readings)
    expect(await unmarkedTables(db)).toEqual([])
  })

  it('never reads a table killed before its mark: the next apply rebuilds it from the source', async () => {
    const before = await picture(db)
    db.close()
    expect(await applyKilledAt(root, database, 2, 'before_mark')).toMatch(
      /^SIGKILL crash point \d+: before_mark$/,
    )
    db = await openDatabase(database)
    expect(await picture(db)).toEqual({ ...before, tables: expect.any(Array) })
    const orphans = await unmarkedTables(db)
    expect(orphans).toHaveLength(1)
    expect(orphans[0]).toMatch(/^materia__staging\.staging__readings__/)
    // Built with the old source values: a reused orphan would show 20 and 40.
    expect(await db.rows(`SELECT v FROM ${orphans[0]} ORDER BY v`)).toEqual([{ v: 20 }, { v: 40 }])

    await db.run('UPDATE main.source SET v = v + 1')
    await apply(db, root, 2)
    expect((await picture(db)).readings).toEqual([
      { id: 1, day: '2024-01-02', v: 22 },
      { id: 2, day: '2024-01-03', v: 42 },
    ])
    expect(await unmarkedTables(db)).toEqual([])
  })

  it('drops a table killed before its mark in the janitor, leaving prod and state alone', async () => {
    const before = await picture(db)
    db.close()
    expect(await applyKilledAt(root, database, 2, 'before_mark')).toMatch(/^SIGKILL/)
    db = await openDatabase(database)
    const orphans = await unmarkedTables(db)
    expect(orphans).toHaveLength(1)
    const result = await runJanitor(db, { now: new Date(now) })
    expect(result.tablesDropped).toEqual(orphans)
    expect(await picture(db)).toEqual(before)
  })
})
