// Goal: the Hetzner client and provider handle the API as documented: pagination, 401, retries on
// 429/502/503/504 and the codes conflict, rate_limit_exceeded and timeout (and on nothing else), a
// create whose answer is lost found again by name instead of sent twice, resource_unavailable as a
// placement to skip, the per-location server type list, null ipv6, an action that ends in error,
// a server already gone.
// Method: a fake of the API on 127.0.0.1 (testing/fake-hetzner.ts); sleeps are recorded, not slept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { PlacementUnavailableError } from '../provider.ts'
import { type FakeHetzner, startFakeHetzner } from '../testing/fake-hetzner.ts'
import { createHetznerClient, retryDelayMs } from './client.ts'
import { createHetznerProvider } from './provider.ts'

const token = 'test-token-1'
let fake: FakeHetzner
let sleeps: number[]

beforeEach(async () => {
  fake = await startFakeHetzner({ token })
  sleeps = []
})
afterEach(() => fake.close())

function provider(clientToken = token) {
  const sleep = async (ms: number) => {
    sleeps.push(ms)
  }
  const client = createHetznerClient({ baseUrl: fake.url, token: clientToken, sleep, backoffBaseMs: 100 })
  return createHetznerProvider(client, { sleep, pollMs: 10 })
}

async function registerKey(name = 'run-key') {
  await provider().sshKeys!.register(name, 'ssh-ed25519 AAAA test', { app: 'materia' })
  return name
}

const request = (name: string, labels: Record<string, string>, sshKeyName: string) => ({
  name,
  serverType: 'cx23',
  image: 'debian-12',
  location: 'fsn1',
  sshKeyName,
  userData: '#cloud-config\n',
  labels,
})

