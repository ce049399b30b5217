// Where `materia plan` and `materia run` get the unit-test runner and the audits: plan runs the
// project's unit tests before anything is built, and apply audits each model's new rows inside its
// build transaction (a failing blocking audit rolls the build back before any view moves).
import type { ApplyOptions } from '../engine/apply.ts'
import { auditsForApply } from '../engine/apply-audits.ts'
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
}

export const planHooks: PlanHooks = {
  runTests: async (project) => {
    const results = await runTests(project)
    const failed = results.filter((result) => !result.passed)
    const report = failed.map(
      (result) => `${result.path}: test ${result.name} (${result.model}) failed\n${result.message}`,
    )
    return { failed: failed.length, passed: results.length - failed.length, report: report.join('\n\n') }
  },
  auditOptions: (project) => ({ runAudits: auditsForApply(project) }),
}
