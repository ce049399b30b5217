// Workers on Scaleway Instances. Scaleway has no labels: a label becomes the tag `key=value`, and
// servers are listed by exact tags (GET /servers?tags=a,b). A server is created stopped, its
// cloud-init is stored under the user-data key `cloud-init` (PATCH .../user_data/cloud-init,
// text/plain; cloud-init reads it from the metadata service at first boot), and only then is it
// powered on, so the first boot sees it. `terminate` stops the server and deletes it together with
// its attached volumes (local and block), which is what a worker wants: nothing is left to bill.
// The worker's IPv4 comes from `dynamic_ip_required`; waitRunning polls until the server runs and
// has that address, after which the run waits for SSH as it does on Hetzner.
import { assert } from '../../assert.ts'
import { MateriaError } from '../../errors.ts'
import type { ServerTypeOffer } from '../provider.ts'
import type { ScalewayClient } from './client.ts'
import type {
  CreateServerRequest,
  ScalewayAvailability,
  ScalewayServer,
  ScalewayServerType,
  ScalewayTask,
} from './types.ts'

export interface ScalewayWorker {
  readonly id: string
  readonly name: string
  readonly state: string
  readonly serverType: string
  readonly labels: Readonly<Record<string, string>>
  readonly ipv4: string | null
  readonly createdMs: number
}

export interface CreateScalewayWorkerRequest {
  readonly name: string
  readonly serverType: string
  readonly image: string // an image label such as ubuntu_noble, or an image UUID
  readonly userData: string // cloud-init; never holds secrets
  readonly labels: Readonly<Record<string, string>>
}

export function labelsToTags(labels: Readonly<Record<string, string>>): string[] {
  return Object.entries(labels).map(([key, value]) => {
    assert(!key.includes('=') && !key.includes(','), `label key ${key} holds = or ,`)
    assert(!value.includes(','), `label value ${value} holds a comma`)
    return `${key}=${value}`
  })
}

function tagsToLabels(tags: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {}
  for (const tag of tags) {
    const at = tag.indexOf('=')
    if (at > 0) labels[tag.slice(0, at)] = tag.slice(at + 1)
  }
  return labels
}

export function toScalewayWorker(server: ScalewayServer): ScalewayWorker {
  return {
    id: server.id,
    name: server.name,
    state: server.state,
    serverType: server.commercial_type,
    labels: tagsToLabels(server.tags),
    ipv4: server.public_ip?.address ?? null,
    createdMs: Date.parse(server.creation_date),
  }
}

// The price list as the other providers show it: one location (the client's zone), a type at
// its end of service is deprecated, a type out of stock (`shortage`) is not offered.
export function scalewayOffers(
  types: Readonly<Record<string, ScalewayServerType>>,
  availability: Readonly<Record<string, ScalewayAvailability>>,
  zone: string,
): ServerTypeOffer[] {
  return Object.entries(types).map(([name, type]) => {
    const stock = availability[name]?.availability ?? 'shortage'
    return {
      name,
      cores: type.ncpus,
      memoryGb: type.ram / 1024 ** 3,
      architecture: type.arch === 'arm64' ? 'arm' : 'x86',
      deprecated: type.end_of_service === true,
      locations:
        stock === 'shortage' ? [] : [{ name: zone, hourlyEur: type.hourly_price, deprecated: false }],
    }
  })
}

export interface ScalewayProvider {
  create(request: CreateScalewayWorkerRequest): Promise<ScalewayWorker>
  get(id: string): Promise<ScalewayWorker | null>
  listByLabels(labels: Readonly<Record<string, string>>): Promise<ScalewayWorker[]>
  delete(id: string): Promise<boolean> // false when already gone
  waitRunning(id: string, timeoutMs: number): Promise<ScalewayWorker>
  serverTypes(): Promise<ServerTypeOffer[]>
}

export function createScalewayProvider(
  client: ScalewayClient,
  options: { readonly pollMs?: number; readonly nowMs?: () => number } = {},
): ScalewayProvider {
  const pollMs = options.pollMs ?? 2000
  const nowMs = options.nowMs ?? Date.now

  async function get(id: string): Promise<ScalewayWorker | null> {
    const response = await client.find<{ server: ScalewayServer }>(`/servers/${id}`)
    return response === null ? null : toScalewayWorker(response.server)
  }

  return {
    async create(request) {
      const body: CreateServerRequest = {
        name: request.name,
        commercial_type: request.serverType,
        image: request.image,
        project: client.projectId,
        tags: labelsToTags(request.labels),
        dynamic_ip_required: true,
      }
      const { server } = await client.request<{ server: ScalewayServer }>('POST', '/servers', body)
      assert(
        server.state === 'stopped',
        `POST /servers: new server ${server.id} is ${server.state}, not stopped`,
      )
      try {
        await client.putText(`/servers/${server.id}/user_data/cloud-init`, request.userData)
        await client.request<{ task: ScalewayTask }>('POST', `/servers/${server.id}/action`, {
          action: 'poweron',
        })
      } catch (error) {
        // The server never started: remove it before reporting the failure. DELETE (unlike
        // terminate, which needs a running server) leaves its root volume, named in the error.
        await client.request<unknown>('DELETE', `/servers/${server.id}`).catch(() => undefined)
        const volumes = Object.values(server.volumes).map((volume) => volume.id)
        throw new MateriaError(
          'remote',
          `Scaleway server ${server.id} could not be started (${String(error)}); check volumes ${volumes.join(', ')} in the console`,
        )
      }
      return toScalewayWorker(server)
    },
    get,
    async listByLabels(labels) {
      const servers = await client.list<ScalewayServer>('/servers', 'servers', {
        tags: labelsToTags(labels).join(','),
        project: client.projectId,
      })
      return servers.map(toScalewayWorker)
    },
    async delete(id) {
      const current = await get(id)
      if (current === null) return false
      await client.request<{ task: ScalewayTask }>('POST', `/servers/${id}/action`, { action: 'terminate' })
      return true
    },
    async waitRunning(id, timeoutMs) {
      const deadlineMs = nowMs() + timeoutMs
      for (;;) {
        const worker = await get(id)
        if (worker === null)
          throw new MateriaError('remote', `Scaleway server ${id} disappeared while starting`)
        if (worker.state === 'running' && worker.ipv4 !== null) return worker
        if (nowMs() >= deadlineMs) {
          throw new MateriaError(
            'remote',
            `Scaleway server ${id} still ${worker.state} after ${timeoutMs} ms; delete it with materia worker reap`,
          )
        }
        await new Promise<void>((resolve) => setTimeout(resolve, pollMs))
      }
    },
    async serverTypes() {
      const [types, stock] = await Promise.all([
        client.request<{ servers: Record<string, ScalewayServerType> }>(
          'GET',
          '/products/servers?per_page=100',
        ),
        client.request<{ servers: Record<string, ScalewayAvailability> }>(
          'GET',
          '/products/servers/availability?per_page=100',
        ),
      ])
      return scalewayOffers(types.servers, stock.servers, client.zone)
    },
  }
}
