// materia query "SQL" [--env ENV]: an ad-hoc query with model names resolved to an environment's
// views; at most previewRowsMax rows are shown.
import {
  type Database,
  guardReadOnlyQuery,
  type Project,
  type QueryResult,
  queryEnvironment,
  streamEnvironmentQuery,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import { previewRowsMax } from '../limits.ts'
import type { Command, CommandContext } from './command.ts'
import { commands } from './commands.ts'
import { openSession } from './engine-session.ts'
import { parseArguments } from './project-option.ts'
import { formatCsv, formatTable, jsonRow } from './table-format.ts'

const { usage } = commands.query

export const queryCommand: Command = {
  name: 'query',
  async run(argv, context) {
    const tooMany = 'give one quoted SQL query'
    const args = parseArguments(
      argv,
      { options: ['env'], flags: ['json', 'csv'], positionals: 1, tooMany },
      usage,
    )
    const [sql] = args.positionals
    if (sql === undefined) throw new MateriaError('usage', `${tooMany}; usage: ${usage}`)
    if (args.flags.has('json') && args.flags.has('csv'))
      throw new MateriaError('usage', `--json or --csv, not both; usage: ${usage}`)
    // Refused before the database is opened: a query never writes (query-guard.ts).
    await guardReadOnlyQuery(sql)
    const { project, db } = await openSession(args.options.project, context, {
      readOnly: true,
      partial: true,
    })
    const environment = args.options.env ?? 'prod'
    try {
      if (args.flags.has('json') || args.flags.has('csv')) {
        await exportRows(db, project, sql, environment, args.flags.has('json') ? 'json' : 'csv', context)
        return 0
      }
      const result = await queryEnvironment(db, project, sql, environment, { limit: previewRowsMax })
      const names = result.columns.map((column) => column.name)
      context.stdout.write(
        `${formatTable(names, result.rows)}\n(${result.rows.length} row(s)${result.truncated ? `, first ${previewRowsMax} shown` : ''})\n`,
      )
      if (result.truncated) {
        context.stderr.write(
          'more rows exist; add a LIMIT, aggregate, or export them all with --csv or --json\n',
        )
      }
      return 0
    } finally {
      db.close()
    }
  },
}

// --csv and --json write every row, chunk by chunk, never cut at the preview limit.
async function exportRows(
  db: Database,
  project: Project,
  sql: string,
  environment: string,
  format: 'csv' | 'json',
  context: CommandContext,
): Promise<void> {
  let columns: QueryResult['columns'] = []
  let first = true
  await streamEnvironmentQuery(db, project, sql, environment, {
    columns: (described) => {
      columns = described
      const names = described.map((column) => column.name)
      context.stdout.write(format === 'csv' ? `${formatCsv(names, [])}\r\n` : '[')
    },
    rows: (rows) => {
      if (format === 'csv') {
        context.stdout.write(`${formatCsv([], rows).replace(/^\r\n/, '')}\r\n`)
        return
      }
      const names = columns.map((column) => column.name)
      for (const row of rows) {
        context.stdout.write(`${first ? '\n' : ',\n'}${jsonRow(names, row).replace(/^/gm, '  ')}`)
        first = false
      }
    },
  })
  context.stdout.write(format === 'csv' ? '' : first ? ']\n' : '\n]\n')
}
