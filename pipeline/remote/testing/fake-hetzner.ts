// A fake of the Hetzner Cloud API v1 on 127.0.0.1 for tests, written from Hetzner's API reference
// and changelog (docs.hetzner.cloud), not from our client:
// - server types as the API lists them since 2025-09 (per-location availability in `locations`,
//   each with its own `deprecation`; the type-wide `deprecation` kept but deprecated); a type past
//   its `unavailable_after` date is no longer listed and can no longer be ordered (cx22 and cx42
//   were retired on 2025-12-31);
// - errors as `{ error: { code, message, details } }`: `invalid_input` (422) for an unknown type or a
//   type not offered in the location ("unsupported location for server type"), `resource_unavailable`
//   (412, "server location disabled") for a location without capacity, `uniqueness_error` (409) for
//   a taken name, `rate_limit_exceeded` (429) with RateLimit-* headers, `conflict`, `timeout`;
// - labels validated as documented (keys: optional DNS prefix and a name of 1-63 characters; values:
//   0-63 characters; alphanumerics with - _ . inside) and label selectors with =, ==, !=, existence,
//   !key, in (...) and notin (...);
// - servers with null public_net.ipv6, actions that run then finish, ssh_keys, meta.pagination.
// Faults are injected per request; `afterEffect` carries the request out and then loses the answer
// (a 504 or a dropped connection), as a gateway timeout does. A "boot" hook lets a test start a real
// sshd for a created server, so the worker the client reaches is real.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { HetznerAction, HetznerServer, HetznerServerType, HetznerSshKey } from '../hetzner/types.ts'

export interface Fault {
  readonly method: string
  readonly pathPrefix: string
  readonly status: number // 0: drop the connection without an answer
  readonly code?: string // the error code in the body; default from the status
  readonly retryAfterS?: number
  readonly afterEffect?: boolean // carry the request out, then answer with the fault
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
  readonly unavailable: Set<string> // "cx23@fsn1" or "fsn1": no capacity there (resource_unavailable)
  createActionOutcome: 'success' | 'error'
  actionPollsRunning: number // GETs answering "running" before an action finishes
  perPageMax: number // the real API caps per_page at 50; tests lower it to force pagination
  close(): Promise<void>
}

const euLocations = ['fsn1', 'nbg1', 'hel1']
const allLocations = [...euLocations, 'ash', 'hil', 'sin']
const locationIds: Record<string, number> = { fsn1: 1, nbg1: 2, hel1: 3, ash: 4, hil: 5, sin: 6 }
const retired = { announced: '2025-10-01T00:00:00Z', unavailable_after: '2025-12-31T00:00:00Z' }
const announced = { announced: '2026-10-01T00:00:00Z', unavailable_after: '2099-12-31T00:00:00Z' }

interface TypeRow {
  readonly name: string
  readonly cores: number
  readonly memory: number
  readonly disk: number
  readonly hourly: string // gross EUR; illustrative figures, the shape is what matters
  readonly architecture: 'x86' | 'arm'
  readonly locations: readonly string[]
  readonly deprecation?: typeof retired // type-wide
  readonly deprecatedIn?: readonly string[] // per-location deprecation
}

const typeRows: readonly TypeRow[] = [
  {
    name: 'cx22',
    cores: 2,
    memory: 4,
    disk: 40,
    hourly: '0.0096',
    architecture: 'x86',
    locations: euLocations,
    deprecation: retired,
  },
  {
    name: 'cx42',
    cores: 8,
    memory: 16,
    disk: 160,
    hourly: '0.0308',
    architecture: 'x86',
    locations: euLocations,
    deprecation: retired,
  },
  {
    name: 'cx23',
    cores: 2,
    memory: 4,
    disk: 40,
    hourly: '0.0080',
    architecture: 'x86',
    locations: euLocations,
  },
  {
    name: 'cx33',
    cores: 4,
    memory: 8,
    disk: 80,
    hourly: '0.0128',
    architecture: 'x86',
    locations: euLocations,
    deprecatedIn: ['hel1'],
  },
  {
    name: 'cx43',
    cores: 8,
    memory: 16,
    disk: 160,
    hourly: '0.0240',
    architecture: 'x86',
    locations: euLocations,
  },
  {
    name: 'cpx22',
    cores: 2,
    memory: 4,
    disk: 80,
    hourly: '0.0112',
    architecture: 'x86',
    locations: allLocations,
  },
  {
    name: 'cpx42',
    cores: 8,
    memory: 16,
    disk: 320,
    hourly: '0.0400',
    architecture: 'x86',
    locations: allLocations,
  },
  {
    name: 'cax11',
    cores: 2,
    memory: 4,
    disk: 40,
    hourly: '0.0072',
    architecture: 'arm',
    locations: ['fsn1', 'nbg1', 'hel1'],
  },
  {
    name: 'cax31',
    cores: 8,
    memory: 16,
    disk: 160,
    hourly: '0.0256',
    architecture: 'arm',
    locations: ['fsn1', 'nbg1', 'hel1'],
  },
  {
    name: 'cpx11',
    cores: 2,
    memory: 2,
    disk: 40,
    hourly: '0.0082',
    architecture: 'x86',
    locations: allLocations,
    deprecation: announced,
  },
]

