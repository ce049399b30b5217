// validateProject: what `materia validate` checks beyond loading (which already parsed every file,
// rendered and parsed every query and resolved every reference): every audit a model names exists
// and renders with its arguments, and every unit-test file parses and names models and inputs that
// exist. Problems are collected, one line each, never thrown one at a time.
import { isMateriaError } from '../errors.ts'
import { customAudit, effectiveCall, modelAuditCalls, renderCustomAudit } from './audit.ts'
import { auditBaseName, builtinAuditNames } from './builtin-audits.ts'
import type { LoadProblem, Project } from './project.ts'
import { loadTestFiles } from './test-runner.ts'

function auditProblems(project: Project): LoadProblem[] {
  const problems: LoadProblem[] = []
  for (const model of project.models.values()) {
    for (const call of modelAuditCalls(model, project.config.auditGrain === true)) {
      const base = auditBaseName(call.name)
      if (call.name === 'grain' || builtinAuditNames.includes(base) || builtinAuditNames.includes(call.name))
        continue
      const custom = customAudit(project, model, call.name)
      if (custom === undefined) {
        problems.push({
          path: model.path,
          model: model.name,
          message: `${model.path}: audit ${call.name} on ${model.name}: unknown audit; use a built-in (${builtinAuditNames.join(', ')}) or add audits/${base}.sql`,
        })
        continue
      }
      try {
        const effective = effectiveCall(project, model, call)
        if (effective !== null) renderCustomAudit(project, model, custom, effective, model.name)
      } catch (error) {
        if (!isMateriaError(error)) throw error
        problems.push({ path: model.path, model: model.name, message: error.message })
      }
    }
  }
  return problems
}

export function validateProject(project: Project): { problems: LoadProblem[]; tests: number } {
  const tests = loadTestFiles(project)
  return { problems: [...auditProblems(project), ...tests.problems], tests: tests.count }
}
