// Goal: audits run inside apply through the hook, and a failing blocking audit stops the apply with
// the first bad rows while every environment view keeps its previous data. Method: the example
// project over the genuine PSD sample, built into dev_x on a real DuckDB file, then rebuilt with a
// model whose grain is violated.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import { applyPlan } from './apply.ts'
import { auditOptionsForApply } from './apply-audits.ts'
import { type Database, openDatabase } from './database.ts'
import { buildPlan } from './plan.ts'
import type { Project } from './project.ts'
import { exampleSpecs, makeProject, setupRoot } from './testing/test-project.ts'

const now = new Date('2024-03-01T12:00:00Z')

function withGrain(project: Project, name: string, grain: string[]): Project {
  const models = new Map(project.models)
  const model = models.get(name)!
  models.set(name, { ...model, grain })
  return { ...project, models }
}

describe('auditOptionsForApply', () => {
  let root: string
  let db: Database
  beforeEach(async () => {
    root = setupRoot()
    db = await openDatabase(join(root, 'local.duckdb'))
  })
  afterEach(() => db.close())

  it('passes audits on a good build and blocks a bad one, leaving the environment as it was', async () => {
    const good = withGrain(makeProject(root, exampleSpecs()), 'cleaned.production', [
      'country_code',
      'market_year',
    ])
    const events: string[] = []
    const onEvent = (event: { kind: string }) => {
      if (event.kind === 'audit') events.push(JSON.stringify(event))
    }
    await applyPlan(db, good, await buildPlan(db, good, { environment: 'dev_x', now }), {
      ...auditOptionsForApply(good),
      onEvent,
    })
    expect(events.some((e) => e.includes('"audit":"grain"') && e.includes('"passed":true'))).toBe(true)
    const before = await db.rows(
      'SELECT country_code, market_year, production FROM cleaned__dev_x.production ORDER BY ALL',
    )
    expect(before).toHaveLength(9)

    // Grouping by country only breaks the (country_code, market_year) grain: 3 rows per country.
    const specs = exampleSpecs().map((spec) =>
      spec.name === 'cleaned.production'
        ? {
            ...spec,
            query: `SELECT country_code, 2020 AS market_year, sum(value) AS production FROM staging.stg_psd WHERE attribute = 'Production' GROUP BY country_code, market_year`,
          }
        : spec,
    )
    const bad = withGrain(makeProject(root, specs), 'cleaned.production', ['country_code', 'market_year'])
    const plan = await buildPlan(db, bad, { environment: 'dev_x', now })
    const failures: unknown[] = []
    const error = await applyPlan(db, bad, plan, {
      ...auditOptionsForApply(bad),
      onEvent: (event) => {
        if (event.kind === 'audit' && !event.outcome.passed) failures.push(event.outcome)
      },
    }).catch((e: unknown) => e)
    // Readers of audit events get the bad rows as text in `message`.
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({
      audit: 'grain',
      message: expect.stringMatching(/^9 bad rows; first 5:\n/),
    })
    expect(error).toBeInstanceOf(MateriaError)
    expect((error as MateriaError).code).toBe('audit')
    expect((error as MateriaError).message).toMatch(
      /^models\/cleaned\/production\.sql: blocking audit grain failed on cleaned\.production: 9 bad rows; first 5:\n +country_code \| market_year \| production\n(.*\n){5}no environment view changed$/,
    )
    const after = await db.rows(
      'SELECT country_code, market_year, production FROM cleaned__dev_x.production ORDER BY ALL',
    )
    expect(after).toEqual(before)
  })
})
