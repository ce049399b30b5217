// `materia lint` (and `materia plan`, as warnings): rules over model files that DuckDB itself can
// answer. Queries are rendered with fixed placeholder times, parsed with json_serialize_sql for the
// tree rules (SELECT *, unused CTEs), and bound over empty typed tables of every model (the same
// schemas the unit tests use) for ambiguous column references. Severities come from materia.yaml's
// `lint:` mapping (error | warn | off, default warn).
import { DuckDBInstance } from '@duckdb/node-api'
import { MateriaError } from '../errors.ts'
import type { Model } from './model.ts'
import { deriveSchemas, type ModelSchema } from './model-schema.ts'
import type { Project } from './project.ts'
import { parsedTree, type QueryTree } from './query-tree.ts'
import { placeholderContext, renderMacros } from './render.ts'

const lintRules = [
  'select_star',
  'missing_grain',
  'missing_description',
  'ambiguous_column',
  'unused_cte',
] as const
type LintRule = (typeof lintRules)[number]

export interface LintFinding {
  readonly rule: LintRule
  readonly severity: 'error' | 'warn'
  readonly path: string
  readonly line: number
  readonly message: string
}

type Check = (model: Model, facts: ModelFacts) => { line: number; message: string }[]

interface ModelFacts {
  readonly rendered: string | null // null for seeds and queries that do not render
  readonly tree: QueryTree | null
  readonly schema: ModelSchema | undefined
}

// The raw layer reads landing files as they are, so SELECT * and a missing grain are expected there.
const isRaw = (model: Model) => model.schema === 'raw'

const checks: Readonly<Record<LintRule, Check>> = {
  select_star: (model, facts) =>
    isRaw(model) || facts.tree === null || facts.tree.stars.length === 0
      ? []
      : [
          {
            line: lineOf(
              model,
              /\bSELECT\s+(DISTINCT\s+)?([\w"]+\.)?\*/i,
              facts.tree.stars[0] ?? null,
              facts.rendered,
            ),
            message:
              'SELECT * in a non-raw model; list the columns so that an upstream change cannot silently change this output',
          },
        ],
  missing_grain: (model) =>
    isRaw(model) || model.grain.length > 0
      ? []
      : [
          {
            line: 1,
            message: `${model.name} has no grain; add grain (col, ...) to the MODEL header so diffs have a key (with audit_grain: true in materia.yaml, its uniqueness is audited)`,
          },
        ],
  missing_description: (model) =>
    (model.description ?? '').trim() !== ''
      ? []
      : [{ line: 1, message: `${model.name} has no description; add description '...' to the MODEL header` }],
  ambiguous_column: (model, facts) => {
    const problem = facts.schema?.ok === false ? facts.schema.problem : ''
    const match = /Ambiguous reference to column name "([^"]+)"/.exec(problem)
    if (match === null) return []
    const column = match[1] ?? ''
    return [
      {
        line: lineOf(model, new RegExp(`(?<![.\\w"])${escapeRegExp(column)}(?![\\w"])`, 'i'), null, null),
        message: problem,
      },
    ]
  },
  unused_cte: (model, facts) =>
    (facts.tree?.ctes ?? [])
      .filter((cte) => !facts.tree?.tableNames.includes(cte))
      .map((cte) => ({
        line: lineOf(
          model,
          new RegExp(`\\b${escapeRegExp(cte)}\\s+AS\\s*(NOT\\s+)?(MATERIALIZED\\s+)?\\(`, 'i'),
          null,
          null,
        ),
        message: `CTE ${cte} is defined but never used; remove it`,
      })),
}

function severityOf(project: Project, rule: LintRule): 'error' | 'warn' | 'off' {
  return project.config.lint[rule] ?? 'warn'
}

export async function lintProject(project: Project): Promise<LintFinding[]> {
  const unknown = Object.keys(project.config.lint).filter(
    (rule) => !(lintRules as readonly string[]).includes(rule),
  )
  if (unknown.length > 0) {
    throw new MateriaError(
      'config',
      `materia.yaml lint: unknown rule ${unknown.join(', ')}; use ${lintRules.join(', ')}`,
    )
  }
  const active = lintRules.filter((rule) => severityOf(project, rule) !== 'off')
  if (active.length === 0) return []
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const schemas = active.includes('ambiguous_column')
      ? await deriveSchemas(project, project.order, placeholderContext, connection)
      : new Map<string, ModelSchema>()
    const findings: LintFinding[] = []
    for (const name of project.order) {
      const model = project.models.get(name)
      if (model === undefined) continue
      const rendered = renderOrNull(project, model)
      const tree = rendered === null ? null : await parsedTree(connection, rendered)
      const facts = { rendered, tree, schema: schemas.get(name) }
      for (const rule of active) {
        const severity = severityOf(project, rule) === 'error' ? 'error' : 'warn'
        for (const found of checks[rule](model, facts))
          findings.push({ rule, severity, path: model.path, ...found })
      }
    }
    return findings
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

function renderOrNull(project: Project, model: Model): string | null {
  if (model.kind.name === 'SEED') return null
  try {
    return renderMacros(project, model, placeholderContext)
  } catch {
    return null // a query that does not render is reported by load and plan, not by lint
  }
}

// The file line of a finding: from DuckDB's offset when the query had no macros (rendered text is
// then the source), else the first match of `pattern` in the source, else the query's first line.
function lineOf(model: Model, pattern: RegExp, offset: number | null, rendered: string | null): number {
  const at = offset !== null && rendered === model.query ? offset : model.query.search(pattern)
  if (at < 0) return model.queryLine
  return model.queryLine + (model.query.slice(0, at).match(/\n/g)?.length ?? 0)
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
