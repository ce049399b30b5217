// The environment a request works in (cookie `materia_env`, default dev_<user>) and the list the
// navbar offers: prod, the default dev environment, and every environment with views in the file.
import type { Context } from 'hono'
import { getCookie } from 'hono/cookie'
import type { WorkbenchContext } from './context.ts'

export const environmentCookie = 'materia_env'
const environmentPattern = /^(prod|dev_[a-z0-9_]{1,60})$/

export function isEnvironmentName(name: string): boolean {
  return environmentPattern.test(name)
}

export function currentEnvironment(c: Context, context: WorkbenchContext): string {
  const chosen = getCookie(c, environmentCookie) ?? ''
  return isEnvironmentName(chosen) ? chosen : context.defaultEnvironment
}

export async function listEnvironments(context: WorkbenchContext): Promise<string[]> {
  const reader = await context.connection.runAndReadAll(
    `SELECT DISTINCT split_part(schema_name, '__', 2) FROM duckdb_schemas()
     WHERE database_name = current_database() AND schema_name LIKE '%\\_\\_%' ESCAPE '\\'
       AND schema_name NOT LIKE 'materia\\_\\_%' ESCAPE '\\'`,
  )
  const found = reader.getRowsJson().map((row) => String(row[0]))
  const all = new Set(['prod', context.defaultEnvironment, ...found.filter(isEnvironmentName)])
  return [...all].sort((left, right) =>
    left === 'prod' ? -1 : right === 'prod' ? 1 : left.localeCompare(right),
  )
}
