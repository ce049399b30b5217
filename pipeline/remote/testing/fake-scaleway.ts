// A fake of the Scaleway Instances API v1 on 127.0.0.1 for tests, written from Scaleway's API
// reference (scaleway.com/en/developers/api/instance) and not from our client:
// - every call needs `X-Auth-Token`; without it 401, with a wrong one 403 `denied_authentication`;
// - paths under /instance/v1/zones/{zone}; an unknown zone is 404;
// - POST /servers takes name, commercial_type, image, project, tags and answers 201 with the
//   server `stopped`; an unknown commercial_type is 400 `invalid_arguments`;
// - PATCH /servers/{id}/user_data/{key} stores a text/plain value (other content types are 400)
//   and answers 204;
// - POST /servers/{id}/action with `poweron` (stopped -> running, a public IPv4 appears; the
//   server boots with the user data stored under `cloud-init`) or `terminate` (the server goes
//   `stopping`, then is deleted with its volumes), answering `{ task }`; other actions 400;
// - DELETE /servers/{id} removes a server but leaves its volumes, DELETE /volumes/{id} removes one;
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
  readonly publicIp?: string // every server's address; default 192.0.2.x (documentation range)
  // Called when a server powers on, with its cloud-init user data, and when it is removed: the
  // end-to-end tests start and stop a real sshd here.
  readonly onBoot?: (server: ScalewayServer, cloudInit: string) => Promise<void>
  readonly onDestroy?: (server: ScalewayServer) => Promise<void>
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
  terminatePolls = 0 // reads of a terminated server that still show it `stopping`
  failPowerOn = false // poweron answers 500
  private readonly stopping = new Map<string, number>()
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
    if (method === 'DELETE' && parts[0] === 'volumes' && parts.length === 2) {
      const volume = this.volumes.get(parts[1]!)
      if (volume === undefined)
        return send(response, 404, { type: 'not_found', message: `volume ${parts[1]} not found` })
      if (volume.server !== null)
        return send(response, 400, { type: 'invalid_request_error', message: 'volume is attached' })
      this.volumes.delete(volume.id)
      response.writeHead(204).end()
      return
    }
    if (method === 'GET' && parts[0] === 'servers' && parts.length === 2) await this.settleStopping(parts[1]!)
    const server = parts[0] === 'servers' && parts[1] !== undefined ? this.servers.get(parts[1]) : undefined
    if (server === undefined)
      return send(response, 404, { type: 'not_found', message: `server ${parts[1]} not found` })
    if (method === 'GET' && parts.length === 2) return send(response, 200, { server })
    if (method === 'DELETE' && parts.length === 2) {
      if (server.state !== 'stopped')
        return send(response, 400, { type: 'invalid_request_error', message: 'server is not stopped' })
      await this.removeServer(server, false)
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
    if (method === 'POST' && parts[2] === 'action')
      return await this.action(response, server, JSON.parse(body))
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

  private async action(
    response: ServerResponse,
    server: ScalewayServer,
    body: Record<string, unknown>,
  ): Promise<void> {
    const task = { id: randomUUID(), description: `server_${body.action}`, status: 'pending' }
    if (body.action === 'poweron') {
      if (server.state !== 'stopped') {
        send(response, 400, { type: 'invalid_request_error', message: 'not stopped' })
        return
      }
      if (this.failPowerOn) {
        send(response, 500, { type: 'internal_error', message: 'injected poweron failure' })
        return
      }
      const running: ScalewayServer = {
        ...server,
        state: 'running',
        public_ip: { address: this.options.publicIp ?? `192.0.2.${this.nextIp++}` },
      }
      this.servers.set(server.id, running)
      await this.options.onBoot?.(running, this.userData.get(server.id)?.get('cloud-init') ?? '')
      send(response, 202, { task })
      return
    }
    if (body.action === 'terminate') {
      if (server.state !== 'running') {
        send(response, 400, { type: 'invalid_request_error', message: 'terminate needs a running server' })
        return
      }
      if (this.terminatePolls > 0) {
        this.servers.set(server.id, { ...server, state: 'stopping' })
        this.stopping.set(server.id, this.terminatePolls)
      } else await this.removeServer(server, true)
      send(response, 202, { task })
      return
    }
    send(response, 400, { type: 'invalid_arguments', message: `unsupported action ${String(body.action)}` })
  }

  // A terminated server stays listed, `stopping`, for terminatePolls reads, then is gone.
  private async settleStopping(id: string): Promise<void> {
    const left = this.stopping.get(id)
    const server = this.servers.get(id)
    if (left === undefined || server === undefined) return
    if (left > 1) {
      this.stopping.set(id, left - 1)
      return
    }
    this.stopping.delete(id)
    await this.removeServer(server, true)
  }

  // DELETE /servers/{id} detaches the volumes (they stay and bill); terminate deletes them.
  private async removeServer(server: ScalewayServer, withVolumes: boolean): Promise<void> {
    this.servers.delete(server.id)
    this.userData.delete(server.id)
    for (const { id } of Object.values(server.volumes)) {
      if (withVolumes) this.volumes.delete(id)
      else this.volumes.set(id, { id, server: null })
    }
    await this.options.onDestroy?.(server)
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
