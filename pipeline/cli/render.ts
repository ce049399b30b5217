// materia render MODEL: the model's query as it would run, macros expanded and model references
// rewritten to an environment's views (prod by default).

import { relative } from 'node:path'
import {
  environmentView,
  loadProject,
  renderModelQuery,
  seedFilePath,
  validateEnvironmentName,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.render
const dayMs = 86_400_000

function parseDay(text: string, option: string): Date {
  const date = new Date(`${text}T00:00:00Z`)
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(date.getTime()) ||
    !date.toISOString().startsWith(text)
  ) {
    throw new MateriaError('usage', `--${option} "${text}" is not a date like 2024-01-31; usage: ${usage}`)
  }
  return date
}

export const renderCommand: Command = {
  name: 'render',
  async run(argv, context) {
    const args = parseArguments(argv, { options: ['start', 'end', 'env'], positionals: 1 }, usage)
    const [modelName] = args.positionals
    if (modelName === undefined) throw new MateriaError('usage', `give one model name; usage: ${usage}`)
    if (args.options.env !== undefined) validateEnvironmentName(args.options.env)
    const project = await loadProject(resolveProjectRoot(args.options.project, context.cwd), {
      env: context.env,
    })
    const name = modelName.toLowerCase()
    if (!project.models.has(name)) {
      throw new MateriaError('usage', `unknown model ${modelName}; run materia dag for the list`)
    }
    const today = new Date(Math.floor(Date.now() / dayMs) * dayMs)
    const start =
      args.options.start === undefined
        ? new Date(today.getTime() - dayMs)
        : parseDay(args.options.start, 'start')
    const lastDay = args.options.end === undefined ? start : parseDay(args.options.end, 'end')
    const end = new Date(lastDay.getTime() + dayMs)
    if (end.getTime() <= start.getTime()) throw new MateriaError('usage', '--end is before --start')
    const environment = args.options.env ?? 'prod'
    const resolveTable = (reference: string) => {
      const model = project.models.get(reference)
      if (model === undefined) return null
      return environmentView(model.schema, model.table, environment)
    }
    const model = project.models.get(name)!
    const seedPath = seedFilePath(project.root, model)
    if (seedPath !== null) {
      context.stdout.write(
        `-- ${name} is a SEED model: its rows come from ${relative(context.cwd, seedPath)}\n`,
      )
      return 0
    }
    const sql = await renderModelQuery(project, name, { start, end, executionTime: new Date(), resolveTable })
    context.stdout.write(`${sql}\n`)
    return 0
  },
}
