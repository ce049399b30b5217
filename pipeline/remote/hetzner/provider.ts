// The Provider interface over the Hetzner Cloud API. Workers are created with IPv6 disabled (we
// connect over IPv4), so public_net.ipv6 is null and must stay harmless. A create whose answer was
// lost (no answer, a gateway error, a `timeout` code) is looked up by its unique name before it is
// sent again; `resource_unavailable` (no capacity for the type in the location) becomes a
// PlacementUnavailableError so the run can try its next type or location.
import { assert } from '../../assert.ts'
import { MateriaError } from '../../errors.ts'
import { providerAttemptsMax } from '../../limits.ts'
import {
  labelSelector,
  PlacementUnavailableError,
  type Provider,
  type ProviderAction,
  type ServerTypeOffer,
  type WorkerServer,
} from '../provider.ts'
import { type HetznerClient, isHetznerApiError } from './client.ts'
import type {
  CreateServerRequest,
  CreateServerResponse,
  HetznerAction,
  HetznerServer,
  HetznerServerType,
  HetznerSshKey,
} from './types.ts'

export interface HetznerProviderOptions {
  readonly pollMs?: number
  readonly sleep?: (ms: number) => Promise<void>
  readonly nowMs?: () => number
}

export function toWorkerServer(server: HetznerServer): WorkerServer {
  return {
    id: String(server.id),
    name: server.name,
    status: server.status,
    createdMs: Date.parse(server.created),
    labels: server.labels,
    ipv4: server.public_net.ipv4?.ip ?? null,
    ipv6: server.public_net.ipv6?.ip ?? null,
    serverType: server.server_type.name,
  }
}

// Where a type can be ordered: its `locations` (per-location deprecation), else, from an API that
// predates them, the locations it has prices for. A type-wide deprecation covers every location.
export function serverTypeOffer(type: HetznerServerType): ServerTypeOffer {
  const typeDeprecated = Boolean(type.deprecated) || (type.deprecation ?? null) !== null
  const listed = type.locations ?? type.prices.map((price) => ({ name: price.location, deprecation: null }))
  return {
    name: type.name,
    cores: type.cores,
    memoryGb: type.memory,
    architecture: type.architecture ?? 'x86',
    deprecated: typeDeprecated,
    locations: listed.map((location) => {
      const price = type.prices.find((entry) => entry.location === location.name)
      return {
        name: location.name,
        hourlyEur: price === undefined ? null : Number(price.price_hourly.gross),
        deprecated: typeDeprecated || location.deprecation !== null,
      }
    }),
  }
}

// The Provider, plus Hetzner's actions, which its tests follow directly.
export interface HetznerProvider extends Provider {
  waitForAction(action: ProviderAction, timeoutMs: number): Promise<void>
}

