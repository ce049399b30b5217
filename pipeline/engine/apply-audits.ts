// The audit hooks apply takes (ApplyOptions.runAudits and formatAuditFailure): run the model's audits
// on the table just written, inside the build's transaction and on that batch's range only, and
// word a blocking failure with its first bad rows.
import { assert } from '../assert.ts'
import type { AuditOutcome as ApplyAuditOutcome, ApplyOptions } from './apply.ts'
import { type AuditOutcome, auditFailureMessage, badRowsText, runModelAudits } from './audit.ts'
import type { Project } from './project.ts'
import { quoteQualified } from './sql-quote.ts'

function isAuditOutcome(outcome: ApplyAuditOutcome): outcome is AuditOutcome {
  return 'sample' in outcome && 'badRows' in outcome
}

export function auditOptionsForApply(
  project: Project,
): Pick<ApplyOptions, 'runAudits' | 'formatAuditFailure'> {
  return {
    runAudits: async ({ model, relation, interval, connection }) => {
      const range =
        interval === null ? undefined : { start: new Date(interval[0]), end: new Date(interval[1]) }
      const outcomes = await runModelAudits(connection, project, model, quoteQualified(relation), range)
      return outcomes.map((outcome) => ({ ...outcome, message: outcome.passed ? '' : badRowsText(outcome) }))
    },
    formatAuditFailure: (outcome) => {
      assert(isAuditOutcome(outcome), 'apply passes back the outcomes runAudits returned')
      return auditFailureMessage(outcome)
    },
  }
}
