// materia lint: the lint rules over every model, one line per finding; exits 1 when a finding has
// severity error (materia.yaml `lint:` sets severities). A file that does not load is an error too,
// listed with the findings (as a linter reports a file it cannot parse): the rules run on the rest.
import { lintProject, loadProjectReport } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.lint

// "models/x.sql:3:3 unknown kind ..." as a finding line: "models/x.sql:3 error load: unknown kind ...".
function loadFinding(message: string): string {
  const located = /^(\S+?:\d+)(?::\d+)? (.*)$/.exec(message)
  return located === null ? `error load: ${message}` : `${located[1]} error load: ${located[2]}`
}

export const lintCommand: Command = {
  name: 'lint',
  async run(argv, context) {
    const args = parseArguments(argv, {}, usage)
    const root = resolveProjectRoot(args.options.project, context.cwd)
    const { project, problems } = await loadProjectReport(root, { env: context.env })
    const findings = await lintProject(project)
    for (const f of findings)
      context.stdout.write(`${f.path}:${f.line} ${f.severity} ${f.rule}: ${f.message}\n`)
    for (const problem of problems) context.stdout.write(`${loadFinding(problem.message)}\n`)
    const errors = findings.filter((f) => f.severity === 'error').length + problems.length
    context.stdout.write(`${errors} errors, ${findings.length + problems.length - errors} warnings\n`)
    return errors === 0 ? 0 : 1
  },
}
