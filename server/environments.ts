// The environment a request works in (cookie `materia_env`, default dev_<user>) and the list the
// navbar offers: prod, the default dev environment, and every environment with views in the file.
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import { listEnvironments as listEngineEnvironments } from '../pipeline/engine/environments.ts'
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
