// Switching the environment: a cookie read by every page and query; the page then reloads.
import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { MateriaError } from '../../pipeline/errors.ts'
import type { WorkbenchContext } from '../context.ts'
import {
  ensureDevEnvironment,
  environmentCookie,
  isEnvironmentName,
  listEnvironments,
} from '../environments.ts'

export function environmentRoutes(context: WorkbenchContext): Hono {
  const app = new Hono()
  app.post('/environment', async (c) => {
    const form = await c.req.parseBody()
    const name = String(form.environment ?? '')
    if (!isEnvironmentName(name)) {
      throw new MateriaError('usage', `"${name}" is not an environment name; use prod or dev_<name>`)
    }
    // A dev environment chosen before it exists starts as a copy of prod's views.
    await ensureDevEnvironment(context, name)
    setCookie(c, environmentCookie, name, { httpOnly: true, sameSite: 'Strict', path: '/' })
    c.header('HX-Refresh', 'true')
    return c.body(null, 204)
  })
  app.get('/api/environments', async (c) => c.json(await listEnvironments(context)))
  return app
}
