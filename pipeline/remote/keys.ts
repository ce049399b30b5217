// Per-run SSH keys, generated locally with ssh-keygen in OpenSSH format: a host key the worker gets
// through cloud-init (so the client pins it and never trusts an unknown host key) and a client key
// registered with the provider. Both live in a private temp folder removed after the run.
import { execFile } from 'node:child_process'
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { MateriaError } from '../errors.ts'

const execFileAsync = promisify(execFile)

export interface KeyPair {
  readonly privatePath: string
  readonly privateKey: string
  readonly publicKey: string // "ssh-ed25519 AAAA... comment"
}

export interface RunKeys {
  readonly dir: string
  readonly host: KeyPair
  readonly client: KeyPair
  readonly knownHostsPath: string
}

export async function generateKeyPair(path: string, comment: string): Promise<KeyPair> {
  try {
    await execFileAsync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', comment, '-f', path], {
      timeout: 10_000,
    })
  } catch (error) {
    throw new MateriaError(
      'remote',
      `ssh-keygen failed: ${(error as Error).message}; install openssh-client`,
      {
        cause: error,
      },
    )
  }
  const privateKey = await readFile(path, 'utf8')
  const publicKey = (await readFile(`${path}.pub`, 'utf8')).trim()
  return { privatePath: path, privateKey, publicKey }
}

export async function generateRunKeys(runId: string): Promise<RunKeys> {
  const dir = await mkdtemp(join(tmpdir(), `materia-keys-${runId}-`))
  await chmod(dir, 0o700)
  const host = await generateKeyPair(join(dir, 'host_ed25519'), `materia-host-${runId}`)
  const client = await generateKeyPair(join(dir, 'client_ed25519'), `materia-run-${runId}`)
  return { dir, host, client, knownHostsPath: join(dir, 'known_hosts') }
}

// One known_hosts line pinning the host key to the address; OpenSSH writes non-22 ports as [host]:port.
export function knownHostsLine(host: string, port: number, hostPublicKey: string): string {
  const [type, key] = hostPublicKey.split(' ')
  const address = port === 22 ? host : `[${host}]:${port}`
  return `${address} ${type} ${key}\n`
}

export async function writeKnownHosts(keys: RunKeys, host: string, port: number): Promise<void> {
  await writeFile(keys.knownHostsPath, knownHostsLine(host, port, keys.host.publicKey), { mode: 0o600 })
}

export async function removeRunKeys(keys: RunKeys): Promise<void> {
  await rm(keys.dir, { recursive: true, force: true })
}
