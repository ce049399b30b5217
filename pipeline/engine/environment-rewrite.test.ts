// Goal: SQL typed against a dev environment reads that environment, however the model names are
// written. Method: rewriteForEnvironment over the example project; the expected texts follow
// DuckDB's identifier rules (quoted or not, names are case-insensitive; "a"."b" is a qualified
// name; a string literal or comment is not a name) and SQLMesh's dev schema naming
// (<schema>__<env>.<table>). Then the rewritten SQL runs in DuckDB against real dev and prod views.
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { applyPlan } from './apply.ts'
import { type Database, openDatabase } from './database.ts'
import { planEnvironmentCopy } from './environment-copy.ts'
import { rewriteForEnvironment } from './environments.ts'
import { buildPlan } from './plan.ts'
import type { Project } from './project.ts'
import { exampleSpecs, makeProject, setupRoot } from './testing/test-project.ts'

let project: Project
let db: Database

beforeAll(async () => {
  const root = setupRoot()
  project = makeProject(root, exampleSpecs())
  db = await openDatabase(join(root, 'local.duckdb'))
  await applyPlan(db, project, await buildPlan(db, project, { environment: 'prod' }))
  await applyPlan(db, project, await planEnvironmentCopy(db, project, { source: 'prod', target: 'dev_x' }))
  // dev_x now differs from prod: its countries view shows one row.
  await db.run('CREATE SCHEMA scratch')
  await db.run("CREATE TABLE scratch.one AS SELECT 'BR' AS country_code")
  await db.run('CREATE OR REPLACE VIEW serving__dev_x.countries AS SELECT * FROM scratch.one')
})

afterAll(() => db.close())

describe('rewriteForEnvironment', () => {
  it('rewrites quoted, unquoted and mixed-case model names, and leaves strings and comments', async () => {
    const sql = `SELECT 'serving.countries' AS label FROM "serving"."countries" JOIN SERVING.Countries USING (country_code) -- serving.countries`
    await expect(rewriteForEnvironment(project, sql, 'dev_x')).resolves.toBe(
      `SELECT 'serving.countries' AS label FROM "serving__dev_x"."countries" JOIN "serving__dev_x"."countries" USING (country_code) -- serving.countries`,
    )
    await expect(rewriteForEnvironment(project, sql, 'prod')).resolves.toBe(sql)
  })

  it('rewrites statements that are not one SELECT with the tokenizer, functions and columns kept', async () => {
    const sql = `CREATE TEMP TABLE t AS SELECT "serving".countries.country_code, main.lower('x') FROM "serving".countries`
    await expect(rewriteForEnvironment(project, sql, 'dev_x')).resolves.toBe(
      `CREATE TEMP TABLE t AS SELECT "serving__dev_x"."countries".country_code, main.lower('x') FROM "serving__dev_x"."countries"`,
    )
  })

  it('makes a quoted query read dev, where unrewritten it would read prod', async () => {
    const sql = 'SELECT count(*)::INTEGER AS n FROM "serving"."countries"'
    expect((await db.rows(sql))[0]?.n).toBe(3)
    expect((await db.rows(await rewriteForEnvironment(project, sql, 'dev_x')))[0]?.n).toBe(1)
  })
})
