// Where `materia plan` and `materia run` get the unit-test runner, the audits and the linter: plan
// runs the project's unit tests before anything is built and prints lint findings as warnings, and
// apply audits each model's new rows inside its build transaction (a failing blocking audit rolls
// the build back before any view moves).
import type { ApplyOptions } from '../engine/apply.ts'
import { auditOptionsForApply } from '../engine/apply-audits.ts'
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
  readonly auditOptions: ((project: Project) => Pick<ApplyOptions, 'runAudits'>) | null
  // Lint findings printed as warnings before the plan (plan never fails on them; `materia lint` does).
  readonly lintWarnings: ((project: Project) => Promise<string[]>) | null
}

export const planHooks: PlanHooks = {
  runTests: async (project) => {
    const results = await runTests(project)
    const failed = results.filter((result) => !result.passed)
    // Each message opens with "<test> (<file>:<line>) on <model>" and then the row diff.
    const report = failed.map((result) => `FAIL ${result.message}`)
    return { failed: failed.length, passed: results.length - failed.length, report: report.join('\n\n') }
  },
  auditOptions: (project) => auditOptionsForApply(project),
  lintWarnings: async (project) =>
    (await lintProject(project)).map((f) => `lint: ${f.path}:${f.line} ${f.rule}: ${f.message}`),
}
