// The engine's public API: everything the CLI, the workbench and the other engine parts import.

export {
  type ApplyEvent,
  type ApplyOptions,
  type ApplyResult,
  type AuditContext,
  type AuditOutcome,
  applyPlan,
} from './apply.ts'
export { auditOptionsForApply } from './apply-audits.ts'
export {
  type AuditOutcome as ModelAuditOutcome,
  type AuditRange,
  auditFailureMessage,
  modelAuditCalls,
  runModelAudits,
} from './audit.ts'
export { parseAuditFile } from './audit-parser.ts'
export {
  type ColumnGraph,
  type ColumnLineage,
  type ColumnRef,
  columnGraph,
  columnLineage,
  type LineageColumn,
  type LineageEdge,
  type LineageOptions,
} from './column-lineage.ts'
export { loadConfig } from './config.ts'
export { type CteSpan, cteAt, cteQuery, cteSpans } from './cte-preview.ts'
export { buildDag, type Dag, type ModelReference } from './dag.ts'
export { Database, type OpenOptions, openDatabase } from './database.ts'
export { type EnvironmentCopyOptions, planEnvironmentCopy } from './environment-copy.ts'
export {
  type EnvironmentSummary,
  invalidateEnvironment,
  listEnvironments,
  type QueryResult,
  queryEnvironment,
  rewriteForEnvironment,
} from './environments.ts'
export { type ErrorLocation, errorLocation } from './error-location.ts'
export { type Fingerprint, fingerprintProject, metadataHash, physicalTable } from './fingerprint.ts'
export { formatModelFile, sameQuery } from './format.ts'
export type { Interval } from './interval.ts'
export { type JanitorOptions, type JanitorResult, runJanitor } from './janitor.ts'
export { type LintFinding, type LintRule, lintProject, lintRules } from './lint.ts'
export { type LoadOptions, loadProject, seedFilePath } from './load.ts'
export { maskMacros } from './macro-mask.ts'
export type { AuditCall, Model, ModelColumn, ModelKind, ModelKindName } from './model.ts'
export { type ModelFileText, splitModelFile, splitStatements } from './model-file-text.ts'
export { modelProperties, parseModelFile } from './model-parser.ts'
export { buildPlan, type PlanOptions } from './plan.ts'
export { definitionOf } from './plan-compare.ts'
export type { ChangeCategory, ModelChange, Plan, PlanModel, PlanStep } from './plan-types.ts'
export type { CustomAudit, GatewayConfig, LintSeverity, Project, ProjectConfig } from './project.ts'
export { environmentSchema } from './project.ts'
export {
  type GuardedStatement,
  guardReadOnlyQuery,
  guardWorkbenchStatement,
  queryDirectories,
  scratchSchema,
} from './query-guard.ts'
export { placeholderContext, type RenderContext, renderMacros, renderModelQuery } from './render.ts'
export { buildRunPlan, type RunOptions } from './run.ts'
export {
  canonicalQuery,
  normalizeQuery,
  parseQuery,
  qualifiedNames,
  rewriteQualifiedNames,
  rewriteTableReferences,
  syntaxError,
  tableReferences,
} from './sql-ast.ts'
export { quoteIdentifier, quoteLiteral, quoteQualified } from './sql-quote.ts'
export { readState, type State } from './state.ts'
export {
  type ColumnType,
  type RowDifference,
  type SchemaDiff,
  type TableDiff,
  tableDiff,
} from './table-diff.ts'
export { loadTests, runTests, type TestResult } from './test-runner.ts'
