// The environment a request works in (cookie `materia_env`, default dev_<user>) and the list the
// navbar offers: prod, the default dev environment, and every environment with views in the file.
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import {
  applyPlan,
  listEnvironments as listEngineEnvironments,
  planEnvironmentCopy,
  readState,
  rewriteForEnvironment,
} from '../pipeline/engine/index.ts'
import { MateriaError } from '../pipeline/errors.ts'
import type { WorkbenchContext } from './context.ts'

export const environmentCookie = 'materia_env'
// The engine accepts any lower-case name; the workbench offers prod and the dev_ environments.
const environmentPattern = /^(prod|[a-z][a-z0-9_]{0,62})$/

export function isEnvironmentName(name: string): boolean {
  return environmentPattern.test(name)
}

export function currentEnvironment(c: Context, context: WorkbenchContext): string {
  const chosen = getCookie(c, environmentCookie) ?? ''
  return isEnvironmentName(chosen) ? chosen : context.defaultEnvironment
}

export async function listEnvironments(context: WorkbenchContext): Promise<string[]> {
  const found = (await listEngineEnvironments(context.db)).filter((environment) => !environment.expired)
  const all = new Set(['prod', context.defaultEnvironment, ...found.map((environment) => environment.name)])
  return [...all].sort((left, right) =>
    left === 'prod' ? -1 : right === 'prod' ? 1 : left.localeCompare(right),
  )
}

// A dev environment the workbench opens on that does not exist yet starts as a zero-cost copy of
// prod's views (the engine's planEnvironmentCopy, applied like any plan), so the first query and
// every page read data at once. Nothing happens when prod was never applied or the project does
// not load; then the pages say what to do. Returns whether the environment was created.
export async function ensureDevEnvironment(context: WorkbenchContext, name: string): Promise<boolean> {
  if (name === 'prod' || context.project === null) return false
  const state = await readState(context.db)
  const existing = state.environments.get(name)
  const live = existing !== undefined && (existing.expiresAtMs === null || existing.expiresAtMs > Date.now())
  if (live || !state.environments.has('prod')) return false
  const plan = await planEnvironmentCopy(context.db, context.project, { source: 'prod', target: name })
  await applyPlan(context.db, context.project, plan)
  return true
}

// The engine's rewrite of model names to an environment's views, for SQL typed in the workbench.
// Without a loaded project the names cannot be known: prod needs none, a dev environment refuses.
export function environmentRewrite(
  context: WorkbenchContext,
  environment: string,
): (sql: string) => Promise<string> {
  const project = context.project
  if (environment === 'prod') return async (sql) => sql
  if (project === null) {
    return async () => {
      throw new MateriaError(
        'query',
        `the project does not load, so model names cannot be mapped to ${environment}: ${context.index.loadError ?? 'unknown error'}`,
      )
    }
  }
  return (sql) => rewriteForEnvironment(project, sql, environment)
}
