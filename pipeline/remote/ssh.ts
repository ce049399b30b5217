// SSH to a worker with the system OpenSSH client (ssh, sftp from openssh-client). Chosen over the
// ssh2 package: no native or JS crypto stack of our own, host key pinning is OpenSSH's own
// StrictHostKeyChecking against a known_hosts file we write, and an operator can replay any
// session by hand with the same options. The user's ~/.ssh/config is ignored (-F /dev/null).
import { spawn } from 'node:child_process'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { sshConnectTimeoutMs } from '../limits.ts'
import { createRedactedLines, type Redactor } from './redact.ts'

export interface SshTarget {
  readonly host: string
  readonly port: number
  readonly user: string
  readonly identityPath: string
  readonly knownHostsPath: string
}

export type LogStream = 'stdout' | 'stderr'

export interface RemoteCommandOptions {
  readonly env?: Readonly<Record<string, string>> // sent over stdin, never on a command line
  readonly onLine: (line: string, stream: LogStream) => void // receives redacted lines only
  readonly redact: Redactor
  readonly timeoutMs: number
  readonly signal?: AbortSignal
}

export function sshOptions(target: SshTarget): string[] {
  return [
    '-F',
    '/dev/null',
    '-o',
    'BatchMode=yes',
    '-o',
    'StrictHostKeyChecking=yes',
    '-o',
    `UserKnownHostsFile=${target.knownHostsPath}`,
    '-o',
    'GlobalKnownHostsFile=/dev/null',
    '-o',
    'IdentitiesOnly=yes',
    '-o',
    `IdentityFile=${target.identityPath}`,
    '-o',
    `ConnectTimeout=${Math.ceil(sshConnectTimeoutMs / 1000)}`,
    '-o',
    'ServerAliveInterval=15',
    '-o',
    'ServerAliveCountMax=4',
    '-o',
    'LogLevel=ERROR',
    '-o',
    `User=${target.user}`,
  ]
}

// Reads NAME=value lines from stdin up to an empty line, exports them, detaches stdin, then runs
// the command. The values live only in the shell's memory and its children's environment.
export function withStdinEnv(command: string): string {
  return `while IFS= read -r materia_env && [ -n "$materia_env" ]; do export "$materia_env"; done; unset materia_env; exec </dev/null; ${command}`
}

export function envPayload(env: Readonly<Record<string, string>>): string {
  const lines = Object.entries(env).map(([name, value]) => {
    assert(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), `environment name ${name} is invalid`)
    if (/[\n\r\0]/.test(value))
      throw new MateriaError('remote', `${name} holds a newline; secrets must be one line`)
    return `${name}=${value}\n`
  })
  return `${lines.join('')}\n`
}

// Runs one command on the worker; resolves with its exit code (255 is OpenSSH's own failure).
export function runRemote(
  target: SshTarget,
  command: string,
  options: RemoteCommandOptions,
): Promise<number> {
  const args = [...sshOptions(target), '-p', String(target.port), target.host, withStdinEnv(command)]
  return runProcess('ssh', args, envPayload(options.env ?? {}), options)
}

// Uploads one local file with sftp in batch mode (the same options and pinned host key).
export function uploadFile(
  target: SshTarget,
  localPath: string,
  remotePath: string,
  options: RemoteCommandOptions,
) {
  assert(!/["\n]/.test(localPath + remotePath), 'upload paths must not hold quotes or newlines')
  const args = [...sshOptions(target), '-P', String(target.port), '-b', '-', target.host]
  return runProcess('sftp', args, `put "${localPath}" "${remotePath}"\n`, options)
}

function runProcess(
  program: string,
  args: string[],
  stdin: string,
  options: RemoteCommandOptions,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    const splitters = (['stdout', 'stderr'] as const).map((stream) => {
      const splitter = createRedactedLines(options.redact, (line) => options.onLine(line, stream))
      child[stream].setEncoding('utf8')
      child[stream].on('data', (chunk: string) => splitter.push(chunk))
      return splitter
    })
    let stopReason: string | null = null
    const stop = (reason: string) => {
      stopReason = reason
      child.kill('SIGTERM')
    }
    const timer = setTimeout(() => stop(`timed out after ${options.timeoutMs} ms`), options.timeoutMs)
    const onAbort = () => stop('interrupted')
    options.signal?.addEventListener('abort', onAbort, { once: true })
    child.on('error', (error) => {
      clearTimeout(timer)
      reject(
        new MateriaError('remote', `${program} could not start: ${error.message}; install openssh-client`),
      )
    })
    child.on('close', (code) => {
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      for (const splitter of splitters) splitter.end()
      if (stopReason !== null)
        reject(new MateriaError('remote', `${program} to ${args.at(-2)}: ${stopReason}`))
      else resolve(code ?? 255)
    })
    child.stdin.on('error', () => {}) // the remote may exit before reading its stdin
    child.stdin.end(stdin)
  })
}
