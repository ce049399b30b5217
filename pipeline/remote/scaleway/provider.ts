// Workers on Scaleway Instances. Scaleway has no labels: a label becomes the tag `key=value`, and
// servers are listed by exact tags (GET /servers?tags=a,b). A server is created stopped, its
// cloud-init is stored under the user-data key `cloud-init` (PATCH .../user_data/cloud-init,
// text/plain; cloud-init reads it from the metadata service at first boot), and only then is it
// powered on, so the first boot sees it. `terminate` stops the server and deletes it together with
// its attached volumes (local and block), which is what a worker wants: nothing is left to bill.
// The worker's IPv4 comes from `dynamic_ip_required`; waitRunning polls until the server runs and
// has that address, after which the run waits for SSH as it does on Hetzner. Scaleway keeps no
// per-run SSH key records here: the run's key goes into cloud-init's `ssh_authorized_keys`, and a
// team key is one of the project's SSH keys, which Scaleway installs on every Instance at boot.
// A server that never started (left `stopped`) cannot be terminated: it is deleted, then its
// volumes one by one, so nothing is left to bill.
import { assert } from '../../assert.ts'
import { MateriaError } from '../../errors.ts'
import type { Provider, ServerTypeOffer, WorkerServer } from '../provider.ts'
import type { ScalewayClient } from './client.ts'
import type {
  CreateServerRequest,
  ScalewayAvailability,
  ScalewayServer,
  ScalewayServerType,
  ScalewayTask,
} from './types.ts'

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

export function toWorkerServer(server: ScalewayServer): WorkerServer {
  return {
    id: server.id,
    name: server.name,
    status: server.state,
    createdMs: Date.parse(server.creation_date),
    labels: tagsToLabels(server.tags),
    ipv4: server.public_ip?.address ?? null,
    ipv6: null,
    serverType: server.commercial_type,
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

export function createScalewayProvider(
  client: ScalewayClient,
  options: { readonly pollMs?: number; readonly nowMs?: () => number } = {},
): Provider {
  const pollMs = options.pollMs ?? 2000
  const nowMs = options.nowMs ?? Date.now
  const pause = () => new Promise<void>((resolve) => setTimeout(resolve, pollMs))

  async function find(id: string): Promise<ScalewayServer | null> {
    const response = await client.find<{ server: ScalewayServer }>(`/servers/${id}`)
    return response === null ? null : response.server
  }

  // Deletes a server that is not running, then its volumes (DELETE leaves them behind).
  async function deleteStopped(server: ScalewayServer): Promise<void> {
    await client.request<unknown>('DELETE', `/servers/${server.id}`)
    const left: string[] = []
    for (const volume of Object.values(server.volumes)) {
      await client.request<unknown>('DELETE', `/volumes/${volume.id}`).catch(() => left.push(volume.id))
    }
    if (left.length > 0) {
      throw new MateriaError(
        'remote',
        `Scaleway server ${server.id} deleted, but not its volumes ${left.join(', ')}; delete them in the console`,
      )
    }
  }

  return {
    name: 'scaleway',
    sshKeys: null,
    async create(request) {
      assert(request.location === client.zone, `Scaleway location ${request.location} is not ${client.zone}`)
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
        // The server never started: remove it and its volumes before reporting the failure.
        await deleteStopped(server).catch(() => undefined)
        throw new MateriaError(
          'remote',
          `Scaleway server ${server.id} could not be started (${String(error)}); it was deleted`,
        )
      }
      return { server: toWorkerServer(server), action: null }
    },
    async waitRunning(created, timeoutMs) {
      const id = created.server.id
      const deadlineMs = nowMs() + timeoutMs
      for (;;) {
        const server = await find(id)
        if (server === null)
          throw new MateriaError('remote', `Scaleway server ${id} disappeared while starting`)
        if (server.state === 'running' && server.public_ip !== null) return toWorkerServer(server)
        if (nowMs() >= deadlineMs) {
          throw new MateriaError(
            'remote',
            `Scaleway server ${id} still ${server.state} after ${timeoutMs} ms; delete it with materia worker reap --provider scaleway`,
          )
        }
        await pause()
      }
    },
    async get(id) {
      const server = await find(id)
      return server === null ? null : toWorkerServer(server)
    },
    async listByLabels(labels) {
      const servers = await client.list<ScalewayServer>('/servers', 'servers', {
        tags: labelsToTags(labels).join(','),
        project: client.projectId,
      })
      return servers.map(toWorkerServer)
    },
    // `terminate` stops a running server and deletes it with all its volumes; the server stays
    // listed (stopping) until that is done, so this waits until GET answers 404.
    async delete(id, timeoutMs) {
      const server = await find(id)
      if (server === null) return false
      if (server.state === 'stopped') await deleteStopped(server)
      else {
        await client.request<{ task: ScalewayTask }>('POST', `/servers/${id}/action`, {
          action: 'terminate',
        })
      }
      const deadlineMs = nowMs() + timeoutMs
      for (;;) {
        const current = await find(id)
        if (current === null) return true
        if (nowMs() >= deadlineMs) {
          throw new MateriaError(
            'remote',
            `Scaleway server ${id} still ${current.state} ${timeoutMs} ms after terminate; check it in the console`,
          )
        }
        await pause()
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
