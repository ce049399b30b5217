// materia create-test MODEL --query UPSTREAM "SQL" [--query ...] [--var NAME VALUE ...] [--env ENV]:
// writes tests/test_<model>.yaml from live rows, as SQLMesh's create_test does (tests.md,
// "Automatic test generation"): each --query selects an upstream model's input rows from the
// environment; the expected output is the model's query run over exactly those rows.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { parseArgs } from 'node:util'
import { stringify } from 'yaml'
import { type Fixture, modelOutputRows, rewriteForEnvironment, type UnitTest } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { defaultEnvironment } from './engine-session.ts'
import { loadCommandProject, modelOrFail, openProjectDatabase } from './project-database.ts'

const { usage } = commands['create-test']

interface CreateTestArguments {
  readonly model: string
  readonly queries: [string, string][]
  readonly vars: Record<string, string>
  readonly options: Record<string, string>
}

// --query and --var take two values each (a name, then SQL or a value), which parseArgs cannot
// declare: they are flags to it, and the two arguments after one are taken here as they are (SQL
// may start with a -- comment). Every other argument goes through parseArgs' tokens.
function parseCreateTestArguments(argv: readonly string[]): CreateTestArguments {
  const { tokens } = parseArgs({
    args: [...argv],
    options: {
      query: { type: 'boolean' },
      var: { type: 'boolean' },
      env: { type: 'string' },
      name: { type: 'string' },
      project: { type: 'string' },
    },
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  const positionals: string[] = []
  const queries: [string, string][] = []
  const vars: Record<string, string> = {}
  const options: Record<string, string> = {}
  let takenThrough = -1 // the last argv index already taken as a value or a positional
  for (const token of tokens) {
    if (token.index <= takenThrough) continue
    const argument = argv[token.index]!
    if (token.kind === 'positional' || (token.kind === 'option' && !token.rawName.startsWith('--'))) {
      positionals.push(argument)
      takenThrough = token.index
    } else if (
      token.kind === 'option' &&
      !token.inlineValue &&
      (token.name === 'query' || token.name === 'var')
    ) {
      const [name, value] = [argv[token.index + 1], argv[token.index + 2]]
      if (name === undefined || value === undefined)
        throw new MateriaError('usage', `${argument} takes a name and a value; usage: ${usage}`)
      if (token.name === 'query') queries.push([name.toLowerCase(), value])
      else vars[name] = value
      takenThrough = token.index + 2
    } else if (
      token.kind === 'option' &&
      !token.inlineValue &&
      ['env', 'name', 'project'].includes(token.name)
    ) {
      if (token.value === undefined)
        throw new MateriaError('usage', `${argument} needs a value; usage: ${usage}`)
      options[token.name] = token.value
    } else {
      throw new MateriaError('usage', `unknown option ${argument}; usage: ${usage}`)
    }
  }
  if (positionals.length !== 1) throw new MateriaError('usage', `give one model; usage: ${usage}`)
  if (queries.length === 0) throw new MateriaError('usage', `give at least one --query; usage: ${usage}`)
  return { model: positionals[0]!, queries, vars, options }
}

export const createTestCommand: Command = {
  name: 'create-test',
  async run(argv, context) {
    const args = parseCreateTestArguments(argv)
    const project = await loadCommandProject(args.options.project, context)
    const model = modelOrFail(project, args.model, usage)
    const parents = project.parents.get(model.name) ?? []
    for (const [upstream] of args.queries) {
      if (!parents.includes(upstream) && upstream !== model.name)
        throw new MateriaError(
          'usage',
          `--query ${upstream}: ${model.name} does not read it (it reads ${parents.join(', ') || 'no model'})`,
        )
    }
    const environment = args.options.env ?? defaultEnvironment(project, context.env)
    const name = args.options.name ?? `test_${model.table}`
    const file = join(project.root, 'tests', `${name}.yaml`)
    if (existsSync(file))
      throw new MateriaError(
        'usage',
        `${relative(context.cwd, file)} exists; pass --name for another test or remove it`,
      )
    const inputs = new Map<string, Fixture>()
    const db = await openProjectDatabase(project)
    try {
      for (const [upstream, sql] of args.queries) {
        const rewritten = await rewriteForEnvironment(project, sql, environment)
        const reader = await db.connection.runAndReadAll(rewritten).catch((error: unknown) => {
          const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
          throw new MateriaError('usage', `--query ${upstream} failed in ${environment}: ${message}`)
        })
        inputs.set(upstream, { kind: 'rows', rows: reader.getRowObjectsJson() as Record<string, unknown>[] })
      }
    } finally {
      db.close()
    }
    const test: UnitTest = {
      name,
      path: `tests/${name}.yaml`,
      line: 1,
      model: model.name,
      inputs,
      query: null,
      ctes: new Map(),
      vars: args.vars,
    }
    const outputs = await modelOutputRows(project, test)
    const document = {
      [name]: {
        model: model.name,
        inputs: Object.fromEntries(
          [...inputs].map(([upstream, fixture]) => [upstream, fixture.kind === 'rows' ? fixture.rows : []]),
        ),
        outputs: { query: outputs },
        ...(Object.keys(args.vars).length === 0 ? {} : { vars: args.vars }),
      },
    }
    mkdirSync(join(project.root, 'tests'), { recursive: true })
    writeFileSync(file, stringify(document))
    context.stdout.write(`wrote ${relative(context.cwd, file)}: ${outputs.length} expected rows\n`)
    return 0
  },
}
