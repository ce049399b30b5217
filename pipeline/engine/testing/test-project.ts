// Builds a Project from a few model definitions, for engine tests that run before (or without)
// the file loader: parents are the model names a query mentions, order is topological.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assert } from '../../assert.ts'
import type { Model, ModelKind } from '../model.ts'
import type { Project } from '../project.ts'

export interface ModelSpec {
  readonly name: string
  readonly query: string
  readonly kind?: ModelKind
  readonly description?: string
  readonly cron?: string
  readonly start?: string
}

export function temporaryDirectory(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `materia-${prefix}-`))
}

export function makeProject(root: string, specs: readonly ModelSpec[], start = '2024-01-01'): Project {
  const names = specs.map((spec) => spec.name)
  const models = new Map<string, Model>()
  const parents = new Map<string, string[]>()
  for (const spec of specs) {
    const [schema, table] = spec.name.split('.') as [string, string]
    models.set(spec.name, {
      name: spec.name,
      schema,
      table,
      kind: spec.kind ?? { name: 'FULL' },
      cron: spec.cron ?? '@daily',
      start: spec.start ?? null,
      grain: [],
      audits: [],
      description: spec.description ?? null,
      owner: null,
      tags: [],
      dependsOn: [],
      query: spec.query,
      path: `models/${schema}/${table}.sql`,
      queryLine: 2,
    })
    const mentioned = names.filter(
      (other) => other !== spec.name && new RegExp(`\\b${other.replace('.', '\\.')}\\b`).test(spec.query),
    )
    parents.set(spec.name, mentioned)
  }
  const children = new Map<string, string[]>(names.map((name) => [name, []]))
  for (const [name, list] of parents) for (const parent of list) children.get(parent)?.push(name)
  const order: string[] = []
  const placed = new Set<string>()
  while (order.length < names.length) {
    const next = [...names]
      .sort()
      .find((name) => !placed.has(name) && (parents.get(name) ?? []).every((p) => placed.has(p)))
    assert(next !== undefined, 'test project has no cycle')
    order.push(next)
    placed.add(next)
  }
  mkdirSync(join(root, 'models'), { recursive: true })
  writeFileSync(join(root, 'materia.yaml'), 'name: test\n')
  return {
    root,
    config: {
      name: 'test',
      defaultGateway: 'local',
      gateways: { local: { type: 'duckdb', path: join(root, '.materia', 'local.duckdb') } },
      auditGrain: true,
      modelDefaults: { start, cron: '@daily' },
      variables: { landing_dir: join(root, '.materia', 'landing') },
      lint: {},
      landingDir: join(root, '.materia', 'landing'),
      defaultEnvironment: null,
    },
    models,
    parents,
    children,
    order,
    audits: new Map(),
  }
}

// The example project: the bundled genuine PSD rows as a seed, then staging, cleaned, a serving view.
const sample = new URL('../../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url).pathname

export function exampleSpecs(): ModelSpec[] {
  return [
    { name: 'raw.psd', query: '', kind: { name: 'SEED', path: '../../seeds/psd.csv' } },
    {
      name: 'staging.stg_psd',
      query: `SELECT Country_Code::VARCHAR AS country_code, Market_Year::INTEGER AS market_year,
        Attribute_Description::VARCHAR AS attribute, Value::DOUBLE AS value FROM raw.psd`,
    },
    {
      name: 'cleaned.production',
      query: `SELECT country_code, market_year, sum(value) AS production FROM staging.stg_psd
        WHERE attribute = 'Production' GROUP BY country_code, market_year`,
    },
    {
      name: 'serving.countries',
      kind: { name: 'VIEW' },
      query: 'SELECT country_code, count(*) AS years FROM cleaned.production GROUP BY country_code',
    },
    { name: 'staging.attributes', query: 'SELECT DISTINCT Attribute_Description AS attribute FROM raw.psd' },
  ]
}

export function setupRoot(): string {
  const root = temporaryDirectory('apply')
  mkdirSync(join(root, 'seeds'), { recursive: true })
  copyFileSync(sample, join(root, 'seeds', 'psd.csv'))
  return root
}
