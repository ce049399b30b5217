// materia lineage MODEL.COLUMN: the columns a model's column is computed from (or, with
// --downstream, the columns computed from it), as an indented tree or as nodes and edges (--json).
import { type ColumnLineage, type ColumnRef, columnLineage, loadProject } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.lineage

function key(ref: ColumnRef): string {
  return `${ref.model}.${ref.column}`
}

// One line per column, indented under the column it feeds (upstream) or reads (downstream); a
// column reached twice is printed once and then referred to.
export function lineageText(lineage: ColumnLineage): string {
  const upstream = lineage.direction === 'upstream'
  const next = new Map<string, ColumnRef[]>()
  for (const edge of lineage.edges) {
    const [from, to] = upstream ? [edge.target, edge.source] : [edge.source, edge.target]
    next.set(key(from), [...(next.get(key(from)) ?? []), to])
  }
  const sources = new Set(lineage.columns.filter((column) => !column.isModel).map(key))
  const arrow = upstream ? '<-' : '->'
  const lines = [key(lineage.root)]
  const printed = new Set([key(lineage.root)])
  const visit = (ref: ColumnRef, depth: number) => {
    for (const child of next.get(key(ref)) ?? []) {
      const name = key(child)
      const note = sources.has(name) ? ' (source)' : printed.has(name) ? ' (above)' : ''
      lines.push(`${'  '.repeat(depth)}${arrow} ${name}${note}`)
      if (printed.has(name)) continue
      printed.add(name)
      visit(child, depth + 1)
    }
  }
  visit(lineage.root, 1)
  if (lineage.edges.length === 0)
    lines.push(upstream ? '  (computed from no column)' : '  (no column uses it)')
  return `${lines.join('\n')}\n`
}

export const lineageCommand: Command = {
  name: 'lineage',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['json', 'downstream'], positionals: 1 }, usage)
    const [target] = args.positionals
    if (target === undefined)
      throw new MateriaError('usage', `give one MODEL.COLUMN, e.g. serving.obt.price; usage: ${usage}`)
    const parts = target.split('.')
    if (parts.length !== 3 || parts.some((part) => part === ''))
      throw new MateriaError('usage', `"${target}" is not schema.model.column; usage: ${usage}`)
    const project = await loadProject(resolveProjectRoot(args.options.project, context.cwd), {
      env: context.env,
    })
    const lineage = await columnLineage(project, `${parts[0]}.${parts[1]}`, parts[2]!, {
      direction: args.flags.has('downstream') ? 'downstream' : 'upstream',
    })
    context.stdout.write(
      args.flags.has('json') ? `${JSON.stringify(lineage, null, 2)}\n` : lineageText(lineage),
    )
    return 0
  },
}
