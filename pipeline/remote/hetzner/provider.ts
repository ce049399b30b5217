// The Provider interface over the Hetzner Cloud API. Workers are created with IPv6 disabled (we
// connect over IPv4), so public_net.ipv6 is null and must stay harmless.
import { assert } from '../../assert.ts'
import { MateriaError } from '../../errors.ts'
import type { Provider, ProviderAction, ServerTypePrice, WorkerServer } from '../provider.ts'
import type { HetznerClient } from './client.ts'
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
    id: server.id,
    name: server.name,
    status: server.status,
    createdMs: Date.parse(server.created),
    labels: server.labels,
    ipv4: server.public_net.ipv4?.ip ?? null,
    ipv6: server.public_net.ipv6?.ip ?? null,
    serverType: server.server_type.name,
  }
}

export function hourlyPrice(type: HetznerServerType, location: string | null): ServerTypePrice {
  const price = type.prices.find((entry) => entry.location === location) ?? type.prices[0]
  if (price === undefined) throw new MateriaError('remote', `server type ${type.name} has no price listed`)
  return {
    name: type.name,
    hourlyEur: Number(price.price_hourly.gross),
    cores: type.cores,
    memoryGb: type.memory,
  }
}

export function createHetznerProvider(client: HetznerClient, options: HetznerProviderOptions = {}): Provider {
  const pollMs = options.pollMs ?? 2000
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)))
  const nowMs = options.nowMs ?? Date.now

  return {
    async create(request) {
      const body: CreateServerRequest = {
        name: request.name,
        server_type: request.serverType,
        image: request.image,
        ...(request.location === null ? {} : { location: request.location }),
        ssh_keys: [request.sshKeyName],
        user_data: request.userData,
        labels: request.labels,
        start_after_create: true,
        public_net: { enable_ipv4: true, enable_ipv6: false },
      }
      const response = await client.request<CreateServerResponse>('POST', '/servers', body)
      assert(
        response.server !== undefined && response.action !== undefined,
        'POST /servers: no server or action',
      )
      return { server: toWorkerServer(response.server), action: { id: response.action.id } }
    },
    async get(id) {
      const response = await client.find<{ server: HetznerServer }>(`/servers/${id}`)
      return response === null ? null : toWorkerServer(response.server)
    },
    async listByLabel(selector) {
      const servers = await client.list<HetznerServer>('/servers', 'servers', { label_selector: selector })
      return servers.map(toWorkerServer)
    },
    async delete(id) {
      const response = await client.request<{ action: HetznerAction } | null>(
        'DELETE',
        `/servers/${id}`,
        undefined,
        true,
      )
      return response === null ? null : { id: response.action.id }
    },
    async waitForAction(action: ProviderAction, timeoutMs: number) {
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
    },
    async registerSshKey(name, publicKey, labels) {
      const response = await client.request<{ ssh_key: HetznerSshKey }>('POST', '/ssh_keys', {
        name,
        public_key: publicKey,
        labels,
      })
      return response.ssh_key.id
    },
    async deleteSshKey(id) {
      await client.request<unknown>('DELETE', `/ssh_keys/${id}`, undefined, true)
    },
    async serverTypePrice(name, location) {
      const types = await client.list<HetznerServerType>('/server_types', 'server_types', { name })
      const type = types.find((entry) => entry.name === name)
      if (type === undefined)
        throw new MateriaError('remote', `unknown Hetzner server type "${name}"; see materia.yaml workers:`)
      return hourlyPrice(type, location)
    },
  }
}
