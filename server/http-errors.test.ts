// Goal: malformed requests get a 4xx that says what was wrong, never a 500: a body over
// workbenchRequestBytesMax is 413 (declared by Content-Length or streamed in chunks), a NUL byte in
// the path or in a query value is 400, a table, result or position that does not exist is 400 with
// what was wrong, a failure of the workbench's own is one line (its stack logged), and the server
// keeps answering afterwards.
// Method: the real workbench in-process on port 0 over a temporary project, raw node:http requests
// (fetch would refuse to send some of these).

import { mkdirSync } from 'node:fs'
import { request } from 'node:http'
import { join } from 'node:path'
import { Hono } from 'hono'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { workbenchRequestBytesMax } from '../pipeline/limits.ts'
import { answerError } from './app.ts'
import { tokenCookieName } from './security.ts'
import { createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench

interface Reply {
  readonly status: number
  readonly body: string
}

// Sends `body` as one piece with Content-Length, or in 64 KiB chunks without it (chunked encoding),
// stopping once the server has answered (it may answer 413 and close before the body ends).
function send(options: { path: string; method?: string; body?: Buffer; chunked?: boolean }): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {
      host: `127.0.0.1:${workbench.port}`,
      cookie: `${tokenCookieName(workbench.port)}=${workbench.token}`,
      origin: `http://127.0.0.1:${workbench.port}`,
      'content-type': 'application/json',
    }
    if (options.body !== undefined && options.chunked !== true)
      headers['content-length'] = String(options.body.length)
    let answered = false
    const outgoing = request(
      {
        host: '127.0.0.1',
        port: workbench.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers,
      },
      (incoming) => {
        answered = true
        let body = ''
        incoming.setEncoding('utf8')
        incoming.on('data', (chunk: string) => {
          body += chunk
        })
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, body }))
      },
    )
    outgoing.on('error', (error: NodeJS.ErrnoException) => {
      if (!answered) reject(error)
    })
    const body = options.body
    if (body === undefined) outgoing.end()
    else if (options.chunked !== true) outgoing.end(body)
    else {
      const writeFrom = (at: number): void => {
        if (answered || at >= body.length) {
          outgoing.end()
          return
        }
        outgoing.write(body.subarray(at, at + 65_536), () => setImmediate(() => writeFrom(at + 65_536)))
      }
      writeFrom(0)
    }
  })
}

beforeAll(async () => {
  project = createFixtureProject()
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
})

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('workbench HTTP errors', () => {
  const oversized = Buffer.from(JSON.stringify({ sql: `SELECT '${'x'.repeat(workbenchRequestBytesMax)}'` }))

  it('answers 413 to a body over the limit, whether declared or streamed', async () => {
    for (const path of ['/api/format', '/api/diagnostics', '/environment']) {
      for (const chunked of [false, true]) {
        const reply = await send({ path, method: 'POST', body: oversized, chunked })
        expect(reply.status, `${path} chunked=${chunked}`).toBe(413)
        expect(reply.body).toMatch(/request body over 2000000 bytes/)
      }
    }
  })

  it('answers 400 to a NUL byte in the path or a query value', async () => {
    for (const path of [
      '/api/file%00',
      '/models/%00/x',
      '/api/file?path=models%00.sql',
      '/%00',
      '/assets/%00.js',
    ]) {
      const reply = await send({ path })
      expect(reply.status, path).toBe(400)
      expect(reply.body, path).toMatch(/^{"error":"a NUL byte in the request URL is never valid; remove it"/)
    }
  })

  it('answers a file-system failure with what failed and where, not a bare 500', async () => {
    // A folder named as a model file: the path passes the workbench's checks, the read fails.
    const folder = join(project.root, 'models', 'serving', 'folder.sql')
    mkdirSync(folder)
    const reply = await send({ path: '/api/file?path=models/serving/folder.sql' })
    expect(reply.status).toBe(500)
    expect(JSON.parse(reply.body)).toEqual({
      error: 'read failed: it is a folder (EISDIR); check the path and its permissions',
      code: 'workbench',
    })
  })

  it('answers a table, result id or position that does not exist with what was wrong, not a 500', async () => {
    const cases: [string, string][] = [
      [
        '/catalog/table?name=serving.nope',
        "no table or view serving.nope in the project's database; choose one in the catalog",
      ],
      ['/api/query/nope/rows', '"nope" is not a result id; run the query again'],
      ['/api/query/1.5/summary', '"1.5" is not a result id; run the query again'],
      ['/api/query/99999/rows', 'result 99999 is no longer cached; run the query again'],
      ['/api/query/1/rows?offset=-1', 'offset "-1" is not a whole number (0 or more)'],
      ['/api/query/1/rows?limit=0', 'limit must be 1 or more'],
      ['/api/query/1/page?page=-1', 'page "-1" is not a whole number (0 or more)'],
      ['/api/query/1/page?size=x', 'size "x" is not a whole number (0 or more)'],
      ['/query/export/x?format=csv', '"x" is not a result id; run the query again'],
    ]
    for (const [path, error] of cases) {
      const reply = await send({ path })
      expect({ status: reply.status, body: JSON.parse(reply.body) as unknown }, path).toEqual({
        status: 400,
        body: { error, code: expect.any(String) },
      })
    }
  })

  it('answers a failure of its own with one line, and logs the stack', async () => {
    const app = new Hono()
    app.get('/models/panel', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'columns')\nsecond line")
    })
    const logged: string[] = []
    app.onError((error, c) => answerError(error, c, (text) => logged.push(text)))
    const reply = await app.request('/models/panel?path=x')
    expect(reply.status).toBe(500)
    expect(await reply.json()).toEqual({
      error:
        "GET /models/panel failed: Cannot read properties of undefined (reading 'columns') (the terminal running the workbench has the details)",
      code: 'workbench',
    })
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatch(/^materia workbench: GET \/models\/panel failed: TypeError: Cannot read/)
    expect(logged[0]).toContain('http-errors.test.ts')
    const fragment = await app.request('/models/panel', { headers: { 'hx-request': 'true' } })
    expect(await fragment.text()).toMatch(
      /^<div role="alert" class="alert alert-error" data-error>GET \/models\/panel failed/,
    )
  })

  it('keeps serving after the refusals', async () => {
    const reply = await send({ path: '/api/file?path=models/serving/agg_world_balance.sql' })
    expect(reply.status).toBe(200)
  })
})
