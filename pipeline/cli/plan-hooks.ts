// Where `materia plan` and `materia run` get the unit-test runner and the audits. Each is optional:
// null means the feature is not wired into this build, and plan says so instead of pretending.

import type { ApplyOptions } from '../engine/apply.ts'
import { auditOptionsForApply } from '../engine/apply-audits.ts'
import type { Database } from '../engine/database.ts'
import { lintProject } from '../engine/lint.ts'
import type { Project } from '../engine/project.ts'
import { runTests } from '../engine/test-runner.ts'

export interface TestsOutcome {
  readonly failed: number
  readonly passed: number
  readonly report: string // printed as is: the failures' row diffs
}

export interface PlanHooks {
  readonly runTests: ((project: Project) => Promise<TestsOutcome>) | null
  readonly auditOptions:
    | ((project: Project, db: Database) => Pick<ApplyOptions, 'runAudits' | 'formatAuditFailure'>)
    | null
  // Lint findings printed as warnings before the plan (plan never fails on them; `materia lint` does).
  readonly lintWarnings: ((project: Project) => Promise<string[]>) | null
}

// Unit tests run before anything is planned; a failure's report is each failed test's row diff.
async function runProjectTests(project: Project): Promise<TestsOutcome> {
  const results = await runTests(project)
  const failed = results.filter((result) => !result.passed)
  return {
    failed: failed.length,
    passed: results.length - failed.length,
    report: failed.map((result) => `FAIL ${result.message}`).join('\n'),
  }
}

export const planHooks: PlanHooks = {
  runTests: runProjectTests,
  auditOptions: (project) => auditOptionsForApply(project),
  lintWarnings: async (project) =>
    (await lintProject(project)).map((f) => `lint: ${f.path}:${f.line} ${f.rule}: ${f.message}`),
}
