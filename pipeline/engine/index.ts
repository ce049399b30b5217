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
  runModelAudits,
} from './audit.ts'
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
export { loadConfig, projectConfigMissing } from './config.ts'
export { type CteSpan, cteAt, cteQuery, cteSpans } from './cte-preview.ts'
export type { Dag, ModelReference } from './dag.ts'
export { Database, databasePath, databaseSettings, type OpenOptions, openDatabase } from './database.ts'
export { cycleThrough, modelReferences } from './editor-analysis.ts'
export { type EnvironmentCopyOptions, planEnvironmentCopy } from './environment-copy.ts'
export {
  type EnvironmentSummary,
  invalidateEnvironment,
  listEnvironments,
  type QueryResult,
  queryEnvironment,
  rewriteForEnvironment,
  streamEnvironmentQuery,
} from './environments.ts'
export { type Fingerprint, fingerprintProject } from './fingerprint.ts'
export { formatModelFile, sameQuery } from './format.ts'
export { floorTime, formatInterval, type Interval, intervalUnit } from './interval.ts'
export { type JanitorOptions, type JanitorResult, runJanitor } from './janitor.ts'
export { type LintFinding, lintProject } from './lint.ts'
export { type LoadOptions, loadProject, loadProjectReport, problemsText, seedFilePath } from './load.ts'
export { maskMacros } from './macro-mask.ts'
export type { AuditCall, Model, ModelColumn, ModelKind } from './model.ts'
export { type ModelFileText, splitModelFile, splitStatements } from './model-file-text.ts'
export { parseModelFile } from './model-parser.ts'
export { buildPlan, checkPlanOptions, type PlanOptions, validateEnvironmentName } from './plan.ts'
export { definitionOf } from './plan-compare.ts'
export type { ChangeCategory, ModelChange, Plan, PlanModel, PlanStep } from './plan-types.ts'
export type { CustomAudit, GatewayConfig, LintSeverity, Project, ProjectConfig } from './project.ts'
export { environmentSchema, environmentView } from './project.ts'
export {
  type GuardedStatement,
  guardReadOnlyQuery,
  guardWorkbenchStatement,
  queryDirectories,
  scratchSchema,
} from './query-guard.ts'
export { describeQueryError } from './read-error.ts'
export { type RenderContext, renderMacros, renderModelQuery } from './render.ts'
export { formatRows, formatValue } from './row-text.ts'
export { buildRunPlan, type RunOptions } from './run.ts'
export {
  parseQuery,
  parseTree,
  qualifiedNames,
  syntaxError,
} from './sql-ast.ts'
export { quoteIdentifier, quoteLiteral } from './sql-quote.ts'
export { convertSqlmeshConfig, projectName } from './sqlmesh-config.ts'
export { runStandaloneAudits } from './standalone-audit.ts'
export {
  missingEnvironment,
  physicalTable,
  readState,
  requireEnvironment,
  type State,
  snapshotKey,
  stateSchema,
} from './state.ts'
export { checkState } from './state-check.ts'
export {
  type ColumnType,
  type RowDifference,
  type SchemaDiff,
  type TableDiff,
  tableDiff,
} from './table-diff.ts'
export { testCachePath } from './test-cache.ts'
export type { Fixture, UnitTest } from './test-file.ts'
export { loadTests, modelOutputRows, runTests, type TestResult } from './test-runner.ts'
export { validateProject } from './validate.ts'