export const fakeServerTypes: readonly HetznerServerType[] = typeRows.map((row, index) => ({
  id: index + 1,
  name: row.name,
  description: row.name.toUpperCase(),
  category: row.name.startsWith('cax') ? 'cost_optimized' : 'regular_purpose',
  cores: row.cores,
  memory: row.memory,
  disk: row.disk,
  cpu_type: 'shared',
  architecture: row.architecture,
  storage_type: 'local',
  deprecated: row.deprecation !== undefined,
  deprecation: row.deprecation ?? null,
  prices: row.locations.map((location) => ({
    location,
    price_hourly: { net: (Number(row.hourly) / 1.19).toFixed(4), gross: row.hourly },
    price_monthly: { net: '0', gross: '0' },
  })),
  locations: row.locations.map((location) => ({
    id: locationIds[location]!,
    name: location,
    deprecation: (row.deprecatedIn ?? []).includes(location) ? announced : null,
  })),
}))

// The list endpoint no longer returns a type after its `unavailable_after` date.
function listedTypes(nowMs: number): HetznerServerType[] {
  return fakeServerTypes.filter(
    (type) => type.deprecation == null || Date.parse(type.deprecation.unavailable_after) > nowMs,
  )
}

const labelName = /^[a-z0-9A-Z]([a-z0-9A-Z_.-]{0,61}[a-z0-9A-Z])?$/
const labelPrefix = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/

export function labelProblem(labels: Record<string, unknown>): string | null {
  for (const [key, value] of Object.entries(labels)) {
    const [prefix, name] = key.includes('/')
      ? [key.slice(0, key.lastIndexOf('/')), key.slice(key.lastIndexOf('/') + 1)]
      : [null, key]
    if (prefix !== null && (prefix.length > 253 || !labelPrefix.test(prefix)))
      return `label key ${key} is invalid`
    if (!labelName.test(name)) return `label key ${key} is invalid`
    if (typeof value !== 'string' || (value !== '' && !labelName.test(value)))
      return `label value ${String(value)} is invalid`
  }
  return null
}

