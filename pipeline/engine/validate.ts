// validateProject: what `materia validate` checks beyond loading (which already parsed every file,
// rendered and parsed every query and resolved every reference): every audit a model names exists,
// renders with its arguments and parses as SQL (the audit runs only at apply, and a syntax error
// there stops the apply), and every unit-test file parses and names models and inputs that exist.
// Problems are collected, one line each, never thrown one at a time.
import { isMateriaError } from '../errors.ts'
import { customAudit, effectiveCall, modelAuditCalls, renderCustomAudit } from './audit.ts'
import { auditBaseName, builtinAuditNames } from './builtin-audits.ts'
import type { LoadProblem, Project } from './project.ts'
import { parseProblem, parseQuery } from './sql-ast.ts'
import { loadTestFiles } from './test-runner.ts'

async function auditProblems(project: Project): Promise<LoadProblem[]> {
  const problems: LoadProblem[] = []
  // Rendered first, parsed together: sql-ast batches the parses of one tick into one round trip.
  const rendered: { audit: string; path: string; model: string; sql: string }[] = []
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
        if (effective === null) continue
        const sql = renderCustomAudit(project, model, custom, effective, model.name)
        rendered.push({ audit: custom.name, path: custom.path, model: model.name, sql })
      } catch (error) {
        if (!isMateriaError(error)) throw error
        problems.push({ path: model.path, model: model.name, message: error.message })
      }
    }
  }
  const parsed = await Promise.all(rendered.map((entry) => parseQuery(entry.sql)))
  const reported = new Set<string>() // one syntax error per audit file and audit, not per model
  for (const [index, entry] of rendered.entries()) {
    const result = parsed[index]!
    const key = `${entry.path}:${entry.audit}`
    if (result.ok || reported.has(key)) continue
    reported.add(key)
    problems.push({
      path: entry.path,
      model: entry.model,
      message: `${entry.path}: audit ${entry.audit} (for ${entry.model}): ${parseProblem({ ...result, position: null })}; fix the audit query`,
    })
  }
  return problems
}

export async function validateProject(project: Project): Promise<{ problems: LoadProblem[]; tests: number }> {
  const tests = loadTestFiles(project)
  return { problems: [...(await auditProblems(project)), ...tests.problems], tests: tests.count }
}
