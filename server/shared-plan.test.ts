// Goal: concurrent asks for one environment's plan share one buildPlan, and no ask joins a plan begun
// before an apply ended (the "changed" badge refreshed after an apply must not get the older answer);
// an answered plan answers again until the environment's state moves, whoever applied.
// Method: a real one-model project and DuckDB file; an apply job that ends while a plan is in flight;
// an apply straight through the engine, as the command line does it.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { applyPlan, buildPlan, openDatabase } from '../pipeline/engine/index.ts'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'
import { ApplyJobs } from './apply-jobs.ts'
import { loadIndex, type WorkbenchContext } from './context.ts'
import { changesPlan, sharedPlan } from './shared-plan.ts'

describe('sharedPlan', () => {
  it('shares a plan in flight, but not across the end of an apply', async () => {
    const root = temporaryDirectory('workbench-shared-plan')
    mkdirSync(join(root, 'models'))
    writeFileSync(join(root, 'materia.yaml'), 'name: shared\n')
    writeFileSync(join(root, 'models/base.sql'), 'MODEL (name shop.base, kind FULL);\nSELECT 1 AS x')
    const { project } = await loadIndex(root, {})
    const db = await openDatabase(join(root, 'shared.duckdb'))
    try {
      const applyJobs = new ApplyJobs()
      const context = { db, applyJobs } as unknown as WorkbenchContext
      const first = sharedPlan(context, project!, 'prod')
      expect(sharedPlan(context, project!, 'prod')).toBe(first)
      expect(sharedPlan(context, project!, 'dev_a')).not.toBe(first)
      let finish: (summary: string) => void = () => {}
      const job = applyJobs.start('prod', () => new Promise<string>((resolve) => (finish = resolve)))
      finish('applied')
      await new Promise<void>((resolve) => job.listeners.add((event) => event.kind === 'done' && resolve()))
      const afterApply = sharedPlan(context, project!, 'prod')
      expect(afterApply).not.toBe(first)
      expect((await first).environment).toBe('prod')
      expect((await afterApply).environment).toBe('prod')
    } finally {
      db.close()
    }
  })

  it('answers again from the last plan until the environment changes', async () => {
    const root = temporaryDirectory('workbench-changes-plan')
    mkdirSync(join(root, 'models'))
    writeFileSync(join(root, 'materia.yaml'), 'name: shared\n')
    writeFileSync(join(root, 'models/base.sql'), 'MODEL (name shop.base, kind FULL);\nSELECT 1 AS x')
    const { project } = await loadIndex(root, {})
    const db = await openDatabase(join(root, 'shared.duckdb'))
    try {
      const context = { db, applyJobs: new ApplyJobs() } as unknown as WorkbenchContext
      const first = await changesPlan(context, project!, 'dev_a')
      expect(first.models.map((model) => [model.name, model.change])).toEqual([['shop.base', 'added']])
      expect(await changesPlan(context, project!, 'dev_a')).toBe(first)
      const other = await changesPlan(context, project!, 'dev_b')
      expect(other).not.toBe(first)
      // Applied outside the workbench's apply jobs: the environment's state moved all the same.
      await applyPlan(db, project!, await buildPlan(db, project!, { environment: 'dev_a' }))
      const afterApply = await changesPlan(context, project!, 'dev_a')
      expect(afterApply).not.toBe(first)
      expect(afterApply.models.filter((model) => model.change === 'added')).toEqual([])
      expect(await changesPlan(context, project!, 'dev_a')).toBe(afterApply)
      expect(await changesPlan(context, project!, 'dev_b')).toBe(other)
    } finally {
      db.close()
    }
  })
})
