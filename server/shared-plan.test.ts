// Goal: asks at once for one environment's plan share one buildPlan, and no ask gets a plan begun
// before an apply ended (the "changed" badge refreshed after an apply must not get the older answer);
// an answered plan answers again until the environment's state moves, whoever applied.
// Method: a real one-model project and DuckDB file; an apply job that ends while a plan is in flight;
// an apply straight through the engine, as the command line does it.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyPlan, buildPlan, openDatabase, type Project } from '../pipeline/engine/index.ts'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'
import { ApplyJobs } from './apply-jobs.ts'
import { loadIndex, type WorkbenchContext } from './context.ts'
import { changesPlan } from './shared-plan.ts'

// Runs `test` on a one-model project, its DuckDB file and a context holding only what plans read.
async function withOneModel(
  test: (context: WorkbenchContext, project: Project) => Promise<void>,
): Promise<void> {
  const root = temporaryDirectory('workbench-shared-plan')
  mkdirSync(join(root, 'models'))
  writeFileSync(join(root, 'materia.yaml'), 'name: shared\n')
  writeFileSync(join(root, 'models/base.sql'), 'MODEL (name shop.base, kind FULL);\nSELECT 1 AS x')
  const { project } = await loadIndex(root, {})
  const db = await openDatabase(join(root, 'shared.duckdb'))
  try {
    await test({ db, applyJobs: new ApplyJobs() } as unknown as WorkbenchContext, project!)
  } finally {
    db.close()
  }
}

describe('changesPlan', () => {
  it('shares a plan in flight, but not across the end of an apply', async () => {
    await withOneModel(async (context, project) => {
      const first = changesPlan(context, project, 'prod')
      const same = changesPlan(context, project, 'prod')
      const other = changesPlan(context, project, 'dev_a')
      let finish: (summary: string) => void = () => {}
      const job = context.applyJobs.start('prod', () => new Promise<string>((resolve) => (finish = resolve)))
      finish('applied')
      await new Promise<void>((resolve) => job.listeners.add((event) => event.kind === 'done' && resolve()))
      const afterApply = changesPlan(context, project, 'prod')
      expect(await same).toBe(await first)
      expect(await other).not.toBe(await first)
      expect(await afterApply).not.toBe(await first)
      expect((await first).environment).toBe('prod')
      expect((await afterApply).environment).toBe('prod')
    })
  })

  it('answers again from the last plan until the environment changes', async () => {
    await withOneModel(async (context, project) => {
      const first = await changesPlan(context, project, 'dev_a')
      expect(first.models.map((model) => [model.name, model.change])).toEqual([['shop.base', 'added']])
      expect(await changesPlan(context, project, 'dev_a')).toBe(first)
      const other = await changesPlan(context, project, 'dev_b')
      expect(other).not.toBe(first)
      // Applied outside the workbench's apply jobs: the environment's state moved all the same.
      await applyPlan(context.db, project, await buildPlan(context.db, project, { environment: 'dev_a' }))
      const afterApply = await changesPlan(context, project, 'dev_a')
      expect(afterApply).not.toBe(first)
      expect(afterApply.models.filter((model) => model.change === 'added')).toEqual([])
      expect(await changesPlan(context, project, 'dev_a')).toBe(afterApply)
      expect(await changesPlan(context, project, 'dev_b')).toBe(other)
    })
  })
})
