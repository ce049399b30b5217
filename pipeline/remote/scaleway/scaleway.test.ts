// Goal: the Scaleway Instances client and provider do what Scaleway's documentation says, and the
// cheapest choice across both price lists is right. Method: a fake of the Instances API v1 on
// 127.0.0.1 (testing/fake-scaleway.ts, written from the API reference), real HTTP, no stubs.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { chooseCheapest } from '../cheapest.ts'
import { serverTypeOffer } from '../hetzner/provider.ts'
import type { HetznerServerType } from '../hetzner/types.ts'
import { FakeScaleway } from '../testing/fake-scaleway.ts'
import { createScalewayClient, ScalewayApiError, scalewayClientFromEnv } from './client.ts'
import { createScalewayProvider, toWorkerServer } from './provider.ts'

const secretKey = 'scw-secret-test'
const projectId = '00000000-0000-4000-8000-000000000001'
const zone = 'fr-par-1'
const gib = 1024 ** 3

// Shaped as GET /products/servers lists them: hourly_price in EUR, ram in bytes.
const types = {
  'DEV1-S': { hourly_price: 0.0088, ncpus: 2, ram: 2 * gib, arch: 'x86_64' },
  'DEV1-M': { hourly_price: 0.0198, ncpus: 3, ram: 4 * gib, arch: 'x86_64' },
  'PLAY2-MICRO': { hourly_price: 0.054, ncpus: 4, ram: 8 * gib, arch: 'x86_64' },
  'GP1-XS': { hourly_price: 0.091, ncpus: 4, ram: 16 * gib, arch: 'x86_64', end_of_service: true },
  'PRO2-XXS': { hourly_price: 0.0099, ncpus: 2, ram: 8 * gib, arch: 'x86_64' },
}
const availability = {
  'DEV1-S': { availability: 'available' },
  'DEV1-M': { availability: 'scarce' },
  'PLAY2-MICRO': { availability: 'available' },
  'GP1-XS': { availability: 'available' },
  'PRO2-XXS': { availability: 'shortage' },
}

let fake: FakeScaleway
beforeEach(async () => {
  fake = await FakeScaleway.start({ secretKey, zone, types, availability })
})
afterEach(async () => {
  await fake.stop()
})

function createRequest(fields: { name: string; serverType: string; labels: Record<string, string> }) {
  return { image: 'ubuntu_noble', location: zone, sshKeyName: 'unused', userData: '', ...fields }
}

function client(key = secretKey) {
  return createScalewayClient({ baseUrl: fake.url, zone, secretKey: key, projectId, sleep: async () => {} })
}

describe('scalewayClientFromEnv', () => {
  it('refuses without secrets, naming every missing variable', () => {
    expect(() => scalewayClientFromEnv({})).toThrow('SCW_SECRET_KEY, SCW_DEFAULT_PROJECT_ID are not set')
    expect(() => scalewayClientFromEnv({ SCW_SECRET_KEY: 'x', SCW_DEFAULT_PROJECT_ID: '' })).toThrow(
      /^SCW_DEFAULT_PROJECT_ID is not set/,
    )
  })

  it('reads the zone and API address from the environment', async () => {
    const fromEnv = scalewayClientFromEnv({
      SCW_SECRET_KEY: secretKey,
      SCW_DEFAULT_PROJECT_ID: projectId,
      SCW_DEFAULT_ZONE: zone,
      SCW_API_URL: fake.url,
    })
    expect(fromEnv.zone).toBe(zone)
    expect(await fromEnv.list('/servers', 'servers', {})).toEqual([])
  })
})

