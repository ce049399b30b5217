// Goal: the Hetzner client and provider handle the API as documented: pagination, 401, 429 with
// Retry-After, 5xx retries, null ipv6, an action that ends in error, a server already gone.
// Method: a fake of the API on 127.0.0.1 (testing/fake-hetzner.ts); sleeps are recorded, not slept.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
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
  await provider().registerSshKey(name, 'ssh-ed25519 AAAA test', { app: 'materia' })
  return name
}

const request = (name: string, labels: Record<string, string>, sshKeyName: string) => ({
  name,
  serverType: 'cx22',
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
    await provider().waitForAction(action, 5000)
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
    const all = await provider().listByLabel('app=materia')
    expect(all.map((server) => server.name).sort()).toEqual(['w0', 'w1', 'w2', 'w3', 'w4'])
    expect(fake.requests.filter((line) => line.startsWith('GET /v1/servers?')).length).toBe(3)
    expect((await provider().listByLabel('app=materia,run=r1')).length).toBe(2)
  })

  it('reports an action that ends in error with its code', async () => {
    const key = await registerKey()
    fake.createActionOutcome = 'error'
    const { action } = await provider().create(request('w1', { app: 'materia' }, key))
    await expect(provider().waitForAction(action, 5000)).rejects.toThrow(
      /create_server\) failed: server_error: Server could not be created/,
    )
  })

  it('times out an action that keeps running', async () => {
    const key = await registerKey()
    fake.actionPollsRunning = 1_000_000
    const { action } = await provider().create(request('w1', { app: 'materia' }, key))
    await expect(provider().waitForAction(action, 50)).rejects.toThrow(/still running after 50 ms/)
  })

  it('answers 401 with a hint to check the token, without retrying', async () => {
    await expect(provider('wrong').listByLabel('app=materia')).rejects.toThrow(
      /401 unauthorized: unable to authenticate; check HETZNER_TOKEN/,
    )
    expect(fake.requests.length).toBe(1)
  })

  it('waits for Retry-After on 429 and backs off on 5xx, then succeeds', async () => {
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 429, retryAfterS: 3 })
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 503 })
    fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 502 })
    expect(await provider().listByLabel('app=materia')).toEqual([])
    expect(sleeps).toEqual([3000, 200, 400])
  })

  it('gives up after providerAttemptsMax 5xx answers', async () => {
    for (let index = 0; index < 6; index++)
      fake.faults.push({ method: 'GET', pathPrefix: '/servers', status: 500 })
    await expect(provider().listByLabel('app=materia')).rejects.toThrow(/500 server_error.*after 5 attempts/)
  })

  it('treats deleting or getting a server already gone as null', async () => {
    expect(await provider().get(424242)).toBeNull()
    expect(await provider().delete(424242)).toBeNull()
  })

  it('prices a server type from server_types, failing on an unknown one', async () => {
    const price = await provider().serverTypePrice('cx32', 'nbg1')
    expect(price).toMatchObject({ name: 'cx32', hourlyEur: 0.0168, cores: 4 })
    await expect(provider().serverTypePrice('cx999', null)).rejects.toThrow(
      /unknown Hetzner server type "cx999"/,
    )
  })

  it('reads Retry-After seconds, HTTP dates and RateLimit-Reset', () => {
    expect(retryDelayMs(new Headers({ 'retry-after': '7' }), 0)).toBe(7000)
    expect(retryDelayMs(new Headers({ 'ratelimit-reset': '20' }), 15_000)).toBe(5000)
    expect(retryDelayMs(new Headers({ 'retry-after': new Date(60_000).toUTCString() }), 0)).toBe(60_000)
  })
})
