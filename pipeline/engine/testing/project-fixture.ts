// Plain Model and Project records for tests that exercise one tool without loading files. The types
// are plain data, so tests build them directly; defaults mirror a freshly written model file.
import type { Model } from '../model.ts'
import type { CustomAudit, Project, ProjectConfig } from '../project.ts'

export function makeModel(fields: Partial<Model> & { name: string; query: string }): Model {
  const [schema = '', table = ''] = fields.name.split('.')
  return {
    schema,
    table,
    kind: { name: 'FULL' },
    cron: '@daily',
    start: null,
    grain: [],
    audits: [],
    description: null,
    owner: null,
    tags: [],
    dependsOn: [],
    path: `models/${schema}/${table}.sql`,
    queryLine: 2,
    ...fields,
  }
}

export function makeConfig(fields: Partial<ProjectConfig> = {}): ProjectConfig {
  return {
    name: 'test',
    defaultGateway: 'local',
    gateways: { local: { type: 'duckdb', path: ':memory:' } },
    modelDefaults: { start: '2020-01-01', cron: '@daily' },
    variables: { landing_dir: '/nonexistent/landing' },
    lint: {},
    landingDir: '/nonexistent/landing',
    defaultEnvironment: null,
    auditGrain: true,
    ...fields,
  }
}

// Parents are given explicitly (the loader infers them from SQL); order is a topological sort.
export function makeProject(
  root: string,
  models: readonly Model[],
  parents: Readonly<Record<string, readonly string[]>> = {},
  options: { audits?: readonly CustomAudit[]; config?: Partial<ProjectConfig> } = {},
): Project {
  const parentMap = new Map(models.map((m) => [m.name, parents[m.name] ?? []]))
  const children = new Map<string, string[]>(models.map((m) => [m.name, []]))
  for (const [child, list] of parentMap) for (const parent of list) children.get(parent)?.push(child)
  const order: string[] = []
  const visit = (name: string) => {
    if (order.includes(name)) return
    for (const parent of parentMap.get(name) ?? []) visit(parent)
    order.push(name)
  }
  for (const name of [...parentMap.keys()].sort()) visit(name)
  return {
    root,
    config: makeConfig(options.config),
    models: new Map(models.map((m) => [m.name, m])),
    parents: parentMap,
    children,
    order,
    audits: new Map((options.audits ?? []).map((a) => [a.name, a])),
  }
}
