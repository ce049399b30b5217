// materia validate: loads everything, renders and parses every model, checks every reference, audit
// and unit-test file, and prints every problem at once (SQLMesh's `sqlmesh validate`). Warnings
// (documented properties that have no effect here) go to stdout; problems to stderr, then exit 1.
import { loadProjectReport, validateProject } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.validate

export const validateCommand: Command = {
  name: 'validate',
  async run(argv, context) {
    const args = parseArguments(argv, {}, usage)
    const root = resolveProjectRoot(args.options.project, context.cwd)
    const { project, problems, warnings } = await loadProjectReport(root, { env: context.env })
    const checked = await validateProject(project)
    const all = [...problems, ...checked.problems]
    for (const warning of warnings) context.stdout.write(`warning: ${warning}\n`)
    for (const problem of all) context.stderr.write(`${problem.message}\n`)
    const externals = project.externals?.size ?? 0
    const models = project.models.size + (project.unavailable?.size ?? 0)
    const summary = `${models} model${models === 1 ? '' : 's'}, ${checked.tests} test${checked.tests === 1 ? '' : 's'}, ${externals} external table${externals === 1 ? '' : 's'}`
    if (all.length === 0) {
      context.stdout.write(`${summary}: valid\n`)
      return 0
    }
    context.stderr.write(`${summary}: ${all.length} problem${all.length === 1 ? '' : 's'}\n`)
    return 1
  },
}
