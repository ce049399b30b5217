// materia lint: the lint rules over every model, one line per finding; exits 1 when a finding has
// severity error (materia.yaml `lint:` sets severities).
import { lintProject } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { loadCommandProject } from './project-database.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.lint

export const lintCommand: Command = {
  name: 'lint',
  async run(argv, context) {
    const args = parseArguments(argv, {}, usage)
    const project = await loadCommandProject(args.options.project, context, { partial: true })
    const findings = await lintProject(project)
    for (const f of findings)
      context.stdout.write(`${f.path}:${f.line} ${f.severity} ${f.rule}: ${f.message}\n`)
    const errors = findings.filter((f) => f.severity === 'error').length
    context.stdout.write(`${errors} errors, ${findings.length - errors} warnings\n`)
    return errors === 0 ? 0 : 1
  },
}
