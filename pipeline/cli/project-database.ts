// Opening what the tool commands work on: the loaded project, and its gateway's DuckDB file (which
// must already exist: audit and table-diff read environments a plan has built, never create one).
// The environment default is engine-session's (MATERIA_ENV, default_environment, dev_<user>).
import { existsSync } from 'node:fs'
import { type Database, databasePath, openDatabase, type Project } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import type { CommandContext } from './command.ts'
import { loadForCommand } from './engine-session.ts'

export async function loadCommandProject(
  projectOption: string | undefined,
  context: CommandContext,
  options: { readonly partial?: boolean } = {},
): Promise<Project> {
  return loadForCommand(projectOption, context, options)
}

// Read-only (DuckDB's READ_ONLY access mode): audit and table-diff only read, so they take a shared
// lock beside other readers, and closing writes nothing back (no checkpoint). Their scratch tables
// are TEMP tables, which DuckDB keeps in memory and allows on a read-only file.
export async function openProjectDatabase(project: Project): Promise<Database> {
  const path = databasePath(project.config)
  if (!existsSync(path)) {
    throw new MateriaError('state', `no database at ${path}; run materia plan first to build an environment`)
  }
  return openDatabase(path, { readOnly: true, landingDir: project.config.landingDir })
}

export function modelOrFail(project: Project, name: string, usage: string) {
  const model = project.models.get(name.toLowerCase())
  const reason = project.unavailable?.get(name.toLowerCase())
  if (model === undefined && reason !== undefined)
    throw new MateriaError('usage', `model ${name} cannot load: ${reason}`)
  if (model === undefined)
    throw new MateriaError('usage', `unknown model ${name}; run materia dag for the list; usage: ${usage}`)
  return model
}
