// materia test [NAME...]: runs the project's unit tests (tests/test_*.yaml), prints each result and
// a row diff for failures, and exits 1 when one fails.
import { runTests } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { loadCommandProject } from './project-database.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.test

export const testCommand: Command = {
  name: 'test',
  async run(argv, context) {
    const args = parseArguments(argv, { positionals: Number.POSITIVE_INFINITY }, usage)
    const project = await loadCommandProject(args.options.project, context, { partial: true })
    const results = await runTests(project, { names: args.positionals })
    if (results.length === 0) {
      context.stdout.write('no unit tests: add tests/test_<name>.yaml to the project\n')
      return 0
    }
    for (const result of results) {
      const status = result.passed ? 'PASS' : 'FAIL'
      // A test that could not be read has no model: its message says where it is.
      const detail = result.model === '' ? '' : ` (${result.model}, ${Math.round(result.durationMs)} ms)`
      context.stdout.write(`${status} ${result.name}${detail}\n`)
      if (!result.passed) context.stdout.write(`${result.message.replace(/^/gm, '  ')}\n`)
    }
    const failed = results.filter((r) => !r.passed).length
    context.stdout.write(`${results.length - failed} passed, ${failed} failed\n`)
    return failed === 0 ? 0 : 1
  },
}
