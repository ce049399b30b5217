// Goal: macros render exactly as SQLMesh's (UTC, inclusive end), variables become SQL literals,
// macros in strings and comments stay, and an unknown macro names file:line. renderModelQuery then
// points model references at the tables the context resolves. Method: pure rendering over a
// parsed model; the example project for renderModelQuery.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadProject } from './load.ts'
import { parseModelFile } from './model-parser.ts'
import type { Project } from './project.ts'
import { type RenderContext, renderMacros, renderModelQuery } from './render.ts'

const example = join(import.meta.dirname, 'testdata', 'example')

const daily: RenderContext = {
  start: new Date('2024-01-01T00:00:00Z'),
  end: new Date('2024-01-02T00:00:00Z'),
  executionTime: new Date('2024-01-02T03:04:05.678Z'),
}

function projectWith(variables: Project['config']['variables']): Project {
  const config = {
    name: 'test',
    defaultGateway: 'local',
    gateways: {},
    modelDefaults: { start: '2020-01-01', cron: '@daily' },
    variables,
    lint: {},
    landingDir: '/landing',
    defaultEnvironment: 'dev_test',
  }
  return {
    root: '/p',
    config,
    models: new Map(),
    parents: new Map(),
    children: new Map(),
    order: [],
    audits: new Map(),
  }
}

const project = projectWith({
  landing_dir: '/data/landing',
  min_year: 2021,
  label: "it's",
  flag: true,
  missing: null,
})

function render(query: string, context: RenderContext = daily): string {
  const model = parseModelFile(`MODEL (name staging.x);\n${query}`, 'models/staging/x.sql')
  return renderMacros(project, model, context)
}

describe('renderMacros', () => {
  it('renders the interval macros in UTC with an inclusive end', () => {
    const sql =
      'SELECT @start_ds, @end_ds, @start_date, @end_date, @start_ts, @end_ts, @start_epoch, @end_epoch, @execution_ds, @execution_ts'
    expect(render(sql)).toBe(
      "SELECT '2024-01-01', '2024-01-01', CAST('2024-01-01' AS DATE), CAST('2024-01-01' AS DATE), " +
        "'2024-01-01 00:00:00.000000', '2024-01-01 23:59:59.999999', 1704067200.000000, 1704153599.999999, " +
        "'2024-01-02', '2024-01-02 03:04:05.678000'",
    )
    const month = { ...daily, end: new Date('2024-02-01T00:00:00Z') }
    expect(render('SELECT @START_DS, @End_Ds', month)).toBe("SELECT '2024-01-01', '2024-01-31'")
  })

  it('renders variables as literals, with defaults, and @this_model', () => {
    expect(
      render(
        "SELECT @VAR('min_year'), @VAR('label'), @VAR('flag'), @VAR('missing'), @var('other', 'x' || 'y')",
      ),
    ).toBe("SELECT 2021, 'it''s', TRUE, NULL, 'x' || 'y'")
    expect(render("FROM read_csv(@VAR('landing_dir') || '/psd/*/*/*/*.csv.gz')")).toBe(
      "FROM read_csv('/data/landing' || '/psd/*/*/*/*.csv.gz')",
    )
    expect(render('SELECT * FROM @this_model')).toBe('SELECT * FROM staging.x')
    const resolved = {
      ...daily,
      resolveTable: (name: string) => `"materia__staging"."${name.replace('.', '__')}__v1"`,
    }
    expect(render('SELECT * FROM @this_model', resolved)).toBe(
      'SELECT * FROM "materia__staging"."staging__x__v1"',
    )
  })

  it('expands @DEF definitions, which may use other macros', () => {
    expect(render("@DEF(bags, '(1000 60 KG BAGS)');\n@DEF(since, @start_ds);\nSELECT @bags, @since")).toBe(
      "\n\nSELECT '(1000 60 KG BAGS)', '2024-01-01'",
    )
  })

  it('leaves macros in strings and comments alone', () => {
    expect(render("SELECT '@start_ds' AS a -- @nothing\n/* @VAR('x') */ FROM t")).toBe(
      "SELECT '@start_ds' AS a -- @nothing\n/* @VAR('x') */ FROM t",
    )
  })

  it('names the file and line of an unknown macro or variable', () => {
    expect(() => render('SELECT 1,\n  @start_dat')).toThrow(
      'models/staging/x.sql:3 unknown macro @start_dat; use @start_ds | @start_date |',
    )
    expect(() => render("SELECT\n@VAR('nope')")).toThrow(
      "models/staging/x.sql:3 unknown variable 'nope'; add it under variables: in materia.yaml or give a default",
    )
    const model = parseModelFile('MODEL (name staging.x);\nSELECT 1', 'models/staging/x.sql')
    expect(() => renderMacros(project, model, daily, 'SELECT *\nFROM @this_model WHERE @column < 0')).toThrow(
      'text rendered for staging.x, line:2 unknown macro @column;',
    )
    expect(
      renderMacros(project, model, daily, 'SELECT * FROM @this_model WHERE @column < 0', {
        column: 'production',
      }),
    ).toBe('SELECT * FROM staging.x WHERE production < 0')
    expect(() => render('@DEF(x);\nSELECT 1')).toThrow(
      'models/staging/x.sql:2 @DEF takes a name and a value: @DEF(name, value);',
    )
  })
})

describe('renderModelQuery', () => {
  it('rewrites model references only, through resolveTable', async () => {
    const loaded = await loadProject(example, { env: {} })
    const context = { ...daily, resolveTable: (name: string) => `"prod_view"."${name.split('.')[1]}"` }
    const sql = await renderModelQuery(loaded, 'serving.coffee_stocks_to_use', context)
    expect(sql).toContain('FROM "prod_view"."coffee_balance" AS balance')
    expect(sql).toContain('JOIN "prod_view"."dim_country" AS country')
    expect(sql).not.toMatch(/cleaned\.coffee_balance|serving\.dim_country/)
    const staging = await renderModelQuery(loaded, 'staging.stg_psd_coffee', context)
    expect(staging).toContain('FROM "prod_view"."psd_coffee"\nWHERE market_year >= 2021\n')
    const incremental = await renderModelQuery(loaded, 'cleaned.psd_coffee_snapshots', context)
    expect(incremental).toContain("WHERE ingest_date BETWEEN '2024-01-01' AND '2024-01-01'")
    await expect(renderModelQuery(loaded, 'serving.nope', context)).rejects.toThrow(
      'unknown model serving.nope; run materia dag for the list',
    )
  })
})
