// Project: the loaded transform project (the folder holding materia.yaml, `sql/` in this repo).
// Plain readonly data built once by loadProject (see loader) and shared by the planner, the test
// runner, the audits, the linter, the dashboards and the workbench.
import type { Model } from './model.ts'
import { quoteIdentifier } from './sql-quote.ts'

export interface GatewayConfig {
  readonly type: 'duckdb'
  readonly path: string // absolute path of the DuckDB file (configured relative to the project root)
}

export type LintSeverity = 'error' | 'warn' | 'off'

export interface ProjectConfig {
  readonly name: string
  readonly defaultGateway: string
  readonly gateways: Readonly<Record<string, GatewayConfig>>
  readonly modelDefaults: { readonly start: string; readonly cron: string }
  // @VAR('name', default) values. `landing_dir` is always present: the absolute landing root
  // (materia.yaml `landing`, overridden by MATERIA_LANDING; default <project>/.materia/landing).
  readonly variables: Readonly<Record<string, string | number | boolean | null>>
  readonly lint: Readonly<Record<string, LintSeverity>>
  readonly landingDir: string
  readonly defaultEnvironment: string | null // materia.yaml default_environment; MATERIA_ENV wins
  // materia.yaml audit_grain: true runs a uniqueness audit on every model's grain. SQLMesh treats
  // grain as metadata only, so without it grain audits nothing.
  readonly auditGrain?: boolean
}

// A custom audit from audits/*.sql or inline in a model file:
// `AUDIT (name x); SELECT ... FROM @this_model WHERE <bad>`.
export interface CustomAudit {
  readonly name: string
  readonly query: string // macros not yet rendered; @this_model and the audit's own @args remain
  readonly path: string
  readonly queryLine: number
  readonly description?: string | null
  readonly blocking?: boolean // header `blocking false`; default true
  readonly skip?: boolean // header `skip true`: never run
  readonly standalone?: boolean // runs on its own, not attached to a model; always non-blocking
  readonly dependsOn?: readonly string[] // models a standalone audit reads
  readonly defaults?: Readonly<Record<string, string>> // argument -> SQL text
}

// A problem found while loading, one line: "path:line:col what failed; what to do".
export interface LoadProblem {
  readonly path: string // relative to the project root
  readonly model: string | null // the model it breaks, when known
  readonly message: string
}

// A table made outside the project and described in external_models.yaml: read as a source.
export interface ExternalModel {
  readonly name: string // "schema.table", lower case
  readonly description: string | null
  readonly columns: readonly { readonly name: string; readonly type: string }[]
  readonly line: number // in external_models.yaml
}

export interface Project {
  readonly root: string // absolute path of the folder with materia.yaml
  readonly config: ProjectConfig
  readonly models: ReadonlyMap<string, Model> // by "schema.table"
  readonly parents: ReadonlyMap<string, readonly string[]> // model -> models it reads (inferred + depends_on)
  readonly children: ReadonlyMap<string, readonly string[]>
  readonly order: readonly string[] // topological order, parents first, ties by name (deterministic)
  readonly audits: ReadonlyMap<string, CustomAudit>
  readonly externals?: ReadonlyMap<string, ExternalModel>
  // Loading keeps going past a broken model: the problems, the one-line warnings ("has no effect"),
  // and the models left out (broken, Python, or reading one of those) with the reason for each.
  readonly problems?: readonly LoadProblem[]
  readonly warnings?: readonly string[]
  readonly unavailable?: ReadonlyMap<string, string>
}

// Where an environment's views live: prod at <schema>.<name>, others at <schema>__<env>.<name>.
export function environmentSchema(schema: string, environment: string): string {
  return environment === 'prod' ? schema : `${schema}__${environment}`
}

// An environment's view of a model, quoted: "schema"."table" for prod, "schema__env"."table" otherwise.
export function environmentView(schema: string, table: string, environment: string): string {
  return `${quoteIdentifier(environmentSchema(schema, environment))}.${quoteIdentifier(table)}`
}
