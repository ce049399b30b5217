// startWorkbench: opens the project's database, starts the HTTP server on 127.0.0.1 (port 0 = a
// random free port), writes the workbench lock and returns the URL to open (token included).
// `materia workbench`, Electron's main process, `npm start` and the tests all start it this way.
import { randomBytes } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import { serve } from '@hono/node-server'
import { removeWorkbenchLock, writeWorkbenchLock } from '../pipeline/workbench-lock.ts'
import { createApp } from './app.ts'
import { closeContext, createContext, type WorkbenchContext } from './context.ts'
import { ProdRuns } from './prod-runs.ts'

export const loopbackHost = '127.0.0.1'

export interface WorkbenchOptions {
  readonly projectRoot: string // absolute path of the folder with materia.yaml
  readonly port?: number // 0 or undefined: a random free port
  readonly rendererDir?: string // the built renderer (default: <repo>/out/renderer)
  readonly env?: NodeJS.ProcessEnv
}

export interface Workbench {
  readonly url: string // with ?token=, the one URL to open
  readonly baseUrl: string
  readonly port: number
  readonly token: string
  readonly context: WorkbenchContext
  close(): Promise<void>
}

export const defaultRendererDir = fileURLToPath(new URL('../out/renderer', import.meta.url))

export async function startWorkbench(options: WorkbenchOptions): Promise<Workbench> {
  const token = randomBytes(24).toString('base64url')
  const context = await createContext({
    root: options.projectRoot,
    rendererDir: options.rendererDir ?? defaultRendererDir,
    env: options.env ?? process.env,
  })
  let port = 0
  const prodRuns = new ProdRuns(options.projectRoot, options.env ?? process.env)
  const app = createApp(context, { token, port: () => port }, prodRuns)
  // Requests still being answered. Closing the sockets does not stop a handler whose query is queued
  // in DuckDB; closing the database under it frees the connection the query runs on (a crash in
  // ClientContext::LockContext). close() waits for them first.
  const answering = new Set<Promise<unknown>>()
  const fetch: typeof app.fetch = (request, ...rest) => {
    const answer = Promise.resolve(app.fetch(request, ...rest))
    answering.add(answer)
    const done = () => answering.delete(answer)
    answer.then(done, done)
    return answer
  }
  let server: ReturnType<typeof serve>
  try {
    server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
      const started = serve({ fetch, hostname: loopbackHost, port: options.port ?? 0 }, () =>
        resolve(started),
      )
      started.once('error', reject)
    })
  } catch (error) {
    closeContext(context)
    throw error
  }
  port = (server.address() as AddressInfo).port
  const baseUrl = `http://${loopbackHost}:${port}`
  try {
    await writeWorkbenchLock(options.projectRoot, {
      pid: process.pid,
      port,
      token,
      url: baseUrl,
      startedAt: new Date().toISOString(),
    })
  } catch (error) {
    server.close()
    closeContext(context)
    throw error
  }
  return {
    url: `${baseUrl}/?token=${token}`,
    baseUrl,
    port,
    token,
    context,
    async close() {
      // Runs in prod are interrupted and destroy their workers before the server goes.
      await prodRuns.close()
      await new Promise<void>((resolve) => {
        server.close(() => resolve())
        // Keep-alive connections (SSE, an open browser tab) would hold close() open forever.
        ;(server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.()
      })
      for (const runId of context.queries.runningIds()) context.queries.cancel(runId)
      await Promise.allSettled([...answering])
      await context.applyJobs.settle()
      await removeWorkbenchLock(options.projectRoot)
      closeContext(context)
    },
  }
}
