// Standalone audits (audits.md, "Standalone audits"): `AUDIT (name x, standalone true, depends_on
// (a.b));` and a query over models by name, not attached to one model. They run after the models
// they read, against an environment's tables, and never block (no single model could be blocked).
import type { DuckDBConnection } from '@duckdb/node-api'
import { type AuditOutcome, runAudit } from './audit.ts'
import type { Model } from './model.ts'
import type { CustomAudit, Project } from './project.ts'
import { placeholderContext, type RenderContext, renderWithEdits } from './render.ts'
import { rewriteTableReferences } from './sql-ast.ts'

function standaloneAudits(project: Project): CustomAudit[] {
  return [...project.audits.values()].filter((audit) => audit.standalone === true && audit.skip !== true)
}

// A stand-in model for rendering and messages: the audit's name and file.
function auditModel(audit: CustomAudit): Model {
  return {
    name: `audit.${audit.name}`,
    schema: 'audit',
    table: audit.name,
    kind: { name: 'VIEW' },
    cron: '@daily',
    start: null,
    grain: [],
    audits: [],
    description: audit.description ?? null,
    owner: null,
    tags: [],
    dependsOn: audit.dependsOn ?? [],
    query: audit.query,
    path: audit.path,
    queryLine: audit.queryLine,
  }
}

// The audit's query with macros rendered and model names pointed at `resolveTable`'s tables.
async function renderStandaloneAudit(
  project: Project,
  audit: CustomAudit,
  resolveTable: (model: string) => string | null,
  context: RenderContext = placeholderContext,
): Promise<string> {
  const rendered = renderWithEdits({
    variables: project.config.variables,
    model: auditModel(audit),
    context: { ...context, runtimeStage: 'auditing' },
    definitions: {},
    text: audit.query,
    path: audit.path,
    firstLine: audit.queryLine,
    gateway: project.config.defaultGateway,
  }).text
  return rewriteTableReferences(rendered, (name) => (project.models.has(name) ? resolveTable(name) : null))
}

export async function runStandaloneAudits(
  connection: DuckDBConnection,
  project: Project,
  resolveTable: (model: string) => string | null,
): Promise<AuditOutcome[]> {
  const outcomes: AuditOutcome[] = []
  for (const audit of standaloneAudits(project)) {
    const sql = await renderStandaloneAudit(project, audit, resolveTable)
    const call = { name: audit.name, args: {}, blocking: false }
    outcomes.push(await runAudit(connection, auditModel(audit), call, sql))
  }
  return outcomes
}
