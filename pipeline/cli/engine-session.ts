// What the engine commands share: load the project, open its gateway's DuckDB file (one instance
// for the whole command), pick the environment.
import { existsSync, mkdirSync } from 'node:fs'
import { userInfo } from 'node:os'
import { dirname } from 'node:path'
import {
  type Database,
  databasePath,
  loadProject,
  loadProjectReport,
  openDatabase,
  type Project,
  queryDirectories,
} from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import { refuseWhileWorkbenchRuns } from '../workbench-lock.ts'
import type { CommandContext } from './command.ts'
import { resolveProjectRoot } from './project-option.ts'

export interface Session {
  readonly project: Project
  readonly db: Database
}

// Loads the project for a command. A command that needs every model (plan, run) refuses a project
// with problems, listing them all; one that works on what loaded (query, test, lint) goes on without
// the broken models and says so in one line.
export async function loadForCommand(
  projectOption: string | undefined,
  context: CommandContext,
  options: { readonly partial?: boolean } = {},
): Promise<Project> {
  const root = resolveProjectRoot(projectOption, context.cwd)
  if (options.partial !== true) return loadProject(root, { env: context.env })
  const { project, problems } = await loadProjectReport(root, { env: context.env })
  if (problems.length > 0) {
    const left = [...(project.unavailable?.keys() ?? [])].sort()
    const models = left.length === 0 ? '' : `; left out: ${left.join(', ')}`
    context.stderr.write(
      `${problems.length} problem(s) in the project${models}; run materia validate for the list\n`,
    )
  }
  return project
}

// `readOnly` sessions (queries) open the file with DuckDB's READ_ONLY access mode and DuckDB's own
// file sandbox: the project and landing folders only. 'when-present' (a dry-run plan) does so when
// the file exists and otherwise creates it read-write, as the plan would: a read-only open takes a
// shared lock beside other readers, and its close writes nothing back (no checkpoint).
export async function openSession(
  projectOption: string | undefined,
  context: CommandContext,
  options: { readonly readOnly?: boolean | 'when-present'; readonly partial?: boolean } = {},
): Promise<Session> {
  const project = await loadForCommand(projectOption, context, options)
  // A running workbench owns the database file: say who, instead of DuckDB's lock error.
  await refuseWhileWorkbenchRuns(project.root, 'this command')
  const path = databasePath(project.config)
  if (options.readOnly === true || (options.readOnly === 'when-present' && existsSync(path))) {
    if (!existsSync(path))
      throw new MateriaError('state', `no database at ${path}; run materia plan prod first to build it`)
    const db = await openDatabase(path, {
      readOnly: true,
      allowedDirectories: queryDirectories(project),
      landingDir: project.config.landingDir,
    })
    return { project, db }
  }
  mkdirSync(dirname(path), { recursive: true })
  return { project, db: await openDatabase(path, { landingDir: project.config.landingDir }) }
}

// MATERIA_ENV, else materia.yaml default_environment, else dev_<user>.
export function defaultEnvironment(project: Project, env: NodeJS.ProcessEnv): string {
  const fromEnv = env.MATERIA_ENV?.trim()
  if (fromEnv !== undefined && fromEnv !== '') return fromEnv
  if (project.config.defaultEnvironment !== null) return project.config.defaultEnvironment
  const user = (env.USER ?? env.USERNAME ?? userInfo().username).toLowerCase().replace(/[^a-z0-9_]/g, '_')
  return `dev_${user || 'local'}`
}

// --start/--end as whole UTC days; --end is inclusive on the command line, exclusive inside.
export function parseDayOption(
  text: string | undefined,
  option: 'start' | 'end',
  usage: string,
): Date | undefined {
  if (text === undefined) return undefined
  const date = new Date(`${text}T00:00:00Z`)
  if (
    !/^\d{4}-\d{2}-\d{2}$/.test(text) ||
    Number.isNaN(date.getTime()) ||
    !date.toISOString().startsWith(text)
  ) {
    throw new MateriaError('usage', `--${option} "${text}" is not a date like 2024-01-31; usage: ${usage}`)
  }
  return option === 'end' ? new Date(date.getTime() + 86_400_000) : date
}

// MATERIA_NOW pins the clock (tests, reproducing a scheduled run); otherwise the real time.
export function clock(env: NodeJS.ProcessEnv): Date {
  const pinned = env.MATERIA_NOW
  if (pinned === undefined || pinned === '') return new Date()
  const date = new Date(pinned)
  if (Number.isNaN(date.getTime()))
    throw new MateriaError('usage', `MATERIA_NOW "${pinned}" is not an ISO time`)
  return date
}