export function createHetznerProvider(
  client: HetznerClient,
  options: HetznerProviderOptions = {},
): HetznerProvider {
  const pollMs = options.pollMs ?? 2000
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const nowMs = options.nowMs ?? Date.now

  async function findByName(name: string): Promise<HetznerServer | null> {
    const servers = await client.list<HetznerServer>('/servers', 'servers', { name })
    return servers.find((server) => server.name === name) ?? null
  }

  async function get(id: string): Promise<WorkerServer | null> {
    const response = await client.find<{ server: HetznerServer }>(`/servers/${id}`)
    return response === null ? null : toWorkerServer(response.server)
  }

  async function waitForAction(action: ProviderAction, timeoutMs: number) {
    const deadlineMs = nowMs() + timeoutMs
    for (;;) {
      const { action: current } = await client.request<{ action: HetznerAction }>(
        'GET',
        `/actions/${action.id}`,
      )
      if (current.status === 'success') return
      if (current.status === 'error') {
        const reason =
          current.error === null ? 'unknown error' : `${current.error.code}: ${current.error.message}`
        throw new MateriaError('remote', `action ${current.id} (${current.command}) failed: ${reason}`)
      }
      if (nowMs() >= deadlineMs) {
        throw new MateriaError(
          'remote',
          `action ${current.id} (${current.command}) still running after ${timeoutMs} ms`,
        )
      }
      await sleep(pollMs)
    }
  }

  async function register(name: string, publicKey: string, labels: Readonly<Record<string, string>>) {
    const body = { name, public_key: publicKey, labels }
    try {
      const response = await client.request<{ ssh_key: HetznerSshKey }>('POST', '/ssh_keys', body)
      return String(response.ssh_key.id)
    } catch (error) {
      if (!isHetznerApiError(error) || !error.outcomeUnknown) throw error
      // The key may have been created although the answer was lost; a second POST would
      // answer uniqueness_error. Its name is unique: find it, else send it once more.
      const keys = await client.list<HetznerSshKey>('/ssh_keys', 'ssh_keys', { name })
      const existing = keys.find((key) => key.name === name && key.public_key === publicKey)
      if (existing !== undefined) return String(existing.id)
      const response = await client.request<{ ssh_key: HetznerSshKey }>('POST', '/ssh_keys', body)
      return String(response.ssh_key.id)
    }
  }

  return {
    name: 'hetzner',
    sshKeys: {
      register,
      async delete(id) {
        await client.request<unknown>('DELETE', `/ssh_keys/${id}`, undefined, true)
      },
      async listByLabels(labels) {
        const keys = await client.list<HetznerSshKey>('/ssh_keys', 'ssh_keys', {
          label_selector: labelSelector(labels),
        })
        return keys.map((key) => ({ id: String(key.id), name: key.name, labels: key.labels }))
      },
    },
    async create(request) {
      const body: CreateServerRequest = {
        name: request.name,
        server_type: request.serverType,
        image: request.image,
        location: request.location,
        ssh_keys: [request.sshKeyName],
        user_data: request.userData,
        labels: request.labels,
        start_after_create: true,
        public_net: { enable_ipv4: true, enable_ipv6: false },
      }
      for (let attempt = 1; ; attempt++) {
        try {
          const response = await client.request<CreateServerResponse>('POST', '/servers', body)
          assert(
            response.server !== undefined && response.action !== undefined,
            'POST /servers: no server or action',
          )
          return {
            server: toWorkerServer(response.server),
            action: { id: String(response.action.id) },
          }
        } catch (error) {
          if (isHetznerApiError(error, 'resource_unavailable')) {
            throw new PlacementUnavailableError(
              `no capacity for ${request.serverType} in ${request.location} (resource_unavailable)`,
              { cause: error },
            )
          }
          if (!isHetznerApiError(error) || !error.outcomeUnknown || attempt >= providerAttemptsMax)
            throw error
          // The answer was lost: the server may exist. Its name is unique, so look it up first.
          const existing = await findByName(request.name)
          if (existing !== null) return { server: toWorkerServer(existing), action: null }
          await sleep(pollMs)
        }
      }
    },
    // The create's action says when the server is up; after a create whose answer was lost there
    // is no action to follow, so the server's own status is polled.
    async waitRunning(created, timeoutMs) {
      const deadlineMs = nowMs() + timeoutMs
      if (created.action !== null) await waitForAction(created.action, timeoutMs)
      for (;;) {
        const server = await get(created.server.id)
        if (server === null)
          throw new MateriaError('remote', `server ${created.server.id} disappeared while starting`)
        if (server.status === 'running' && server.ipv4 !== null) return server
        if (nowMs() >= deadlineMs) {
          throw new MateriaError(
            'remote',
            `server ${server.id} is still ${server.status} after ${timeoutMs} ms; materia worker reap removes it`,
          )
        }
        await sleep(pollMs)
      }
    },
    get,
    async listByLabels(labels) {
      const servers = await client.list<HetznerServer>('/servers', 'servers', {
        label_selector: labelSelector(labels),
      })
      return servers.map(toWorkerServer)
    },
    async delete(id, timeoutMs) {
      const response = await client.request<{ action: HetznerAction } | null>(
        'DELETE',
        `/servers/${id}`,
        undefined,
        true,
      )
      if (response === null) return false
      await waitForAction({ id: String(response.action.id) }, timeoutMs)
      return true
    },
    waitForAction,
    async serverTypes() {
      const types = await client.list<HetznerServerType>('/server_types', 'server_types', {})
      return types.map(serverTypeOffer)
    },
  }
}
