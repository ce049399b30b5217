// Goal: concurrent asks for one environment's plan share one buildPlan, and no ask joins a plan begun
// before an apply ended (the "changed" badge refreshed after an apply must not get the older answer).
// Method: a real one-model project and DuckDB file; an apply job that ends while a plan is in flight.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openDatabase } from '../pipeline/engine/index.ts'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'
import { ApplyJobs } from './apply-jobs.ts'
import { loadIndex, type WorkbenchContext } from './context.ts'
import { sharedPlan } from './shared-plan.ts'

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
})
