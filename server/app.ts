// The workbench's HTTP app: the security guard in front of everything, then one route group per
// file under routes/. Handlers turn a MateriaError into a 4xx with its one-line message.

import { serveStatic } from '@hono/node-server/serve-static'
import { type Context, Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { escapeHtml } from '../pipeline/dashboards/html.ts'
import { fileSystemProblem, isMateriaError, MateriaError } from '../pipeline/errors.ts'
import { workbenchRequestBytesMax } from '../pipeline/limits.ts'
import type { WorkbenchContext } from './context.ts'
import type { ProdRuns } from './prod-runs.ts'
import { catalogRoutes } from './routes/catalog.ts'
import { dagRoutes } from './routes/dag.ts'
import { dashboardRoutes } from './routes/dashboards.ts'
import { diffRoutes } from './routes/diff.ts'
import { environmentRoutes } from './routes/environment.ts'
import { homeRoutes } from './routes/home.ts'
import { modelToolRoutes } from './routes/model-tools.ts'
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
  app.use('*', async (c, next) => (hasNulByte(c.req.url) ? refuse(c, nulByte, 400) : next()))
  app.use('*', bodyLimit({ maxSize: workbenchRequestBytesMax, onError: (c) => tooLargeReply(c) }))
  app.use(
    '/assets/*',
    serveStatic({
      root: context.rendererDir,
      // The build's .br/.gz copies (renderer/vite.config.ts), by the browser's Accept-Encoding.
      precompressed: true,
      // Every name under assets/ carries a hash of its content: a browser may keep it for good.
      onFound: (_path, c) => c.header('Cache-Control', 'public, max-age=31536000, immutable'),
    }),
  )
  app.use('/logo.svg', serveStatic({ root: context.rendererDir }))
  app.route('/', homeRoutes(context))
  app.route('/', environmentRoutes(context))
  app.route('/', modelRoutes(context))
  app.route('/', modelToolRoutes(context))
  app.route('/', queryRoutes(context))
  app.route('/', dashboardRoutes(context))
  if (prodRuns !== undefined) app.route('/', prodRunRoutes(context, prodRuns))
  app.route('/', planRoutes(context))
  app.route('/', dagRoutes(context))
  app.route('/', catalogRoutes(context))
  app.route('/', diffRoutes(context))
  app.onError((error, c) => answerError(error, c, (text) => process.stderr.write(text)))
  return app
}

// What a failed request answers. A MateriaError is the analyst's to fix (4xx, its one line). The
// machine's file system saying no (a folder where a file should be, no permission, a full disk) is
// told what and where, as the CLI tells it. Anything else is the workbench's own failure: the page
// still gets one line instead of an empty 500, and the stack goes to the terminal that runs it.
export function answerError(error: Error, c: Context, log: (text: string) => void): Response {
  if (isMateriaError(error)) return refuse(c, error, error.code === 'lock' ? 409 : 400)
  const problem = fileSystemProblem(error)
  if (problem !== null) return refuse(c, new MateriaError('workbench', problem), 500)
  const where = `${c.req.method} ${c.req.path}`
  log(`materia workbench: ${where} failed: ${error.stack ?? error.message}\n`)
  const first = error.message.split('\n')[0] ?? ''
  return refuse(
    c,
    new MateriaError(
      'workbench',
      `${where} failed: ${first} (the terminal running the workbench has the details)`,
    ),
    500,
  )
}

const tooLarge = new MateriaError(
  'limit',
  `request body over ${workbenchRequestBytesMax} bytes (workbenchRequestBytesMax); send less`,
)

const nulByte = new MateriaError('workbench', 'a NUL byte in the request URL is never valid; remove it')

// A NUL byte, raw or percent-encoded, anywhere in the path or query: no file name or value holds one,
// and file APIs throw on it.
function hasNulByte(url: string): boolean {
  return url.includes('\0') || /%00/i.test(url)
}

// The unread rest of the body is still on the connection: close it after the answer, so a client
// does not send its next request down a socket the server is about to drop.
function tooLargeReply(c: Context): Response {
  c.header('Connection', 'close')
  return refuse(c, tooLarge, 413)
}

// A refused request: an htmx alert fragment, or JSON for API callers.
function refuse(c: Context, error: MateriaError, status: 400 | 409 | 413 | 500): Response {
  if (c.req.header('hx-request') === 'true') {
    return c.html(
      `<div role="alert" class="alert alert-error" data-error>${escapeHtml(error.message)}</div>`,
      status,
    )
  }
  return c.json({ error: error.message, code: error.code }, status)
}
