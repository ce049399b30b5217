// The audit hook apply calls after each build or batch (ApplyOptions.runAudits): runs the model's
// audits on the table just written, inside the build's transaction, on that batch's range only.
// A failure's message carries the bad-row count and the first bad rows; apply prefixes the model.
import type { ApplyOptions } from './apply.ts'
import { badRowsText, runModelAudits } from './audit.ts'
import type { Project } from './project.ts'
import { quoteQualified } from './sql-quote.ts'

export function auditOptionsForApply(project: Project): Pick<ApplyOptions, 'runAudits'> {
  return {
    runAudits: async ({ model, relation, interval, connection }) => {
      const range =
        interval === null ? undefined : { start: new Date(interval[0]), end: new Date(interval[1]) }
      const outcomes = await runModelAudits(connection, project, model, quoteQualified(relation), range)
      return outcomes.map((outcome) => ({
        audit: outcome.audit,
        blocking: outcome.blocking,
        passed: outcome.passed,
        message: outcome.passed ? '' : badRowsText(outcome),
      }))
    },
  }
}