describe('ScalewayClient', () => {
  it('sends X-Auth-Token and reports the documented error type', async () => {
    const error = await client('wrong')
      .request('GET', '/servers')
      .catch((caught: unknown) => caught)
    expect(error).toBeInstanceOf(ScalewayApiError)
    expect((error as ScalewayApiError).status).toBe(403)
    expect((error as ScalewayApiError).apiType).toBe('denied_authentication')
    expect(String((error as Error).message)).not.toContain('wrong')
  })

  it('answers null for a server that is gone and pages through long lists', async () => {
    expect(await client().find('/servers/11111111-1111-4111-8111-111111111111')).toBeNull()
    const provider = createScalewayProvider(client())
    for (let index = 0; index < 103; index++) {
      fake.servers.set(`id-${index}`, {
        id: `id-${index}`,
        name: `w${index}`,
        state: 'running',
        commercial_type: 'DEV1-S',
        tags: ['app=materia'],
        creation_date: new Date(0).toISOString(),
        project: projectId,
        zone,
        public_ip: null,
        volumes: {},
      })
    }
    const listed = await provider.listByLabels({ app: 'materia' })
    expect(listed).toHaveLength(103)
    expect(new Set(listed.map((worker) => worker.id)).size).toBe(103)
  })

  it('refuses an unknown commercial type with invalid_arguments', async () => {
    const provider = createScalewayProvider(client())
    const error = await provider
      .create(createRequest({ name: 'w', serverType: 'NOPE', labels: {} }))
      .catch((caught: unknown) => caught)
    expect((error as ScalewayApiError).apiType).toBe('invalid_arguments')
    expect(fake.servers.size).toBe(0)
  })
})

describe('ScalewayProvider', () => {
  it('creates with cloud-init, lists by tag, deletes with its volumes', async () => {
    const provider = createScalewayProvider(client(), { pollMs: 1 })
    expect(provider.sshKeys).toBeNull() // the run's key travels in the user data
    const cloudInit = '#cloud-config\nruncmd:\n  - echo ready\n'
    const created = await provider.create({
      ...createRequest({
        name: 'materia-worker-1',
        serverType: 'DEV1-S',
        labels: { app: 'materia', run: 'r1' },
      }),
      userData: cloudInit,
    })
    const id = created.server.id
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    expect(created.action).toBeNull()
    expect(fake.userData.get(id)?.get('cloud-init')).toBe(cloudInit)
    // The user data was stored before the server was powered on, so the first boot reads it.
    const order = fake.requests.map(
      (request) => `${request.method} ${request.path.split('/').slice(7).join('/')}`,
    )
    expect(order.indexOf('PATCH user_data/cloud-init')).toBeGreaterThanOrEqual(0)
    expect(order.indexOf('PATCH user_data/cloud-init')).toBeLessThan(order.indexOf('POST action'))
    const running = await provider.waitRunning(created, 5_000)
    expect(running.status).toBe('running')
    expect(running.ipv4).toMatch(/^192\.0\.2\.\d+$/)
    expect(running.labels).toEqual({ app: 'materia', run: 'r1' })

    await provider.create(createRequest({ name: 'other', serverType: 'DEV1-S', labels: { app: 'other' } }))
    const listed = await provider.listByLabels({ app: 'materia', run: 'r1' })
    expect(listed.map((worker) => worker.name)).toEqual(['materia-worker-1'])

    const volumeIds = Object.values(fake.servers.get(id)?.volumes ?? {}).map((volume) => volume.id)
    expect(volumeIds).toHaveLength(1)
    expect(await provider.delete(id, 5_000)).toBe(true)
    expect(await provider.get(id)).toBeNull()
    for (const volumeId of volumeIds) expect(fake.volumes.has(volumeId)).toBe(false)
    expect(await provider.delete(id, 5_000)).toBe(false)
    expect(await provider.listByLabels({ app: 'materia' })).toEqual([])
  })

  it('waits for a terminated server to leave the list, and deletes a stopped one with its volumes', async () => {
    const provider = createScalewayProvider(client(), { pollMs: 1 })
    fake.terminatePolls = 3 // terminate leaves the server `stopping` for three reads, as a real one stays
    const created = await provider.create(createRequest({ name: 'w', serverType: 'DEV1-S', labels: {} }))
    expect(await provider.delete(created.server.id, 5_000)).toBe(true)
    expect(fake.servers.size).toBe(0)
    // A server that never started cannot be terminated: DELETE, then each volume.
    fake.failPowerOn = true
    await expect(
      provider.create(createRequest({ name: 'never', serverType: 'DEV1-S', labels: {} })),
    ).rejects.toThrow(/could not be started .*; it was deleted/)
    expect(fake.servers.size).toBe(0)
    expect(fake.volumes.size).toBe(0)
  })

  it('refuses a location other than its zone', async () => {
    const provider = createScalewayProvider(client())
    await expect(
      provider.create({
        ...createRequest({ name: 'w', serverType: 'DEV1-S', labels: {} }),
        location: 'nl-ams-1',
      }),
    ).rejects.toThrow('Scaleway location nl-ams-1 is not fr-par-1')
  })

  it('stops waiting for a server that does not start, naming it', async () => {
    const id = '22222222-2222-4222-8222-222222222222'
    const server = {
      id,
      name: 'stuck',
      state: 'starting',
      commercial_type: 'DEV1-S',
      tags: [],
      creation_date: new Date(0).toISOString(),
      project: projectId,
      zone,
      public_ip: null,
      volumes: {},
    }
    fake.servers.set(id, server)
    const provider = createScalewayProvider(client(), { pollMs: 1 })
    const created = { server: toWorkerServer(server), action: null }
    await expect(provider.waitRunning(created, 20)).rejects.toThrow(
      `Scaleway server ${id} still starting after 20 ms`,
    )
    fake.servers.delete(id)
    await expect(provider.waitRunning(created, 20)).rejects.toThrow('disappeared while starting')
  })

  it('lists types as offers: out of stock not offered, end of service deprecated', async () => {
    const offers = await createScalewayProvider(client()).serverTypes()
    const byName = new Map(offers.map((offer) => [offer.name, offer]))
    expect(byName.get('DEV1-S')).toEqual({
      name: 'DEV1-S',
      cores: 2,
      memoryGb: 2,
      architecture: 'x86',
      deprecated: false,
      locations: [{ name: zone, hourlyEur: 0.0088, deprecated: false }],
    })
    expect(byName.get('PRO2-XXS')?.locations).toEqual([])
    expect(byName.get('GP1-XS')?.deprecated).toBe(true)
  })
})

