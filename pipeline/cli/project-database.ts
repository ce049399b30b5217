// Opening what the tool commands work on: the loaded project, and its gateway's DuckDB file (which
// must already exist: audit and table-diff read environments a plan has built, never create one).
// The environment default is engine-session's (MATERIA_ENV, default_environment, dev_<user>).
import { existsSync } from 'node:fs'
import {
  type Database,
  databasePath,
  environmentSchema,
  openDatabase,
  type Project,
  quoteIdentifier,
} from '../engine/index.ts'
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

export async function openProjectDatabase(project: Project): Promise<Database> {
  const path = databasePath(project.config)
  if (!existsSync(path)) {
    throw new MateriaError('state', `no database at ${path}; run materia plan first to build an environment`)
  }
  return openDatabase(path, { landingDir: project.config.landingDir })
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

// An environment's view of a model, quoted: "schema"."table" for prod, "schema__env"."table" otherwise.
export function environmentView(schema: string, table: string, environment: string): string {
  return `${quoteIdentifier(environmentSchema(schema, environment))}.${quoteIdentifier(table)}`
}
