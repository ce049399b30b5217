// materia dag: the model graph, as layers and edges (text) or nodes and edges (--json).

import { loadProject, type Project } from '../engine/index.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.dag

// Layer of each model: 0 for models reading no model, else one more than its deepest parent.
export function modelLayers(project: Project): Map<string, number> {
  const layers = new Map<string, number>()
  for (const name of project.order) {
    const parents = project.parents.get(name) ?? []
    layers.set(name, parents.length === 0 ? 0 : 1 + Math.max(...parents.map((parent) => layers.get(parent)!)))
  }
  return layers
}

function dagText(project: Project): string {
  const layers = modelLayers(project)
  const lines: string[] = []
  const depth = Math.max(-1, ...layers.values())
  for (let layer = 0; layer <= depth; layer += 1) {
    const names = project.order.filter((name) => layers.get(name) === layer)
    lines.push(`layer ${layer}: ${names.join(', ')}`)
  }
  lines.push('')
  for (const name of project.order) {
    for (const child of project.children.get(name) ?? []) lines.push(`${name} -> ${child}`)
  }
  return `${lines.join('\n')}\n`
}

export const dagCommand: Command = {
  name: 'dag',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['json'] }, usage)
    const project = await loadProject(resolveProjectRoot(args.options.project, context.cwd), {
      env: context.env,
    })
    if (!args.flags.has('json')) {
      context.stdout.write(dagText(project))
      return 0
    }
    const layers = modelLayers(project)
    const nodes = project.order.map((name) => {
      const model = project.models.get(name)!
      return { name, kind: model.kind.name, path: model.path, layer: layers.get(name)! }
    })
    const edges = project.order.flatMap((name) =>
      (project.children.get(name) ?? []).map((child) => ({ from: name, to: child })),
    )
    context.stdout.write(`${JSON.stringify({ nodes, edges }, null, 2)}\n`)
    return 0
  },
}
