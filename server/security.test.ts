// Goal: the workbench server refuses everything that is not its own window: no token, a foreign
// Host (DNS rebinding), a cross-origin write; it listens on 127.0.0.1 only, sends a strict CSP, keeps
// project files inside the project, and its lock names it to other processes. Method: start it
// in-process on port 0 over a temporary project and talk to it with raw node:http requests (fetch
// cannot forge a Host header).

import { statSync } from 'node:fs'
import { request } from 'node:http'
import { networkInterfaces } from 'node:os'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { readWorkbenchLock, refuseWhileWorkbenchRuns, workbenchLockPath } from '../pipeline/workbench-lock.ts'
import { contentSecurityPolicy, tokenCookieName } from './security.ts'
import { createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: string
}

function send(options: {
  path: string
  method?: string
  headers?: Record<string, string>
  body?: string
  host?: string
}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: options.host ?? '127.0.0.1',
        port: workbench.port,
        path: options.path,
        method: options.method ?? 'GET',
        headers: { host: `127.0.0.1:${workbench.port}`, ...options.headers },
      },
      (incoming) => {
        let body = ''
        incoming.on('data', (chunk) => {
          body += chunk
        })
        incoming.on('end', () =>
          resolve({ status: incoming.statusCode ?? 0, headers: incoming.headers, body }),
        )
      },
    )
    outgoing.on('error', reject)
    outgoing.end(options.body)
  })
}

const cookie = () => `${tokenCookieName(workbench.port)}=${workbench.token}`
const origin = () => `http://127.0.0.1:${workbench.port}`

beforeAll(async () => {
  project = createFixtureProject()
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
})

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('workbench security', () => {
  it('answers 403 without the token, and with a wrong one', async () => {
    expect((await send({ path: '/' })).status).toBe(403)
    expect((await send({ path: '/api/environments' })).status).toBe(403)
    expect((await send({ path: '/?token=wrong' })).status).toBe(403)
    expect(
      (await send({ path: '/', headers: { cookie: `${tokenCookieName(workbench.port)}=wrong` } })).status,
    ).toBe(403)
  })

  it('turns the URL token into an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
    const reply = await send({ path: `/?token=${workbench.token}` })
    expect(reply.status).toBe(303)
    expect(reply.headers.location).toBe('/')
    const setCookie = String(reply.headers['set-cookie'])
    expect(setCookie).toContain(cookie())
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Strict')
    const page = await send({ path: '/api/environments', headers: { cookie: cookie() } })
    expect(page.status).toBe(200)
    expect(JSON.parse(page.body)).toContain('dev_test')
  })

  it('answers 403 to a foreign Host header even with the token (DNS rebinding)', async () => {
    for (const host of [
      'evil.example:80',
      `evil.example:${workbench.port}`,
      '127.0.0.1:1',
      `127.0.0.1.nip.io:${workbench.port}`,
    ]) {
      const reply = await send({ path: '/api/environments', headers: { host, cookie: cookie() } })
      expect(reply.status, host).toBe(403)
    }
    const local = await send({
      path: '/api/environments',
      headers: { host: `localhost:${workbench.port}`, cookie: cookie() },
    })
    expect(local.status).toBe(200)
  })

  it('answers 403 to a cross-origin or origin-less write, and accepts its own origin', async () => {
    const body = new URLSearchParams({ environment: 'prod' }).toString()
    const form = { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() }
    for (const foreign of ['http://evil.example', 'null', `http://127.0.0.1:${workbench.port + 1}`]) {
      const reply = await send({
        path: '/environment',
        method: 'POST',
        headers: { ...form, origin: foreign },
        body,
      })
      expect(reply.status, foreign).toBe(403)
    }
    expect((await send({ path: '/environment', method: 'POST', headers: form, body })).status).toBe(403)
    const own = await send({
      path: '/environment',
      method: 'POST',
      headers: { ...form, origin: origin() },
      body,
    })
    expect(own.status).toBe(204)
  })

  it('sends a strict Content-Security-Policy with no inline or eval scripts', async () => {
    const reply = await send({ path: '/api/environments', headers: { cookie: cookie() } })
    expect(reply.headers['content-security-policy']).toBe(contentSecurityPolicy)
    expect(contentSecurityPolicy).toContain("script-src 'self'")
    expect(contentSecurityPolicy).not.toMatch(/script-src[^;]*(unsafe-inline|unsafe-eval)/)
    expect(contentSecurityPolicy).toContain("frame-ancestors 'none'")
    expect(reply.headers['x-frame-options']).toBe('DENY')
  })

  it('listens on 127.0.0.1 only', async () => {
    expect(workbench.baseUrl).toBe(`http://127.0.0.1:${workbench.port}`)
    const external = Object.values(networkInterfaces())
      .flat()
      .find((address) => address !== undefined && address.family === 'IPv4' && !address.internal)
    if (external !== undefined) {
      await expect(send({ path: '/', host: external.address })).rejects.toThrow(/ECONNREFUSED/)
    }
    await expect(send({ path: '/', host: '::1' })).rejects.toThrow(/ECONNREFUSED|EADDRNOTAVAIL/)
  })

  it('refuses file paths outside the project or in .materia', async () => {
    for (const path of [
      '../secret.sql',
      '/etc/passwd',
      '.materia/x.sql',
      'models/../../x.sql',
      'materia.lock',
    ]) {
      const reply = await send({
        path: `/api/file?path=${encodeURIComponent(path)}`,
        headers: { cookie: cookie() },
      })
      expect(reply.status, path).toBe(400)
    }
    const ok = await send({
      path: '/api/file?path=models/serving/agg_world_balance.sql',
      headers: { cookie: cookie() },
    })
    expect(ok.status).toBe(200)
  })

  it('writes a 0600 lock naming its pid and port, refuses a second workbench, and CLI writers', async () => {
    const lock = await readWorkbenchLock(project.root)
    expect(lock).toMatchObject({ pid: process.pid, port: workbench.port, token: workbench.token })
    expect(statSync(workbenchLockPath(project.root)).mode & 0o777).toBe(0o600)
    await expect(startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })).rejects.toThrow(
      /already serves this project/,
    )
    // In this process the lock is our own; refuseWhileWorkbenchRuns refuses other processes only.
    await expect(refuseWhileWorkbenchRuns(project.root, 'materia plan')).resolves.toBeUndefined()
  })
})
