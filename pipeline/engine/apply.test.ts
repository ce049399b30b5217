// Goal: plan/apply into virtual environments on a real DuckDB file. Method: a small project over
// the bundled genuine PSD rows (seed -> staging -> cleaned -> serving view), planned and applied
// into dev and prod; each test edits models and asserts on the plan, the state rows and the data.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { applyPlan } from './apply.ts'
import { type Database, openDatabase } from './database.ts'
import { queryEnvironment } from './environments.ts'
import { buildPlan } from './plan.ts'
import { readState } from './state.ts'
import { exampleSpecs, type ModelSpec, makeProject, setupRoot } from './testing/test-project.ts'

const now = new Date('2024-03-01T12:00:00Z')

function edit(specs: ModelSpec[], name: string, query: string): ModelSpec[] {
  return specs.map((spec) => (spec.name === name ? { ...spec, query } : spec))
}

async function scalar(db: Database, sql: string): Promise<unknown> {
  const rows = await db.rows(sql)
  return Object.values(rows[0] ?? {})[0]
}

describe('plan and apply', () => {
  let root: string
  let db: Database
  beforeEach(async () => {
    root = setupRoot()
    db = await openDatabase(join(root, 'local.duckdb'))
  })
  afterEach(() => db.close())

  it('builds the example project into dev and promotes it to prod recomputing nothing', async () => {
    const project = makeProject(root, exampleSpecs())
    const plan = await buildPlan(db, project, { environment: 'dev_x', now })
    expect(plan.models.map((model) => model.change)).toEqual(Array(5).fill('added'))
    expect(plan.steps.filter((step) => step.kind === 'create_table')).toHaveLength(5)
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan)
    const result = await applyPlan(db, project, plan)
    expect(result.modelsBuilt).toBe(5)
    expect(await scalar(db, 'SELECT count(*)::INTEGER FROM raw__dev_x.psd')).toBe(171)
    expect(await scalar(db, 'SELECT count(*)::INTEGER FROM serving__dev_x.countries')).toBe(3)
    const brazil = await db.rows(
      `SELECT production FROM cleaned__dev_x.production WHERE country_code = 'BR' AND market_year = 2020`,
    )
    expect(brazil[0]?.production).toBeGreaterThan(0)

    const again = await buildPlan(db, project, { environment: 'dev_x', now })
    expect(again.empty).toBe(true)

    const prod = await buildPlan(db, project, { environment: 'prod', now })
    expect(prod.steps.every((step) => step.kind === 'swap_view')).toBe(true)
    expect(prod.models.every((model) => model.reusedFrom === 'dev_x')).toBe(true)
    const snapshotsBefore = (await readState(db)).snapshots.size
    const promoted = await applyPlan(db, project, prod)
    expect(promoted.rowsWritten).toBe(0)
    expect(promoted.modelsBuilt).toBe(0)
    expect((await readState(db)).snapshots.size).toBe(snapshotsBefore)
    expect(await scalar(db, 'SELECT count(*)::INTEGER FROM staging.stg_psd')).toBe(171)
    const result2 = await queryEnvironment(
      db,
      project,
      'SELECT count(*) AS n FROM serving.countries',
      'dev_x',
    )
    expect(result2.rows[0]?.[0]).toBe(3n)
  })

  it('rebuilds a breaking change and its downstream only; a non-breaking change rebuilds only the model', async () => {
    const specs = exampleSpecs()
    await applyPlan(
      db,
      makeProject(root, specs),
      await buildPlan(db, makeProject(root, specs), { environment: 'dev_x', now }),
    )

    const breaking = edit(
      specs,
      'staging.stg_psd',
      specs[1]!.query.replace('Value::DOUBLE AS value', '(Value * 2)::DOUBLE AS value'),
    )
    const project = makeProject(root, breaking)
    const plan = await buildPlan(db, project, { environment: 'dev_x', now })
    const byName = new Map(plan.models.map((model) => [model.name, model]))
    expect(byName.get('staging.stg_psd')).toMatchObject({ change: 'directly_modified', category: 'BREAKING' })
    expect(byName.get('cleaned.production')).toMatchObject({
      change: 'indirectly_modified',
      category: 'BREAKING',
    })
    expect(byName.get('serving.countries')).toMatchObject({ change: 'indirectly_modified' })
    expect(byName.get('raw.psd')?.change).toBe('unchanged')
    expect(byName.get('staging.attributes')?.change).toBe('unchanged')
    const built = plan.steps.filter((step) => step.kind === 'create_table').map((step) => step.model)
    expect(built.sort()).toEqual(['cleaned.production', 'serving.countries', 'staging.stg_psd'])
    const before = await scalar(db, `SELECT sum(production) FROM cleaned__dev_x.production`)
    await applyPlan(db, project, plan)
    expect(await scalar(db, `SELECT sum(production) FROM cleaned__dev_x.production`)).toBe(Number(before) * 2)

    const added = edit(
      breaking,
      'staging.stg_psd',
      breaking[1]!.query.replace('AS value FROM', 'AS value, Unit_Description::VARCHAR AS unit FROM'),
    )
    const project2 = makeProject(root, added)
    const plan2 = await buildPlan(db, project2, { environment: 'dev_x', now })
    const byName2 = new Map(plan2.models.map((model) => [model.name, model]))
    expect(byName2.get('staging.stg_psd')).toMatchObject({
      change: 'directly_modified',
      category: 'NON_BREAKING',
    })
    expect(byName2.get('cleaned.production')).toMatchObject({
      change: 'indirectly_modified',
      category: 'NON_BREAKING',
    })
    expect(byName2.get('cleaned.production')?.version).toBe(
      byName2.get('cleaned.production')?.previousVersion,
    )
    const built2 = plan2.steps.filter((step) => step.kind === 'create_table').map((step) => step.model)
    expect(built2).toContain('staging.stg_psd')
    expect(built2).not.toContain('cleaned.production')
    await applyPlan(db, project2, plan2)
    expect(
      await scalar(db, `SELECT count(DISTINCT unit)::INTEGER FROM staging__dev_x.stg_psd`),
    ).toBeGreaterThan(0)
    expect((await buildPlan(db, project2, { environment: 'dev_x', now })).empty).toBe(true)
  })

  it('applies a metadata-only change without recomputing', async () => {
    const specs = exampleSpecs()
    await applyPlan(
      db,
      makeProject(root, specs),
      await buildPlan(db, makeProject(root, specs), { environment: 'dev_x', now }),
    )
    const described = specs.map((spec) =>
      spec.name === 'cleaned.production' ? { ...spec, description: 'Production per country' } : spec,
    )
    const project = makeProject(root, described)
    const plan = await buildPlan(db, project, { environment: 'dev_x', now })
    expect(plan.models.find((model) => model.name === 'cleaned.production')?.change).toBe('metadata')
    expect(plan.steps).toEqual([])
    expect(plan.empty).toBe(false)
    const result = await applyPlan(db, project, plan)
    expect(result.rowsWritten).toBe(0)
    const state = await readState(db)
    const entry = state.environments.get('dev_x')?.models.get('cleaned.production')
    expect(entry?.metadataHash).toBe(
      plan.models.find((model) => model.name === 'cleaned.production')?.metadataHash,
    )
    expect((await buildPlan(db, project, { environment: 'dev_x', now })).empty).toBe(true)
  })

  it('leaves the environment as it was when a query fails at apply time', async () => {
    const specs = exampleSpecs()
    await applyPlan(
      db,
      makeProject(root, specs),
      await buildPlan(db, makeProject(root, specs), { environment: 'dev_x', now }),
    )
    const before = await db.rows('SELECT * FROM cleaned__dev_x.production ORDER BY ALL')
    const broken = edit(
      specs,
      'cleaned.production',
      specs[2]!.query.replace('sum(value)', 'sum(value) / no_such_column'),
    )
    const project = makeProject(root, broken)
    const plan = await buildPlan(db, project, { environment: 'dev_x', now })
    const error = await applyPlan(db, project, plan).catch((caught: unknown) => caught)
    expect(isMateriaError(error)).toBe(true)
    expect(String((error as Error).message)).toMatch(
      /models\/cleaned\/production\.sql: model cleaned\.production failed: .*no_such_column/,
    )
    expect(await db.rows('SELECT * FROM cleaned__dev_x.production ORDER BY ALL')).toEqual(before)
    const state = await readState(db)
    expect(state.environments.get('dev_x')?.models.get('cleaned.production')?.version).toBe(
      plan.models.find((model) => model.name === 'cleaned.production')?.previousVersion,
    )
  })

  it('drops views of removed models and refuses an unknown selection', async () => {
    const specs = exampleSpecs()
    await applyPlan(
      db,
      makeProject(root, specs),
      await buildPlan(db, makeProject(root, specs), { environment: 'dev_x', now }),
    )
    const fewer = specs.filter((spec) => spec.name !== 'staging.attributes')
    const project = makeProject(root, fewer)
    const plan = await buildPlan(db, project, { environment: 'dev_x', now })
    expect(plan.removed).toEqual(['staging.attributes'])
    await applyPlan(db, project, plan)
    await expect(db.rows('SELECT * FROM staging__dev_x.attributes')).rejects.toThrow()
    await expect(
      buildPlan(db, project, { environment: 'dev_x', select: ['staging.nope+'], now }),
    ).rejects.toThrow(/--select staging\.nope: no such model/)
    await expect(buildPlan(db, project, { environment: 'Dev X', now })).rejects.toThrow(/not a valid name/)
  })

  it('plans a selection: only the selected model and its downstream change', async () => {
    const specs = exampleSpecs()
    await applyPlan(
      db,
      makeProject(root, specs),
      await buildPlan(db, makeProject(root, specs), { environment: 'dev_x', now }),
    )
    let changed = edit(
      specs,
      'staging.attributes',
      'SELECT DISTINCT lower(Attribute_Description) AS attribute FROM raw.psd',
    )
    changed = edit(changed, 'cleaned.production', specs[2]!.query.replace('sum(value)', 'max(value)'))
    const plan = await buildPlan(db, makeProject(root, changed), {
      environment: 'dev_x',
      select: ['cleaned.production+'],
      now,
    })
    const built = plan.steps.filter((step) => step.kind === 'create_table').map((step) => step.model)
    expect(built.sort()).toEqual(['cleaned.production', 'serving.countries'])
    expect(plan.warnings.join('\n')).toMatch(/staging\.attributes changed but is not selected/)
  })

  it('refuses a plan built before another apply changed the environment', async () => {
    const project = makeProject(root, exampleSpecs())
    const first = await buildPlan(db, project, { environment: 'dev_x', now })
    const second = await buildPlan(db, project, { environment: 'dev_x', now })
    await applyPlan(db, project, first)
    await expect(applyPlan(db, project, second)).rejects.toThrow(
      /environment dev_x changed since this plan was built; plan again/,
    )
    expect((await readState(db)).environments.get('dev_x')?.planId).toBe(first.id)
  })

  it('treats an edited seed file as a breaking change of the seed model', async () => {
    const project = makeProject(root, exampleSpecs())
    await applyPlan(db, project, await buildPlan(db, project, { environment: 'dev_x', now }))
    const seed = join(root, 'seeds', 'psd.csv')
    const lines = readFileSync(seed, 'utf8').split('\n')
    writeFileSync(seed, lines.filter((line) => !line.startsWith('0711100,"Coffee, Green",CO,')).join('\n'))
    const plan = await buildPlan(db, project, { environment: 'dev_x', now })
    expect(plan.models.find((model) => model.name === 'raw.psd')).toMatchObject({
      change: 'directly_modified',
      category: 'BREAKING',
    })
    expect(plan.models.find((model) => model.name === 'cleaned.production')?.change).toBe(
      'indirectly_modified',
    )
    await applyPlan(db, project, plan)
    expect(
      Number(Object.values((await db.rows('SELECT count(*) FROM serving__dev_x.countries'))[0] ?? {})[0]),
    ).toBe(2)
  })
})
