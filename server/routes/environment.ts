// Switching the environment: a cookie read by every page and query; the page then reloads.
import { Hono } from 'hono'
import { setCookie } from 'hono/cookie'
import { invalidateEnvironment } from '../../pipeline/engine/index.ts'
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
  // A new dev environment: a zero-cost copy of prod's views, then the page shows it.
  app.post('/environment/create', async (c) => {
    const form = await c.req.parseBody()
    const name = String(form.name ?? '').trim()
    if (!/^dev_[a-z0-9_]{1,59}$/.test(name)) {
      throw new MateriaError(
        'usage',
        `"${name}" is not a dev environment name; use dev_ then lower-case letters, digits or _`,
      )
    }
    if ((await listEnvironments(context)).includes(name) && name !== context.defaultEnvironment) {
      throw new MateriaError('usage', `environment ${name} already exists; choose it in the env list`)
    }
    if (!(await ensureDevEnvironment(context, name)) && name !== context.defaultEnvironment) {
      throw new MateriaError(
        'usage',
        `cannot create ${name}: prod has not been applied yet; run materia plan prod first`,
      )
    }
    setCookie(c, environmentCookie, name, { httpOnly: true, sameSite: 'Strict', path: '/' })
    c.header('HX-Refresh', 'true')
    return c.body(null, 204)
  })

  // Dropping a dev environment removes its views (the engine's invalidateEnvironment); the janitor
  // later removes tables nothing else shows. prod and the workbench's own default stay.
  app.post('/environment/drop', async (c) => {
    const form = await c.req.parseBody()
    const name = String(form.name ?? '')
    if (name === 'prod' || name === context.defaultEnvironment) {
      throw new MateriaError(
        'usage',
        `${name} cannot be dropped from the workbench; it is ${name === 'prod' ? 'what dashboards read' : 'the default environment'}`,
      )
    }
    await invalidateEnvironment(context.db, name)
    setCookie(c, environmentCookie, context.defaultEnvironment, {
      httpOnly: true,
      sameSite: 'Strict',
      path: '/',
    })
    c.header('HX-Refresh', 'true')
    return c.body(null, 204)
  })

  app.get('/api/environments', async (c) => c.json(await listEnvironments(context)))
  return app
}