describe('hetzner provider', () => {
  it('creates a server, waits for its action and reads a null ipv6 as null', async () => {
    const key = await registerKey()
    const { server, action } = await provider().create(request('w1', { app: 'materia', run: 'r1' }, key))
    expect(server.ipv4).toBe('127.0.0.1')
    expect(server.ipv6).toBeNull()
    await provider().waitForAction(action!, 5000)
    expect(sleeps).toEqual([10]) // one poll answered "running"
    expect((await provider().get(server.id))?.status).toBe('running')
  })

  it('lists by label selector across pages', async () => {
    const key = await registerKey()
    for (let index = 0; index < 5; index++) {
      await provider().create(request(`w${index}`, { app: 'materia', run: `r${index % 2}` }, key))
    }
    await provider().create(request('other', { app: 'else' }, key))
    fake.perPageMax = 2
    const all = await provider().listByLabels({ app: 'materia' })
    expect(all.map((server) => server.name).sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4'])
    expect(fake.requests.filter((line) => line.startsWith('GET /v1/servers?')).length).toBe(3)
    expect((await provider().listByLabels({ app: 'materia', run: 'r1' })).length).toBe(2)
  })

  it('reports an action that ends in error with its code', async () => {
    const key = await registerKey()
    fake.createActionOutcome = 'error'
    const { action } = await provider().create(request('w1', { app: 'materia' }, key))
    await expect(provider().waitForAction(action!, 5000)).rejects.toThrow(
      /create_server\) failed: server_error: Server could not be created/,
    )
  })

  it('times out an action that keeps running', async () => {
    const key = await registerKey()
    fake.actionPollsRunning = 1_000_000
    const { action } = await provider().create(request('w1', { app: 'materia' }, key))
    await expect(provider().waitForAction(action!, 50)).rejects.toThrow(/still running after 50 ms/)
  })

  it('answers 401 with a hint to check the token, without retrying', async () => {
    await expect(provider('wrong').listByLabels({ app: 'materia' })).rejects.toThrow(
      /401 unauthorized: unable to authenticate; check HETZNER_TOKEN/,
    )
    expect(fake.requests.length).toBe(1)
  })

  it('waits for Retry-After on 429 and backs off on 5xx, then succeeds', async () => {
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 429, retryAfterS: 3 })
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 503 })
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 502 })
    expect(await provider().listByLabels({ app: 'materia' })).toEqual([])
    expect(sleeps).toEqual([3000, 200, 400])
  })

  it('gives up after providerAttemptsMax gateway errors', async () => {
    for (let index = 0; index < 6; index++)
      fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 503 })
    await expect(provider().listByLabels({ app: 'materia' })).rejects.toThrow(
      /503 unavailable.*after 5 attempts/,
    )
  })

  it('retries the codes conflict, rate_limit_exceeded and timeout, but not a 500 or invalid_input', async () => {
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 409, code: 'conflict' })
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 429, retryAfterS: 1 })
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 408, code: 'timeout' })
    expect(await provider().listByLabels({ app: 'materia' })).toEqual([])
    expect(sleeps).toEqual([100, 1000, 400])
    fake.requests.length = 0
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 500 })
    await expect(provider().listByLabels({ app: 'materia' })).rejects.toThrow(
      /500 server_error: injected 500$/,
    )
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 422, code: 'invalid_input' })
    await expect(provider().listByLabels({ app: 'materia' })).rejects.toThrow(/422 invalid_input/)
    expect(fake.requests.length).toBe(2)
  })

  it('finds a server whose create answer was lost instead of creating it twice', async () => {
    const key = await registerKey()
    fake.faults.push({ method: 'POST', pathPrefix: '/servers', status: 504, afterEffect: true })
    const first = await provider().create(request('lost-answer', { app: 'materia', run: 'r1' }, key))
    expect(first.server.name).toBe('lost-answer')
    expect(first.action).toBeNull() // no action to follow: the caller waits for the status
    fake.faults.push({ method: 'POST', pathPrefix: '/servers', status: 0, afterEffect: true })
    const second = await provider().create(request('dropped', { app: 'materia', run: 'r2' }, key))
    expect(second.server.name).toBe('dropped')
    expect([...fake.servers.values()].map((server) => server.name).sort()).toEqual(['dropped', 'lost-answer'])
    expect(fake.requests.filter((line) => line === 'POST /v1/servers').length).toBe(2)
  })

  it('sends a create again when the lost answer left no server behind', async () => {
    const key = await registerKey()
    fake.faults.push({ method: 'POST', pathPrefix: '/servers', status: 502 })
    const { server, action } = await provider().create(request('w1', { app: 'materia' }, key))
    expect(action).not.toBeNull()
    expect(fake.servers.get(Number(server.id))?.name).toBe('w1')
    expect(fake.requests.filter((line) => line === 'POST /v1/servers').length).toBe(2)
  })

  it('registers an SSH key whose answer was lost exactly once', async () => {
    fake.faults.push({ method: 'POST', pathPrefix: '/ssh_keys', status: 504, afterEffect: true })
    const id = await provider().sshKeys!.register('run-key', 'ssh-ed25519 AAAA lost', { app: 'materia' })
    expect([...fake.sshKeys.keys()].map(String)).toEqual([id])
  })

  it('reports resource_unavailable as a placement to skip', async () => {
    const key = await registerKey()
    fake.unavailable.add('fsn1')
    await expect(provider().create(request('w1', { app: 'materia' }, key))).rejects.toBeInstanceOf(
      PlacementUnavailableError,
    )
    expect(fake.servers.size).toBe(0)
  })

  it('refuses a label value the API would reject, such as an ISO timestamp', async () => {
    const key = await registerKey()
    await expect(
      provider().create(request('w1', { app: 'materia', deadline: '2026-12-01T20:00:00Z' }, key)),
    ).rejects.toThrow(/422 invalid_input: label value/)
  })

  it('treats getting a server already gone as null and deleting it as false', async () => {
    expect(await provider().get('424242')).toBeNull()
    expect(await provider().delete('424242', 5000)).toBe(false)
  })

  it('deletes a server and waits for the delete action; waits for a found-again server to run', async () => {
    const key = await registerKey()
    const created = await provider().create(request('w1', { app: 'materia' }, key))
    const running = await provider().waitRunning(created, 5000)
    expect(running).toMatchObject({ id: created.server.id, status: 'running', ipv4: '127.0.0.1' })
    // No action to follow (a create whose answer was lost): the status is polled instead.
    expect((await provider().waitRunning({ server: created.server, action: null }, 5000)).status).toBe(
      'running',
    )
    expect(await provider().delete(created.server.id, 5000)).toBe(true)
    expect(await provider().get(created.server.id)).toBeNull()
    expect(fake.requests).toContain(`DELETE /v1/servers/${created.server.id}`)
  })

  it('lists server types per location: retired types gone, deprecations marked', async () => {
    fake.perPageMax = 3
    const offers = await provider().serverTypes()
    const names = offers.map((offer) => offer.name)
    expect(names).toContain('cx23')
    expect(names).not.toContain('cx22') // unavailable_after 2025-12-31: no longer listed
    expect(offers.find((offer) => offer.name === 'cpx11')?.deprecated).toBe(true)
    const cx33 = offers.find((offer) => offer.name === 'cx33')!
    expect(cx33.locations.find((location) => location.name === 'hel1')?.deprecated).toBe(true)
    expect(cx33.locations.find((location) => location.name === 'fsn1')).toEqual({
      name: 'fsn1',
      hourlyEur: 0.0128,
      deprecated: false,
    })
  })

  it('reads Retry-After seconds, HTTP dates and RateLimit-Reset', () => {
    expect(retryDelayMs(new Headers({ 'retry-after': '7' }), 0)).toBe(7000)
    expect(retryDelayMs(new Headers({ 'ratelimit-reset': '20' }), 15_000)).toBe(5000)
    expect(retryDelayMs(new Headers({ 'retry-after': new Date(60_000).toUTCString() }), 0)).toBe(60_000)
  })
})
