// materia init [DIR] [--from-sqlmesh PATH]: a new project in DIR (default: the current folder), or
// one read from a SQLMesh project's config.yaml (DIR defaults to that project, whose models/, tests/,
// audits/ and seeds/ stay as they are). Never overwrites an existing materia.yaml.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { convertSqlmeshConfig, projectName } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.init

const exampleModel = `MODEL (
  name example.full_model,
  kind FULL,
  grain item_id,
  description 'One row per item: a first model to replace'
);

SELECT
  1::INT AS item_id,
  'first'::TEXT AS item_name
`

function sqlmeshConfig(from: string): { text: string; path: string } {
  for (const file of ['config.yaml', 'config.yml']) {
    const path = join(from, file)
    if (existsSync(path)) return { text: readFileSync(path, 'utf8'), path }
  }
  if (existsSync(join(from, 'config.py'))) {
    throw new MateriaError(
      'usage',
      `${join(from, 'config.py')} is a Python configuration; write it as config.yaml (SQLMesh reads both) or run materia init without --from-sqlmesh and edit materia.yaml`,
    )
  }
  throw new MateriaError(
    'usage',
    `no config.yaml in ${from}; point --from-sqlmesh at the SQLMesh project folder`,
  )
}

export const initCommand: Command = {
  name: 'init',
  async run(argv, context) {
    const args = parseArguments(
      argv,
      { options: ['from-sqlmesh'], positionals: 1, tooMany: 'give at most one DIR' },
      usage,
    )
    if (args.options.project !== undefined)
      throw new MateriaError('usage', `give the new project's folder as DIR, not --project; usage: ${usage}`)
    const from = args.options['from-sqlmesh']
    // The project folder, or its config.yaml named directly.
    const given = from === undefined ? null : resolve(context.cwd, from)
    const fromPath = given !== null && /^config\.ya?ml$/.test(basename(given)) ? dirname(given) : given
    const target = resolve(context.cwd, args.positionals[0] ?? fromPath ?? '.')
    const configPath = join(target, 'materia.yaml')
    if (existsSync(configPath))
      throw new MateriaError('usage', `${configPath} exists already; edit it, or init another folder`)
    if (fromPath !== null) {
      // Read and converted before anything is written: a bad source leaves no folder behind.
      const source = sqlmeshConfig(fromPath)
      const converted = convertSqlmeshConfig(source.text, source.path, projectName(fromPath))
      mkdirSync(target, { recursive: true })
      writeFileSync(configPath, converted.text)
      for (const note of converted.notes) context.stderr.write(`note: ${note}\n`)
      context.stdout.write(
        `wrote ${configPath} from ${source.path}; run materia validate to check the models\n`,
      )
      return 0
    }
    mkdirSync(target, { recursive: true })
    writeFileSync(
      configPath,
      `name: ${projectName(target)}\nmodel_defaults:\n  start: '${new Date().toISOString().slice(0, 10)}'\n  cron: '@daily'\n`,
    )
    for (const folder of ['models/example', 'tests', 'audits', 'seeds'])
      mkdirSync(join(target, folder), { recursive: true })
    writeFileSync(join(target, 'models/example/full_model.sql'), exampleModel)
    context.stdout.write(`wrote ${configPath} and models/example/full_model.sql; run materia plan dev\n`)
    return 0
  },
}
