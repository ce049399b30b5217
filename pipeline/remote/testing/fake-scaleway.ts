// A fake of the Scaleway Instances API v1 on 127.0.0.1 for tests, written from Scaleway's API
// reference (scaleway.com/en/developers/api/instance) and not from our client:
// - every call needs `X-Auth-Token`; without it 401, with a wrong one 403 `denied_authentication`;
// - paths under /instance/v1/zones/{zone}; an unknown zone is 404;
// - POST /servers takes name, commercial_type, image, project, tags and answers 201 with the
//   server `stopped`; an unknown commercial_type is 400 `invalid_arguments`;
// - PATCH /servers/{id}/user_data/{key} stores a text/plain value (other content types are 400)
//   and answers 204;
// - POST /servers/{id}/action with `poweron` (stopped -> running, a public IPv4 appears) or
//   `terminate` (the server and its volumes are deleted), answering `{ task }`; other actions 400;
// - GET /servers filtered by `tags` (every listed tag must be on the server) and `project`, paged
//   with page/per_page and the X-Total-Count header;
// - GET /products/servers (`servers` maps a commercial type to hourly_price, ncpus, ram in bytes,
//   arch, end_of_service) and /products/servers/availability;
// - errors as `{ type, message }`, 404 `not_found` for an unknown server.
import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { ScalewayAvailability, ScalewayServer, ScalewayServerType } from '../scaleway/types.ts'

export interface FakeScalewayOptions {
  readonly secretKey: string
  readonly zone: string
  readonly types: Readonly<Record<string, ScalewayServerType>>
  readonly availability: Readonly<Record<string, ScalewayAvailability>>
}

export interface FakeVolume {
  readonly id: string
  server: string | null
}

export class FakeScaleway {
  readonly servers = new Map<string, ScalewayServer>()
  readonly volumes = new Map<string, FakeVolume>()
  readonly userData = new Map<string, Map<string, string>>()
  readonly requests: { method: string; path: string }[] = []
  private readonly http: Server
  private readonly options: FakeScalewayOptions
  private nextIp = 10

  private constructor(options: FakeScalewayOptions) {
    this.options = options
    this.http = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        send(response, 500, { type: 'internal', message: String(error) })
      })
    })
  }

  static async start(options: FakeScalewayOptions): Promise<FakeScaleway> {
    const fake = new FakeScaleway(options)
    await new Promise<void>((resolve) => fake.http.listen(0, '127.0.0.1', resolve))
    return fake
  }

  get url(): string {
    return `http://127.0.0.1:${(this.http.address() as AddressInfo).port}`
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.http.close(() => resolve()))
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://fake')
    const method = request.method ?? 'GET'
    this.requests.push({ method, path: url.pathname })
    const body = await readBody(request)
    const token = request.headers['x-auth-token']
    if (token === undefined)
      return send(response, 401, { type: 'denied_authentication', message: 'missing token' })
    if (token !== this.options.secretKey) {
      return send(response, 403, { type: 'denied_authentication', message: 'invalid token' })
    }
    const prefix = `/instance/v1/zones/${this.options.zone}`
    if (!url.pathname.startsWith(`${prefix}/`))
      return send(response, 404, { type: 'not_found', message: 'unknown zone' })
    const path = url.pathname.slice(prefix.length)
    const parts = path.split('/').filter((part) => part !== '')

    if (method === 'GET' && path === '/products/servers')
      return send(response, 200, { servers: this.options.types })
    if (method === 'GET' && path === '/products/servers/availability') {
      return send(response, 200, { servers: this.options.availability })
    }
    if (method === 'POST' && path === '/servers') return this.createServer(response, JSON.parse(body))
    if (method === 'GET' && path === '/servers') return this.listServers(response, url.searchParams)
    const server = parts[0] === 'servers' && parts[1] !== undefined ? this.servers.get(parts[1]) : undefined
    if (server === undefined)
      return send(response, 404, { type: 'not_found', message: `server ${parts[1]} not found` })
    if (method === 'GET' && parts.length === 2) return send(response, 200, { server })
    if (method === 'DELETE' && parts.length === 2) {
      this.removeServer(server, false)
      response.writeHead(204).end()
      return
    }
    if (method === 'PATCH' && parts[2] === 'user_data' && parts[3] !== undefined) {
      if (!(request.headers['content-type'] ?? '').startsWith('text/plain')) {
        return send(response, 400, { type: 'invalid_arguments', message: 'user data must be text/plain' })
      }
      const values = this.userData.get(server.id) ?? new Map<string, string>()
      values.set(parts[3], body)
      this.userData.set(server.id, values)
      response.writeHead(204).end()
      return
    }
    if (method === 'POST' && parts[2] === 'action') return this.action(response, server, JSON.parse(body))
    send(response, 404, { type: 'not_found', message: `no route ${method} ${path}` })
  }

  private createServer(response: ServerResponse, body: Record<string, unknown>): void {
    const type = String(body.commercial_type)
    if (this.options.types[type] === undefined) {
      send(response, 400, {
        type: 'invalid_arguments',
        message: 'invalid argument(s)',
        details: [{ argument_name: 'commercial_type', reason: 'constraint' }],
      })
      return
    }
    const id = randomUUID()
    const volumeId = randomUUID()
    this.volumes.set(volumeId, { id: volumeId, server: id })
    const server: ScalewayServer = {
      id,
      name: String(body.name),
      state: 'stopped',
      commercial_type: type,
      tags: (body.tags as string[] | undefined) ?? [],
      creation_date: new Date().toISOString(),
      project: String(body.project),
      zone: this.options.zone,
      public_ip: null,
      volumes: { '0': { id: volumeId } },
    }
    this.servers.set(id, server)
    send(response, 201, { server })
  }

  private listServers(response: ServerResponse, query: URLSearchParams): void {
    const tags = (query.get('tags') ?? '').split(',').filter((tag) => tag !== '')
    const project = query.get('project')
    const matching = [...this.servers.values()].filter(
      (server) =>
        tags.every((tag) => server.tags.includes(tag)) && (project === null || server.project === project),
    )
    const page = Number(query.get('page') ?? '1')
    const perPage = Number(query.get('per_page') ?? '50')
    const slice = matching.slice((page - 1) * perPage, page * perPage)
    response.setHeader('X-Total-Count', String(matching.length))
    send(response, 200, { servers: slice })
  }

  private action(response: ServerResponse, server: ScalewayServer, body: Record<string, unknown>): void {
    const task = { id: randomUUID(), description: `server_${body.action}`, status: 'pending' }
    if (body.action === 'poweron') {
      if (server.state !== 'stopped') {
        send(response, 400, { type: 'invalid_request_error', message: 'not stopped' })
        return
      }
      this.servers.set(server.id, {
        ...server,
        state: 'running',
        public_ip: { address: `192.0.2.${this.nextIp++}` },
      })
      send(response, 202, { task })
      return
    }
    if (body.action === 'terminate') {
      this.removeServer(server, true)
      send(response, 202, { task })
      return
    }
    send(response, 400, { type: 'invalid_arguments', message: `unsupported action ${String(body.action)}` })
  }

  // DELETE /servers/{id} detaches the volumes (they stay and bill); terminate deletes them.
  private removeServer(server: ScalewayServer, withVolumes: boolean): void {
    this.servers.delete(server.id)
    this.userData.delete(server.id)
    for (const { id } of Object.values(server.volumes)) {
      if (withVolumes) this.volumes.delete(id)
      else this.volumes.set(id, { id, server: null })
    }
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of request) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
