// Where `materia plan` and `materia run` get the unit-test runner and the audits. Each is optional:
// null means the feature is not wired into this build, and plan says so instead of pretending.

import type { ApplyOptions } from '../engine/apply.ts'
import type { Database } from '../engine/database.ts'
import type { Project } from '../engine/project.ts'

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
}

export const planHooks: PlanHooks = { runTests: null, auditOptions: null }
