// Goal: a seed CSV without data rows (empty, or a header line only) never reaches an environment: the
// command fails with one line naming the file, and prod's views, tables and rows stay as they were.
// Method: the example project applied to prod with the real `main`; its seed file emptied in both
// ways; then a file emptied between plan and apply, which apply itself must refuse.
import { cpSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { applyPlan } from '../engine/apply.ts'
import { openDatabase } from '../engine/database.ts'
import { loadProject } from '../engine/load.ts'
import { buildPlan } from '../engine/plan.ts'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { databaseDigest, example, materia } from './testing/cli-run.ts'

describe('a seed without rows is refused', () => {
  let root: string
  let seed: string
  let original: string
  beforeAll(async () => {
    root = temporaryDirectory('seed')
    cpSync(example, root, { recursive: true })
    seed = join(root, 'seeds', 'psd_coffee.csv')
    original = readFileSync(seed, 'utf8')
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
  })

  it('header only or empty: plan fails naming the file, prod unchanged', async () => {
    const before = await databaseDigest(root)
    const header = `${original.split('\n')[0]}\n`
    for (const [text, problem] of [
      [header, 'has a header line but no rows'],
      ['', 'is empty'],
      ['\n\r\n', 'is empty'],
    ] as const) {
      writeFileSync(seed, text)
      const result = await materia(root, 'plan', 'prod', '--auto-apply')
      expect(result.code).toBe(1)
      expect(result.stderr.trim().split('\n')).toHaveLength(1)
      expect(result.stderr).toContain(`models/raw/psd_coffee.sql:3 seed file seeds/psd_coffee.csv ${problem}`)
      expect(await databaseDigest(root)).toBe(before)
    }
    writeFileSync(seed, original)
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
  })

  it('a file emptied after the plan was built: apply refuses it, no view moves', async () => {
    const before = await databaseDigest(root)
    // A changed seed (one row fewer) makes a new version; then the file loses its rows before apply.
    writeFileSync(seed, original.split('\n').slice(0, -2).join('\n'))
    const project = await loadProject(root, { env: {} })
    const db = await openDatabase(join(root, '.materia', 'local.duckdb'))
    try {
      const plan = await buildPlan(db, project, {
        environment: 'prod',
        now: new Date('2024-03-01T12:00:00Z'),
      })
      expect(plan.steps.some((step) => step.model === 'raw.psd_coffee')).toBe(true)
      writeFileSync(seed, `${original.split('\n')[0]}\n`)
      await expect(applyPlan(db, project, plan)).rejects.toThrow(
        /seed file \.\.\/\.\.\/seeds\/psd_coffee\.csv of raw\.psd_coffee has no rows/,
      )
    } finally {
      db.close()
      writeFileSync(seed, original)
    }
    expect(await databaseDigest(root)).toBe(before)
  })
})
