// A real OpenSSH server on 127.0.0.1 for tests, standing in for a worker: its own config file in a
// temp folder, the given host key, the given authorized keys, key-only login, `-D -e` so it stays a
// child of the test and logs to stderr. Needs openssh-server (`npm test` installs it, see
// test/prerequisites.ts). Ready means sshd printed "Server listening"; a port taken between
// freePort() and sshd's bind is retried on a fresh port, so parallel tests cannot race for one.
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// MATERIA_SSHD overrides the path (tests simulate a machine without sshd with it).
export const sshdPath = process.env.MATERIA_SSHD ?? '/usr/sbin/sshd'
const startAttemptsMax = 3
// sshd prints "Server listening" or exits within milliseconds on a quiet machine; this limit only
// catches one that hangs. A fixed 10 s failed with both cores busy (load 25), so it is well above what
// a starved start takes and below the 120 s the test hooks that start it are given.
const startTimeoutMs = 60_000

export interface TestSshd {
  readonly port: number
  readonly log: string[]
  stop(): Promise<void>
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  if (address === null || typeof address === 'string') throw new Error('no port')
  return address.port
}

export async function startSshd(input: {
  hostKeyPath: string
  authorizedKeys: readonly string[]
  port?: number
  program?: string
}): Promise<TestSshd> {
  for (let attempt = 1; ; attempt += 1) {
    const port = input.port ?? (await freePort())
    try {
      return await startOnce({ ...input, port, program: input.program ?? sshdPath })
    } catch (error) {
      const portTaken =
        error instanceof SshdExited && /Address already in use|Cannot bind/.test(error.message)
      if (!portTaken || input.port !== undefined || attempt >= startAttemptsMax) throw error
    }
  }
}

class SshdExited extends Error {}

async function startOnce(input: {
  hostKeyPath: string
  authorizedKeys: readonly string[]
  port: number
  program: string
}): Promise<TestSshd> {
  const dir = await mkdtemp(join(tmpdir(), 'materia-sshd-'))
  const port = input.port
  const authorizedPath = join(dir, 'authorized_keys')
  await writeFile(authorizedPath, `${input.authorizedKeys.join('\n')}\n`, { mode: 0o600 })
  const configPath = join(dir, 'sshd_config')
  await writeFile(
    configPath,
    [
      `Port ${port}`,
      'ListenAddress 127.0.0.1',
      `HostKey ${input.hostKeyPath}`,
      `AuthorizedKeysFile ${authorizedPath}`,
      'PidFile none',
      'PermitRootLogin prohibit-password',
      'PasswordAuthentication no',
      'KbdInteractiveAuthentication no',
      'PubkeyAuthentication yes',
      'UsePAM no',
      'Subsystem sftp internal-sftp',
      'StrictModes no',
      'LogLevel INFO',
      '',
    ].join('\n'),
  )
  // sshd refuses to start as root without its privilege separation folder.
  if (process.getuid?.() === 0 && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true })
  const child: ChildProcess = spawn(input.program, ['-D', '-e', '-f', configPath], {
    stdio: ['ignore', 'ignore', 'pipe'],
  })
  const log: string[] = []
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL')
        reject(new Error(`sshd did not start within ${startTimeoutMs} ms: ${log.join('')}`))
      }, startTimeoutMs)
      // The readiness line may arrive cut in two chunks: look for it in all that was logged.
      child.stderr?.setEncoding('utf8')
      child.stderr?.on('data', (chunk: string) => {
        log.push(chunk)
        if (log.join('').includes('Server listening')) {
          clearTimeout(timer)
          resolve()
        }
      })
      child.on('error', (error) => {
        clearTimeout(timer)
        reject(new Error(`cannot start ${input.program} (${error.message}); install openssh-server`))
      })
      child.on('exit', (code) => {
        clearTimeout(timer)
        reject(new SshdExited(`sshd exited with ${code}: ${log.join('')}`))
      })
    })
  } catch (error) {
    await rm(dir, { recursive: true, force: true })
    throw error
  }
  child.removeAllListeners('exit')
  child.removeAllListeners('error')
  child.on('error', (error) => log.push(`sshd: ${error.message}\n`))
  return {
    port,
    log,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.kill('SIGTERM')
        await exited
      }
      await rm(dir, { recursive: true, force: true })
    },
  }
}
