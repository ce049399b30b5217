// materia format [--check] [FILES]: formats model files (all of models/ by default). --check writes
// nothing and exits 1 naming each file that would change. A file is only written after DuckDB
// confirms the formatted query parses to the same tree as before.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { isAbsolute, join, relative, resolve } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { formatModelFile, projectConfigMissing, sameQuery, splitModelFile } from '../engine/index.ts'
import { isMateriaError, MateriaError } from '../errors.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.format

// Files inside the project print relative to it (models/x.sql); others as their absolute path.
function shownPath(root: string, path: string): string {
  const inside = relative(root, path)
  return inside.startsWith('..') || isAbsolute(inside) ? path : inside
}

function modelFiles(root: string): string[] {
  if (!existsSync(join(root, 'materia.yaml'))) throw projectConfigMissing(root)
  const folder = join(root, 'models')
  if (!existsSync(folder))
    throw new MateriaError('usage', `${folder} does not exist; give --project DIR or files to format`)
  const entries = readdirSync(folder, { recursive: true, encoding: 'utf8' })
  return entries
    .filter((entry) => entry.endsWith('.sql'))
    .map((entry) => join(folder, entry))
    .sort()
}

function formatted(path: string, shown: string): { before: string; after: string } {
  let before: string
  try {
    before = readFileSync(path, 'utf8')
  } catch {
    throw new MateriaError('usage', `${shown}: cannot read the file; check the path`)
  }
  return { before, after: formatModelFile(before, shown) }
}

export const formatCommand: Command = {
  name: 'format',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['check'], positionals: Number.POSITIVE_INFINITY }, usage)
    const root = resolveProjectRoot(args.options.project, context.cwd)
    const files =
      args.positionals.length > 0
        ? args.positionals.map((file) => resolve(context.cwd, file))
        : modelFiles(root)
    // Every file is read and formatted; one the formatter cannot parse is reported with the others
    // at the end and left as it is, and the rest are still checked or formatted.
    const problems: string[] = []
    const changed = files
      .map((path) => ({ path, shown: shownPath(root, path) }))
      .flatMap((file) => {
        try {
          return [{ ...file, ...formatted(file.path, file.shown) }]
        } catch (error) {
          if (!isMateriaError(error) || error.code !== 'model') throw error
          problems.push(error.message)
          return []
        }
      })
      .filter((file) => file.before !== file.after)
    const unformattable = () =>
      new MateriaError(
        'model',
        `${problems.join('\n')}\n${problems.length} of ${files.length} files cannot be formatted; fix them, then format again`,
      )
    if (args.flags.has('check')) {
      for (const file of changed) context.stdout.write(`would reformat ${file.shown}\n`)
      context.stdout.write(`${changed.length} of ${files.length} files would be reformatted\n`)
      if (problems.length > 0) throw unformattable()
      return changed.length === 0 ? 0 : 1
    }
    const instance = await DuckDBInstance.create(':memory:')
    const connection = await instance.connect()
    try {
      // Every file is checked before any is written, so a refusal leaves all of them as they were.
      for (const file of changed) {
        const same = await sameQuery(
          connection,
          splitModelFile(file.before).query,
          splitModelFile(file.after).query,
        )
        if (!same) {
          throw new MateriaError(
            'model',
            `${file.shown}: formatting would change what the query means; no file written`,
          )
        }
      }
    } finally {
      connection.closeSync()
      instance.closeSync()
    }
    for (const file of changed) {
      writeFileSync(file.path, file.after)
      context.stdout.write(`formatted ${file.shown}\n`)
    }
    context.stdout.write(`${changed.length} of ${files.length} files reformatted\n`)
    if (problems.length > 0) throw unformattable()
    return 0
  },
}
