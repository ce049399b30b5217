// Goal: the landing folder is resolved when a query runs, not baked into a view: moving the project
// folder keeps views over landed files readable and restatements working, and pointing
// MATERIA_LANDING elsewhere is shown by plan (and recorded by apply) instead of "no changes".
// Method: a small project whose raw VIEW reads @VAR('landing_dir') and a FULL model over it, applied to
// prod with the real `main`; then the project folder renamed, and a second landing folder.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { materia, materiaWith } from './testing/cli-run.ts'

function writeProject(root: string): void {
  const files: Record<string, string> = {
    'materia.yaml':
      'name: landed\ngateways:\n  local: { type: duckdb, path: .materia/local.duckdb }\nmodel_defaults: { start: "2024-01-01" }\nlanding: landing\n',
    'models/raw/landed.sql': `MODEL (name raw.landed, kind VIEW, columns (x INTEGER, filename VARCHAR));
SELECT
  *
FROM read_csv(@VAR('landing_dir') || '/psd/*.csv', header = true, filename = true, columns = {'x': 'INTEGER'})
`,
    'models/serving/total.sql': `MODEL (name serving.total, kind FULL);
SELECT
  sum(x)::INTEGER AS total
FROM raw.landed
`,
    'landing/psd/a.csv': 'x\n1\n',
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
}

async function total(root: string, env: Record<string, string> = {}): Promise<unknown> {
  const result = await materiaWith(env, root, 'query', 'SELECT total FROM serving.total', '--json')
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

describe('the landing folder at run time', () => {
  let parent: string
  let root: string
  beforeAll(async () => {
    parent = temporaryDirectory('landing')
    root = join(parent, 'before')
    writeProject(root)
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
    expect(await total(root)).toEqual([{ total: 1 }])
  })

  it('no view stores the landing folder', async () => {
    const views = await materia(
      root,
      'query',
      "SELECT sql FROM duckdb_views() WHERE view_name LIKE 'raw__landed__%'",
      '--json',
    )
    const [{ sql }] = JSON.parse(views.stdout) as [{ sql: string }]
    expect(sql).toContain('materia_runtime.main.landing_dir()')
    expect(sql).not.toContain(parent)
  })

  it('a moved project folder: views read the new place, plan shows the change, restatement works', async () => {
    const moved = join(parent, 'after')
    renameSync(root, moved)
    root = moved
    writeFileSync(join(root, 'landing', 'psd', 'b.csv'), 'x\n10\n')
    const raw = await materia(root, 'query', 'SELECT sum(x)::INTEGER AS s FROM raw.landed', '--json')
    expect(raw.code, raw.stderr).toBe(0)
    expect(JSON.parse(raw.stdout)).toEqual([{ s: 11 }])
    const plan = await materia(root, 'plan', 'prod')
    expect(plan.stdout).toContain(
      `landing folder changed: ${join(parent, 'before', 'landing')} -> ${join(root, 'landing')}`,
    )
    expect(plan.stdout).not.toMatch(/no changes/i)
    const restated = await materia(root, 'plan', 'prod', '--restate', 'raw.landed', '--auto-apply')
    expect(restated.code, restated.stderr).toBe(0)
    expect(await total(root)).toEqual([{ total: 11 }])
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
  })

  it('MATERIA_LANDING elsewhere: plan says so, queries read it', async () => {
    const elsewhere = join(parent, 'elsewhere')
    mkdirSync(join(elsewhere, 'psd'), { recursive: true })
    writeFileSync(join(elsewhere, 'psd', 'c.csv'), 'x\n100\n')
    const env = { MATERIA_LANDING: elsewhere }
    const plan = await materiaWith(env, root, 'plan', 'prod')
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).toContain(`landing folder changed: ${join(root, 'landing')} -> ${elsewhere}`)
    expect(plan.stdout).toContain('--restate raw.landed')
    const raw = await materiaWith(env, root, 'query', 'SELECT sum(x)::INTEGER AS s FROM raw.landed', '--json')
    expect(JSON.parse(raw.stdout)).toEqual([{ s: 100 }])
    // The recorded folder is unchanged until a plan is applied: without MATERIA_LANDING, no change.
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
  })
})
