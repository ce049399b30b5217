// Goal: a new dev environment starts as a zero-cost copy of prod's views (SQLMesh's virtual
// update). Method: the example project over genuine PSD rows is applied to prod in a real DuckDB
// file, copied to dev_x, and the copy is checked: same rows through dev's views, no table built, no
// row written, a plan of dev_x afterwards empty, and bad requests refused with one line each.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { applyPlan } from './apply.ts'
import { type Database, openDatabase } from './database.ts'
import { planEnvironmentCopy } from './environment-copy.ts'
import { invalidateEnvironment } from './environments.ts'
import { buildPlan } from './plan.ts'
import { readState } from './state.ts'
import { exampleSpecs, makeProject, setupRoot } from './testing/test-project.ts'

const now = new Date('2024-03-01T12:00:00Z')

async function messageOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    if (isMateriaError(error)) return error.message
    throw error
  }
  return 'no error'
}

describe('planEnvironmentCopy', () => {
  let root: string
  let db: Database
  beforeEach(async () => {
    root = setupRoot()
    db = await openDatabase(join(root, 'local.duckdb'))
  })
  afterEach(() => db.close())

  it('creates dev as views over prod tables: nothing built, nothing written, nothing to plan after', async () => {
    const project = makeProject(root, exampleSpecs())
    await applyPlan(db, project, await buildPlan(db, project, { environment: 'prod', now }))
    const snapshotsBefore = (await readState(db)).snapshots.size

    const copy = await planEnvironmentCopy(db, project, { source: 'prod', target: 'dev_x', now })
    expect(copy.steps.every((step) => step.kind === 'swap_view')).toBe(true)
    expect(copy.models.every((model) => model.reusedFrom === 'prod')).toBe(true)
    const result = await applyPlan(db, project, copy)
    expect(result).toEqual({ modelsBuilt: 0, rowsWritten: 0, viewsChanged: 5 })

    const state = await readState(db)
    expect(state.snapshots.size).toBe(snapshotsBefore)
    expect([...(state.environments.get('dev_x')?.models.values() ?? [])]).toEqual([
      ...(state.environments.get('prod')?.models.values() ?? []),
    ])
    const dev = await db.rows('SELECT count(*)::INTEGER AS n FROM serving__dev_x.countries')
    const prod = await db.rows('SELECT count(*)::INTEGER AS n FROM serving.countries')
    expect(dev[0]?.n).toBe(3)
    expect(dev).toEqual(prod)
    expect((await buildPlan(db, project, { environment: 'dev_x', now })).empty).toBe(true)
  })

  it('refuses a missing source, a live target and prod as target, one line each; a dropped one comes back', async () => {
    const project = makeProject(root, exampleSpecs())
    expect(await messageOf(planEnvironmentCopy(db, project, { source: 'prod', target: 'dev_x' }))).toBe(
      'no environment prod (environments: none); create it with materia plan prod',
    )
    await applyPlan(db, project, await buildPlan(db, project, { environment: 'prod', now }))
    await applyPlan(db, project, await planEnvironmentCopy(db, project, { source: 'prod', target: 'dev_x' }))
    expect(await messageOf(planEnvironmentCopy(db, project, { source: 'prod', target: 'dev_x' }))).toBe(
      'environment dev_x already exists; plan it with materia plan dev_x',
    )
    await invalidateEnvironment(db, 'dev_x')
    const again = await planEnvironmentCopy(db, project, { source: 'prod', target: 'dev_x' })
    await applyPlan(db, project, again)
    expect((await db.rows('SELECT count(*)::INTEGER AS n FROM serving__dev_x.countries'))[0]?.n).toBe(3)
    expect(await messageOf(planEnvironmentCopy(db, project, { source: 'dev_x', target: 'prod' }))).toContain(
      'prod is never created as a copy',
    )
    expect(
      await messageOf(planEnvironmentCopy(db, project, { source: 'prod', target: 'Bad-Name' })),
    ).toContain('is not a valid name')
  })
})
