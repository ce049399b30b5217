// A fake of the Hetzner Cloud API v1 on 127.0.0.1 for tests: the response shapes of the documented
// API (servers with null public_net.ipv6, actions that run then finish, ssh_keys, server_types
// with prices, meta.pagination), bearer-token auth (401), and injected faults (429 with
// Retry-After, 5xx, an action ending in error). A "boot" hook lets a test start a real sshd for a
// created server, so the worker the client reaches is real.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HetznerAction, HetznerServer, HetznerServerType, HetznerSshKey } from '../hetzner/types.ts'

export interface Fault {
  readonly method: string
  readonly pathPrefix: string
  readonly status: number
  readonly retryAfterS?: number
}

export interface BootInfo {
  readonly server: HetznerServer
  readonly userData: string
  readonly publicKeys: readonly string[]
}

export interface FakeHetznerOptions {
  readonly token: string
  readonly onBoot?: (info: BootInfo) => Promise<void> | void
  readonly onDestroy?: (server: HetznerServer) => Promise<void> | void
}

export interface FakeHetzner {
  readonly url: string
  readonly servers: Map<number, HetznerServer>
  readonly sshKeys: Map<number, HetznerSshKey>
  readonly faults: Fault[] // consumed in order, first match wins
  readonly requests: string[] // "METHOD /path?query", for assertions
  createActionOutcome: 'success' | 'error'
  actionPollsRunning: number // GETs answering "running" before an action finishes
  perPageMax: number // the real API caps per_page at 50; tests lower it to force pagination
  close(): Promise<void>
}

export const fakeServerTypes: readonly HetznerServerType[] = [
  ['cx22', 2, 4, 40, '0.0096'],
  ['cx32', 4, 8, 80, '0.0168'],
  ['cx42', 8, 16, 160, '0.0308'],
  ['cpx11', 2, 2, 40, '0.0082'],
].map(([name, cores, memory, disk, hourly], index) => ({
  id: index + 1,
  name: name as string,
  description: `${String(name).toUpperCase()}`,
  cores: cores as number,
  memory: memory as number,
  disk: disk as number,
  prices: ['fsn1', 'nbg1', 'hel1'].map((location) => ({
    location,
    price_hourly: { net: String(Number(hourly) / 1.19), gross: String(hourly) },
    price_monthly: { net: '0', gross: '0' },
  })),
}))

