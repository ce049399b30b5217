// The fake Hetzner API wired to real sshd workers: creating a server "boots" it by starting sshd on
// 127.0.0.1 with the host key from the server's cloud-init user-data and the registered client
// key as its only authorized key; deleting the server stops that sshd. One worker at a time, on
// the port the client is told through MATERIA_WORKER_SSH_PORT (a test-only override: real workers
// listen on 22).
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import { type FakeHetzner, startFakeHetzner } from './fake-hetzner.ts'
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

export async function startFakeCloud(): Promise<FakeCloud> {
  const sshPort = await freePort()
  const token = 'fake-hetzner-token-5d1c'
  const running = new Map<number, { sshd: TestSshd; dir: string }>()
  const userData: string[] = []
  const cloud = { bootSshd: true }
  const api = await startFakeHetzner({
    token,
    async onBoot({ server, userData: data, publicKeys }) {
      userData.push(data)
      if (!cloud.bootSshd) return
      const config = parse(data.replace(/^#cloud-config\n/, '')) as { ssh_keys: { ed25519_private: string } }
      const dir = await mkdtemp(join(tmpdir(), 'materia-fake-worker-'))
      const hostKeyPath = join(dir, 'ssh_host_ed25519_key')
      await writeFile(hostKeyPath, config.ssh_keys.ed25519_private, { mode: 0o600 })
      await chmod(hostKeyPath, 0o600)
      const sshd = await startSshd({ hostKeyPath, authorizedKeys: publicKeys, port: sshPort })
      running.set(server.id, { sshd, dir })
    },
    async onDestroy(server) {
      const worker = running.get(server.id)
      running.delete(server.id)
      if (worker === undefined) return
      await worker.sshd.stop()
      await rm(worker.dir, { recursive: true, force: true })
    },
  })
  return Object.assign(cloud, {
    api,
    sshPort,
    token,
    userData,
    env: () => ({ HETZNER_API_URL: api.url, HETZNER_TOKEN: token, MATERIA_WORKER_SSH_PORT: String(sshPort) }),
    async close() {
      for (const worker of running.values()) {
        await worker.sshd.stop()
        await rm(worker.dir, { recursive: true, force: true })
      }
      running.clear()
      await api.close()
    },
  })
}
