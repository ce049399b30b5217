// The fake cloud APIs wired to real sshd workers: creating a server "boots" it by starting sshd on
// 127.0.0.1 with the host key from the server's cloud-init user-data and the run's client key as
// its only authorized key (Hetzner: the keys registered through the API; Scaleway: cloud-init's
// `ssh_authorized_keys`, as cloud-init's ssh module would write them); deleting the server stops
// that sshd. One worker at a time, on the port the client is told through MATERIA_WORKER_SSH_PORT
// (a test-only override: real workers listen on 22).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { ScalewayServerType } from '../scaleway/types.ts'
import { type FakeHetzner, startFakeHetzner } from './fake-hetzner.ts'
import { FakeScaleway } from './fake-scaleway.ts'
import { freePort, startSshd, type TestSshd } from './sshd.ts'

export interface FakeCloud {
  readonly api: FakeHetzner
  readonly sshPort: number
  readonly token: string
  bootSshd: boolean // false: servers come up but never answer SSH
  readonly userData: string[] // every user-data received, to check it carries no secret
  env(): Record<string, string>
  close(): Promise<void>
}

export interface FakeScalewayCloud {
  readonly api: FakeScaleway
  readonly userData: string[]
  env(): Record<string, string>
  close(): Promise<void>
}

interface CloudConfig {
  readonly ssh_keys: { readonly ed25519_private: string }
  readonly ssh_authorized_keys?: readonly string[]
}

function readCloudConfig(userData: string): CloudConfig {
  return parse(userData.replace(/^#cloud-config\n/, '')) as CloudConfig
}

// The running sshd workers of one fake cloud, by server id.
function workerPool(sshPort: number) {
  const running = new Map<string, { sshd: TestSshd; dir: string }>()
  return {
    async boot(id: string, config: CloudConfig, authorizedKeys: readonly string[]) {
      const dir = await mkdtemp(join(tmpdir(), 'materia-fake-worker-'))
      const hostKeyPath = join(dir, 'ssh_host_ed25519_key')
      await writeFile(hostKeyPath, config.ssh_keys.ed25519_private, { mode: 0o600 })
      await chmod(hostKeyPath, 0o600)
      const sshd = await startSshd({ hostKeyPath, authorizedKeys, port: sshPort })
      running.set(id, { sshd, dir })
    },
    async stop(id: string) {
      const worker = running.get(id)
      running.delete(id)
      if (worker === undefined) return
      await worker.sshd.stop()
      await rm(worker.dir, { recursive: true, force: true })
    },
    async stopAll() {
      for (const id of [...running.keys()]) await this.stop(id)
    },
  }
}

export async function startFakeCloud(options: { sshPort?: number } = {}): Promise<FakeCloud> {
  const sshPort = options.sshPort ?? (await freePort())
  const token = 'fake-hetzner-token-5d1c'
  const pool = workerPool(sshPort)
  const userData: string[] = []
  const cloud = { bootSshd: true }
  const api = await startFakeHetzner({
    token,
    async onBoot({ server, userData: data, publicKeys }) {
      userData.push(data)
      if (cloud.bootSshd) await pool.boot(String(server.id), readCloudConfig(data), publicKeys)
    },
    onDestroy: (server) => pool.stop(String(server.id)),
  })
  return Object.assign(cloud, {
    api,
    sshPort,
    token,
    userData,
    env: () => ({ HETZNER_API_URL: api.url, HETZNER_TOKEN: token, MATERIA_WORKER_SSH_PORT: String(sshPort) }),
    async close() {
      await pool.stopAll()
      await api.close()
    },
  })
}

const gib = 1024 ** 3
// A slice of Scaleway's price list as GET /products/servers shapes it (hourly_price in EUR, ram
// in bytes). STARDUST1-S (1 vCPU, 1 GB) is below anything Hetzner lists, so `cheapest` picks it for
// a pipeline that needs no more; for 2 or more cores Hetzner's list is cheaper.
export const fakeScalewayTypes: Readonly<Record<string, ScalewayServerType>> = {
  'STARDUST1-S': { hourly_price: 0.00015, ncpus: 1, ram: 1 * gib, arch: 'x86_64' },
  'DEV1-S': { hourly_price: 0.0088, ncpus: 2, ram: 2 * gib, arch: 'x86_64' },
  'DEV1-M': { hourly_price: 0.0198, ncpus: 3, ram: 4 * gib, arch: 'x86_64' },
  'DEV1-XL': { hourly_price: 0.0638, ncpus: 4, ram: 12 * gib, arch: 'x86_64' },
  'GP1-S': { hourly_price: 0.2436, ncpus: 8, ram: 32 * gib, arch: 'x86_64' },
  'PRO2-S': { hourly_price: 0.219, ncpus: 8, ram: 32 * gib, arch: 'x86_64' },
}

export async function startFakeScalewayCloud(options: { sshPort?: number } = {}): Promise<FakeScalewayCloud> {
  const sshPort = options.sshPort ?? (await freePort())
  const secretKey = 'fake-scaleway-secret-8e2a'
  const projectId = '00000000-0000-4000-8000-00000000e2e0'
  const zone = 'fr-par-1'
  const pool = workerPool(sshPort)
  const userData: string[] = []
  const api = await FakeScaleway.start({
    secretKey,
    zone,
    types: fakeScalewayTypes,
    availability: Object.fromEntries(
      Object.keys(fakeScalewayTypes).map((name) => [name, { availability: 'available' }]),
    ),
    publicIp: '127.0.0.1',
    async onBoot(server, cloudInit) {
      userData.push(cloudInit)
      const config = readCloudConfig(cloudInit)
      await pool.boot(server.id, config, config.ssh_authorized_keys ?? [])
    },
    onDestroy: (server) => pool.stop(server.id),
  })
  return {
    api,
    userData,
    env: () => ({
      SCW_API_URL: api.url,
      SCW_SECRET_KEY: secretKey,
      SCW_DEFAULT_PROJECT_ID: projectId,
      SCW_DEFAULT_ZONE: zone,
      MATERIA_WORKER_SSH_PORT: String(sshPort),
    }),
    async close() {
      await pool.stopAll()
      await api.stop()
    },
  }
}
