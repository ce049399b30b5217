// materia table-diff SOURCE:TARGET MODEL [--on cols] [--json]: compares a model between two
// environments (e.g. prod:dev_alice): schema changes, rows only in one side, changed rows on the
// key (default: the model's grain), per-column match and a sample of differences.

import {
  environmentView,
  formatRows,
  formatValue,
  requireEnvironment,
  type TableDiff,
  tableDiff,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { loadCommandProject, modelOrFail, openProjectDatabase } from './project-database.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands['table-diff']

export const tableDiffCommand: Command = {
  name: 'table-diff',
  async run(argv, context) {
    const args = parseArguments(argv, { options: ['on'], flags: ['json'], positionals: 2 }, usage)
    const [environments, modelName] = args.positionals
    if (environments === undefined || modelName === undefined) {
      throw new MateriaError('usage', `give SOURCE:TARGET and one model; usage: ${usage}`)
    }
    const [source, target, more] = environments.split(':')
    if (!source || !target || more !== undefined) {
      throw new MateriaError(
        'usage',
        `"${environments}" is not SOURCE:TARGET (e.g. prod:dev_alice); usage: ${usage}`,
      )
    }
    const project = await loadCommandProject(args.options.project, context)
    const model = modelOrFail(project, modelName, usage)
    const on =
      args.options.on === undefined
        ? [...model.grain]
        : args.options.on
            .split(',')
            .map((c) => c.trim())
            .filter(Boolean)
    if (on.length === 0) throw new MateriaError('usage', `${model.name} has no grain; pass --on col[,col]`)
    const db = await openProjectDatabase(project)
    let diff: TableDiff
    try {
      for (const side of [source, target]) await requireEnvironment(db, side, 'usage')
      diff = await tableDiff(db.connection, {
        source: environmentView(model.schema, model.table, source),
        target: environmentView(model.schema, model.table, target),
        on,
      })
    } finally {
      db.close()
    }
    context.stdout.write(
      args.flags.has('json')
        ? `${JSON.stringify(diff, null, 2)}\n`
        : `${diffText(diff, model.name, source, target)}\n`,
    )
    return 0
  },
}

export function diffText(diff: TableDiff, model: string, source: string, target: string): string {
  const lines = [`${model}: ${source} -> ${target} on (${diff.on.join(', ')})`, '', 'schema:']
  if (diff.schema.added.length + diff.schema.removed.length + diff.schema.changed.length === 0)
    lines.push('  same columns and types')
  for (const c of diff.schema.added) lines.push(`  + ${c.column} ${c.type} (only in ${target})`)
  for (const c of diff.schema.removed) lines.push(`  - ${c.column} ${c.type} (only in ${source})`)
  for (const c of diff.schema.changed) lines.push(`  ~ ${c.column} ${c.sourceType} -> ${c.targetType}`)
  lines.push(
    '',
    'rows:',
    `  ${source}: ${diff.sourceRows}   ${target}: ${diff.targetRows}`,
    `  only in ${source}: ${diff.onlyInSource}   only in ${target}: ${diff.onlyInTarget}`,
    `  matched keys: ${diff.matched}   changed: ${diff.changed}`,
    '',
    'column match (matched keys):',
  )
  for (const c of diff.columns) lines.push(`  ${c.column.padEnd(24)} ${c.matchPct.toFixed(2).padStart(6)} %`)
  if (diff.sample.length > 0) lines.push('', `sample of differences (${diff.sample.length}):`)
  for (const d of diff.sample) {
    if (d.kind === 'changed') {
      const key = Object.values(d.key).map(formatValue).join(', ')
      const changes = d.columns.map(
        (c) => `${c.column}: ${formatValue(c.source)} -> ${formatValue(c.target)}`,
      )
      lines.push(`  ~ (${key}) ${changes.join('; ')}`)
    } else {
      const [header, row] = formatRows([d.row], '')
      lines.push(
        `  ${d.kind === 'only_in_source' ? `- only in ${source}` : `+ only in ${target}`}: ${header ?? ''}`,
        `      ${row ?? ''}`,
      )
    }
  }
  return lines.join('\n')
}