describe('chooseCheapest', () => {
  // Shaped as Hetzner's GET /server_types lists them (prices per location, gross as a string).
  function hetznerType(name: string, cores: number, memory: number, gross: string): HetznerServerType {
    return {
      id: 1,
      name,
      description: name,
      cores,
      memory,
      disk: 40,
      architecture: 'x86',
      deprecated: false,
      deprecation: null,
      prices: [
        { location: 'fsn1', price_hourly: { net: gross, gross }, price_monthly: { net: '0', gross: '0' } },
      ],
      locations: [{ id: 1, name: 'fsn1', deprecation: null }],
    }
  }

  it('picks the cheapest type that fits from both price lists', async () => {
    const scaleway = await createScalewayProvider(client()).serverTypes()
    const hetzner = [hetznerType('cx23', 2, 4, '0.0076'), hetznerType('cx43', 8, 16, '0.0240')]
    const lists = [
      { provider: 'hetzner' as const, offers: hetzner.map(serverTypeOffer) },
      { provider: 'scaleway' as const, offers: scaleway },
    ]
    expect(chooseCheapest(lists, { cores: 2, memoryGb: 2 })).toMatchObject({
      provider: 'hetzner',
      serverType: 'cx23',
    })
    // 3 cores: cx23 is too small; DEV1-M (scarce but orderable) beats cx43.
    expect(chooseCheapest(lists, { cores: 3, memoryGb: 4 })).toMatchObject({
      provider: 'scaleway',
      serverType: 'DEV1-M',
      hourlyEur: 0.0198,
    })
    // 8 GB, 2 cores: PRO2-XXS would be cheapest but is out of stock; GP1-XS is at end of service.
    expect(chooseCheapest(lists, { cores: 2, memoryGb: 8 })).toMatchObject({
      provider: 'hetzner',
      serverType: 'cx43',
    })
    expect(() => chooseCheapest(lists, { cores: 64, memoryGb: 256 })).toThrow(
      'no server type on hetzner, scaleway has 64 cores and 256 GB memory',
    )
  })
})