export async function startFakeHetzner(options: FakeHetznerOptions): Promise<FakeHetzner> {
  const actions = new Map<number, { action: HetznerAction; polls: number; outcome: 'success' | 'error' }>()
  let nextId = 1000
  const state: FakeHetzner = {
    url: '',
    servers: new Map(),
    sshKeys: new Map(),
    faults: [],
    requests: [],
    unavailable: new Set(),
    createActionOutcome: 'success',
    actionPollsRunning: 1,
    perPageMax: 50,
    close: async () => {},
  }
  const invalid = (message: string): [number, unknown] => [
    422,
    { error: { code: 'invalid_input', message, details: {} } },
  ]

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
      const name = url.searchParams.get('name')
      const servers = [...state.servers.values()].filter(
        (server) => matches(server.labels, selector) && (name === null || server.name === name),
      )
      return [200, page(url, state.perPageMax, 'servers', servers)]
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
      const labels = (body.labels ?? {}) as Record<string, string>
      const problem = labelProblem(labels)
      if (problem !== null) return invalid(problem)
      if ([...state.sshKeys.values()].some((entry) => entry.name === body.name)) {
        return [
          409,
          { error: { code: 'uniqueness_error', message: 'SSH key with the same name already exists' } },
        ]
      }
      const key: HetznerSshKey = {
        id: nextId++,
        name: String(body.name),
        fingerprint: 'fa:ke',
        public_key: String(body.public_key),
        labels,
      }
      state.sshKeys.set(key.id, key)
      return [201, { ssh_key: key }]
    }
    if (method === 'GET' && path === '/ssh_keys') {
      const selector = url.searchParams.get('label_selector')
      const name = url.searchParams.get('name')
      const keys = [...state.sshKeys.values()].filter(
        (key) => matches(key.labels, selector) && (name === null || key.name === name),
      )
      return [200, page(url, state.perPageMax, 'ssh_keys', keys)]
    }
    const keyMatch = /^\/ssh_keys\/(\d+)$/.exec(path)
    if (method === 'DELETE' && keyMatch !== null) {
      const deleted = state.sshKeys.delete(Number(keyMatch[1]))
      return deleted ? [204, null] : [404, { error: { code: 'not_found', message: 'ssh key not found' } }]
    }
    if (method === 'GET' && path === '/server_types') {
      const name = url.searchParams.get('name')
      const types = listedTypes(Date.now()).filter((type) => name === null || type.name === name)
      return [200, page(url, state.perPageMax, 'server_types', types)]
    }
    return [404, { error: { code: 'not_found', message: `no route ${method} ${path}` } }]
  }

  async function createServerRoute(body: Record<string, unknown>): Promise<[number, unknown]> {
    const type = listedTypes(Date.now()).find((entry) => entry.name === body.server_type)
    if (type === undefined) return invalid(`server type ${String(body.server_type)} not found`)
    const location = String(body.location ?? 'fsn1')
    if (!(type.locations ?? []).some((entry) => entry.name === location)) {
      return invalid('unsupported location for server type')
    }
    if (state.unavailable.has(location) || state.unavailable.has(`${type.name}@${location}`)) {
      return [
        412,
        { error: { code: 'resource_unavailable', message: 'server location disabled', details: {} } },
      ]
    }
    const labels = (body.labels ?? {}) as Record<string, string>
    const problem = labelProblem(labels)
    if (problem !== null) return invalid(problem)
    if ([...state.servers.values()].some((server) => server.name === body.name)) {
      return [
        409,
        { error: { code: 'uniqueness_error', message: 'server name is already used', details: {} } },
      ]
    }
    const keyNames = (body.ssh_keys ?? []) as string[]
    const keys = [...state.sshKeys.values()].filter((key) => keyNames.includes(key.name))
    if (keys.length !== keyNames.length) return invalid('ssh key not found')
    const server: HetznerServer = {
      id: nextId++,
      name: String(body.name),
      status: 'initializing',
      created: new Date().toISOString(),
      labels,
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

  const defaultCodes: Record<number, string> = {
    409: 'conflict',
    429: 'rate_limit_exceeded',
    500: 'server_error',
    502: 'server_error',
    503: 'unavailable',
    504: 'timeout',
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1')
    const method = request.method ?? 'GET'
    state.requests.push(`${method} ${url.pathname}${url.search}`)
    const chunks: Buffer[] = []
    for await (const chunk of request) chunks.push(chunk as Buffer)
    // Every answer carries the documented rate limit headers (3600 requests an hour per project).
    const rateHeaders = {
      'ratelimit-limit': '3600',
      'ratelimit-remaining': '3599',
      'ratelimit-reset': String(Math.ceil(Date.now() / 1000) + 1),
    }
    const send = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': 'application/json', ...rateHeaders, ...headers })
      response.end(payload === null ? '' : JSON.stringify(payload))
    }
    if (request.headers.authorization !== `Bearer ${options.token}`) {
      return send(401, { error: { code: 'unauthorized', message: 'unable to authenticate' } })
    }
    const body =
      chunks.length === 0
        ? {}
        : (JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>)
    const fault = takeFault(method, url.pathname.replace(/^\/v1/, ''))
    if (fault !== undefined) {
      if (fault.afterEffect) await route(method, url, body)
      if (fault.status === 0) {
        request.socket.destroy()
        return
      }
      const headers: Record<string, string> =
        fault.retryAfterS === undefined ? {} : { 'retry-after': String(fault.retryAfterS) }
      const code = fault.code ?? defaultCodes[fault.status] ?? 'server_error'
      return send(
        fault.status,
        { error: { code, message: `injected ${fault.status}`, details: {} } },
        headers,
      )
    }
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
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}

// Label selectors as documented: comma-separated terms, each `k=v`, `k==v`, `k!=v`, `k`, `!k`,
// `k in (a,b)` or `k notin (a,b)`; all terms must hold.
export function matches(labels: Readonly<Record<string, string>>, selector: string | null): boolean {
  if (selector === null || selector === '') return true
  const terms = selector.match(/[^,(]+(\([^)]*\))?/g) ?? []
  return terms.every((raw) => {
    const term = raw.trim()
    const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term)
    if (set !== null) {
      const values = set[3]!.split(',').map((value) => value.trim())
      const has = set[1]! in labels && values.includes(labels[set[1]!]!)
      return set[2] === 'in' ? has : !has
    }
    const comparison = /^([^!=]+)(!=|==|=)(.*)$/.exec(term)
    if (comparison !== null) {
      const [, key, operator, value] = comparison
      const equal = labels[key!.trim()] === value!.trim()
      return operator === '!=' ? !equal : equal
    }
    if (term.startsWith('!')) return !(term.slice(1) in labels)
    return term in labels
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
