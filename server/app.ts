// The workbench's HTTP app: the security guard in front of everything, then one route group per
// file under routes/. Handlers turn a MateriaError into a 4xx with its one-line message.

import { serveStatic } from '@hono/node-server/serve-static'
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { isMateriaError } from '../pipeline/errors.ts'
import { workbenchRequestBytesMax } from '../pipeline/limits.ts'
import type { WorkbenchContext } from './context.ts'
import { escapeHtml } from './html.ts'
import type { ProdRuns } from './prod-runs.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { dagRoutes } from './routes/dag.ts'
import { dashboardRoutes } from './routes/dashboards.ts'
import { diffRoutes } from './routes/diff.ts'
import { environmentRoutes } from './routes/environment.ts'
import { homeRoutes } from './routes/home.ts'
import { modelRoutes } from './routes/models.ts'
import { planRoutes } from './routes/plan.ts'
import { prodRunRoutes } from './routes/prod-run.ts'
import { queryRoutes } from './routes/query.ts'
import { guard } from './security.ts'

export function createApp(
  context: WorkbenchContext,
  security: { token: string; port: () => number },
  prodRuns?: ProdRuns,
): Hono {
  const app = new Hono()
  app.use('*', guard(security))
  app.use('*', bodyLimit({ maxSize: workbenchRequestBytesMax }))
  app.use('/assets/*', serveStatic({ root: context.rendererDir }))
  app.use('/logo.svg', serveStatic({ root: context.rendererDir }))
  app.route('/', homeRoutes(context))
  app.route('/', environmentRoutes(context))
  app.route('/', modelRoutes(context))
  app.route('/', queryRoutes(context))
  app.route('/', dashboardRoutes(context))
  if (prodRuns !== undefined) app.route('/', prodRunRoutes(context, prodRuns))
  app.route('/', planRoutes(context))
  app.route('/', dagRoutes(context))
  app.route('/', catalogRoutes(context))
  app.route('/', diffRoutes(context))
  app.onError((error, c) => {
    if (isMateriaError(error)) {
      const status = error.code === 'lock' ? 409 : 400
      if (c.req.header('hx-request') === 'true') {
        return c.html(
          `<div role="alert" class="alert alert-error" data-error>${escapeHtml(error.message)}</div>`,
          status,
        )
      }
      return c.json({ error: error.message, code: error.code }, status)
    }
    throw error
  })
  return app
}
