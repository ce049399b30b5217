// Where `materia plan` and `materia run` get the unit-test runner, the audits and the linter: plan
// runs the project's unit tests before anything is built and prints lint findings as warnings, and
// apply audits each model's new rows inside its build transaction (a failing blocking audit rolls
// the build back before any view moves).
import {
  type ApplyOptions,
  auditOptionsForApply,
  lintProject,
  type Project,
  runTests,
  testCachePath,
} from '../engine/index.ts'

export interface TestsOutcome {
  readonly failed: number
  readonly passed: number
  readonly cached: number // of the passed: unchanged since they last passed, not run again
  readonly report: string // printed as is: the failures' row diffs
}

export interface PlanHooks {
  // rerun: run every test, also those unchanged since they last passed (test-cache.ts).
  readonly runTests: ((project: Project, options: { rerun: boolean }) => Promise<TestsOutcome>) | null
  readonly auditOptions: ((project: Project) => Pick<ApplyOptions, 'runAudits' | 'formatAuditFailure'>) | null
  // Lint findings printed as warnings before the plan (plan never fails on them; `materia lint` does).
  readonly lintWarnings: ((project: Project) => Promise<string[]>) | null
}

export const planHooks: PlanHooks = {
  runTests: async (project, options) => {
    const results = await runTests(project, { cachePath: testCachePath(project), rerun: options.rerun })
    const failed = results.filter((result) => !result.passed)
    // Each message opens with "<test> (<file>:<line>) on <model>" and then the row diff.
    const report = failed.map((result) => `FAIL ${result.message}`)
    return {
      failed: failed.length,
      passed: results.length - failed.length,
      cached: results.filter((result) => result.cached).length,
      report: report.join('\n\n'),
    }
  },
  auditOptions: (project) => auditOptionsForApply(project),
  lintWarnings: async (project) =>
    (await lintProject(project)).map((f) => `lint: ${f.path}:${f.line} ${f.rule}: ${f.message}`),
}