export async function startFakeHetzner(options: FakeHetznerOptions): Promise<FakeHetzner> {
  const actions = new Map<number, { action: HetznerAction; polls: number; outcome: 'success' | 'error' }>()
  let nextId = 1000
  const state: FakeHetzner = {
    url: '',
    servers: new Map(),
    sshKeys: new Map(),
    faults: [],
    requests: [],
    createActionOutcome: 'success',
    actionPollsRunning: 1,
    perPageMax: 50,
    close: async () => {},
  }

  function newAction(command: string, resourceId: number, outcome: 'success' | 'error'): HetznerAction {
    const action: HetznerAction = {
      id: nextId++,
      command,
      status: 'running',
      progress: 0,
      started: new Date().toISOString(),
      finished: null,
      resources: [{ id: resourceId, type: 'server' }],
      error: null,
    }
    actions.set(action.id, { action, polls: 0, outcome })
    return action
  }

  function pollAction(id: number): HetznerAction | null {
    const entry = actions.get(id)
    if (entry === undefined) return null
    entry.polls++
    if (entry.polls <= state.actionPollsRunning) return { ...entry.action, progress: 50 }
    const failed = entry.outcome === 'error'
    return {
      ...entry.action,
      status: failed ? 'error' : 'success',
      progress: 100,
      finished: new Date().toISOString(),
      error: failed ? { code: 'server_error', message: 'Server could not be created' } : null,
    }
  }

  async function route(method: string, url: URL, body: Record<string, unknown>): Promise<[number, unknown]> {
    const path = url.pathname.replace(/^\/v1/, '')
    const serverMatch = /^\/servers\/(\d+)$/.exec(path)
    if (method === 'POST' && path === '/servers') return createServerRoute(body)
    if (method === 'GET' && path === '/servers') {
      const selector = url.searchParams.get('label_selector')
      return [
        200,
        page(
          url,
          state.perPageMax,
          'servers',
          [...state.servers.values()].filter((server) => matches(server, selector)),
        ),
      ]
    }
    if (serverMatch !== null) {
      const server = state.servers.get(Number(serverMatch[1]))
      if (server === undefined) return [404, { error: { code: 'not_found', message: 'server not found' } }]
      if (method === 'GET') return [200, { server }]
      if (method === 'DELETE') {
        state.servers.delete(server.id)
        await options.onDestroy?.(server)
        return [200, { action: newAction('delete_server', server.id, 'success') }]
      }
    }
    const actionMatch = /^\/actions\/(\d+)$/.exec(path)
    if (method === 'GET' && actionMatch !== null) {
      const action = pollAction(Number(actionMatch[1]))
      return action === null
        ? [404, { error: { code: 'not_found', message: 'action not found' } }]
        : [200, { action }]
    }
    if (method === 'POST' && path === '/ssh_keys') {
      const key: HetznerSshKey = {
        id: nextId++,
        name: String(body.name),
        fingerprint: 'fa:ke',
        public_key: String(body.public_key),
        labels: (body.labels ?? {}) as Record<string, string>,
      }
      if ([...state.sshKeys.values()].some((entry) => entry.name === key.name)) {
        return [
          409,
          { error: { code: 'uniqueness_error', message: 'SSH key with the same name already exists' } },
        ]
      }
      state.sshKeys.set(key.id, key)
      return [201, { ssh_key: key }]
    }
    const keyMatch = /^\/ssh_keys\/(\d+)$/.exec(path)
    if (method === 'DELETE' && keyMatch !== null) {
      const deleted = state.sshKeys.delete(Number(keyMatch[1]))
      return deleted ? [204, null] : [404, { error: { code: 'not_found', message: 'ssh key not found' } }]
    }
    if (method === 'GET' && path === '/server_types') {
      const name = url.searchParams.get('name')
      return [
        200,
        page(
          url,
          state.perPageMax,
          'server_types',
          fakeServerTypes.filter((type) => name === null || type.name === name),
        ),
      ]
    }
    return [404, { error: { code: 'not_found', message: `no route ${method} ${path}` } }]
  }

  async function createServerRoute(body: Record<string, unknown>): Promise<[number, unknown]> {
    const type = fakeServerTypes.find((entry) => entry.name === body.server_type)
    if (type === undefined) return [422, { error: { code: 'invalid_input', message: 'unknown server_type' } }]
    const keyNames = (body.ssh_keys ?? []) as string[]
    const keys = [...state.sshKeys.values()].filter((key) => keyNames.includes(key.name))
    if (keys.length !== keyNames.length)
      return [422, { error: { code: 'invalid_input', message: 'ssh key not found' } }]
    const server: HetznerServer = {
      id: nextId++,
      name: String(body.name),
      status: 'initializing',
      created: new Date().toISOString(),
      labels: (body.labels ?? {}) as Record<string, string>,
      public_net: { ipv4: { ip: '127.0.0.1', blocked: false }, ipv6: null },
      server_type: type,
    }
    state.servers.set(server.id, server)
    const action = newAction('create_server', server.id, state.createActionOutcome)
    if (state.createActionOutcome === 'success') {
      await options.onBoot?.({
        server,
        userData: String(body.user_data ?? ''),
        publicKeys: keys.map((key) => key.public_key),
      })
      state.servers.set(server.id, { ...server, status: 'running' })
    }
    return [201, { server, action, next_actions: [], root_password: null }]
  }

  function takeFault(method: string, path: string): Fault | undefined {
    const index = state.faults.findIndex(
      (fault) => fault.method === method && path.startsWith(fault.pathPrefix),
    )
    return index === -1 ? undefined : state.faults.splice(index, 1)[0]
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const method = request.method ?? 'GET'
    state.requests.push(`${method} ${url.pathname}${url.search}`)
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...headers })
      response.end(payload === null ? '' : JSON.stringify(payload))
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return send(401, { error: { code: 'unauthorized', message: 'unable to authenticate' } })
    }
    const fault = takeFault(method, url.pathname.replace(/^\/v1/, ''))
    if (fault !== undefined) {
      const headers: Record<string, string> =
        fault.retryAfterS === undefined ? {} : { 'retry-after': String(fault.retryAfterS) }
      const code = fault.status === 429 ? 'rate_limit_exceeded' : 'server_error'
      return send(fault.status, { error: { code, message: `injected ${fault.status}` } }, headers)
    }
    const body =
      chunks.length === 0
        ? {}
        : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
    const [status, payload] = await route(method, url, body)
    send(status, payload)
  }

  const server: Server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'application/json' })
      response.end(JSON.stringify({ error: { code: 'server_error', message: String(error) } }))
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/v1`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  })
}

function matches(server: HetznerServer, selector: string | null): boolean {
  if (selector === null || selector === '') return true
  return selector.split(',').every((term) => {
    const [key, value] = term.split('=')
    return value === undefined ? key! in server.labels : server.labels[key!] === value
  })
}

function page(url: URL, perPageMax: number, key: string, items: readonly unknown[]) {
  const perPage = Math.min(perPageMax, Number(url.searchParams.get('per_page') ?? '25'))
  const pageNumber = Number(url.searchParams.get('page') ?? '1')
  const lastPage = Math.max(1, Math.ceil(items.length / perPage))
  return {
    [key]: items.slice((pageNumber - 1) * perPage, pageNumber * perPage),
    meta: {
      pagination: {
        page: pageNumber,
        per_page: perPage,
        previous_page: pageNumber > 1 ? pageNumber - 1 : null,
        next_page: pageNumber < lastPage ? pageNumber + 1 : null,
        last_page: lastPage,
        total_entries: items.length,
      },
    },
  }
}
