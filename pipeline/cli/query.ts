// materia query "SQL" [--env ENV]: an ad-hoc query with model names resolved to an environment's
// views; at most previewRowsMax rows are shown.
import { queryEnvironment } from '../engine/environments.ts'
import { MateriaError } from '../errors.ts'
import { previewRowsMax } from '../limits.ts'
import type { Command } from './command.ts'
import { openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'
import { formatCsv, formatTable, toJson } from './table-format.ts'

const usage = 'materia query "SQL" [--env ENV] [--json | --csv] [--project DIR]'

export const queryCommand: Command = {
  name: 'query',
  summary: 'run a SQL query against an environment (model names resolve to its views)',
  usage: `${usage}\n\nENV defaults to prod. At most ${previewRowsMax} rows are printed.`,
  async run(argv, context) {
    const args = parseArguments(argv, { options: ['env'], flags: ['json', 'csv'] }, usage)
    const [sql, extra] = args.positionals
    if (sql === undefined || extra !== undefined)
      throw new MateriaError('usage', `give one quoted SQL query; usage: ${usage}`)
    if (args.flags.has('json') && args.flags.has('csv'))
      throw new MateriaError('usage', `--json or --csv, not both; usage: ${usage}`)
    const { project, db } = await openSession(args.options.project, context, { partial: true })
    try {
      const result = await queryEnvironment(db, project, sql, args.options.env ?? 'prod', {
        limit: previewRowsMax,
      })
      const names = result.columns.map((column) => column.name)
      if (args.flags.has('json')) {
        const rows = result.rows.map((row) =>
          Object.fromEntries(names.map((name, index) => [name, row[index]])),
        )
        context.stdout.write(`${toJson(rows)}\n`)
      } else if (args.flags.has('csv')) {
        context.stdout.write(`${formatCsv(names, result.rows)}\r\n`)
      } else {
        context.stdout.write(
          `${formatTable(names, result.rows)}\n(${result.rows.length} row(s)${result.truncated ? `, first ${previewRowsMax} shown` : ''})\n`,
        )
      }
      if (result.truncated && !args.flags.has('json') && !args.flags.has('csv')) {
        context.stderr.write(`more rows exist; add a LIMIT or export them with COPY\n`)
      }
      return 0
    } finally {
      db.close()
    }
  },
}
