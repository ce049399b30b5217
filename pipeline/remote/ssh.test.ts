// Goal: the SSH runner against a REAL sshd on 127.0.0.1: commands stream their lines and exit
// codes, secrets arrive as environment over stdin and never show in logs or command lines, the
// pinned host key is enforced (an unknown key is refused), files upload over sftp.
// Method: per-run keys from ssh-keygen, sshd started by the test with its own config.
import { readFile, rm, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  generateKeyPair,
  generateRunKeys,
  knownHostsLine,
  type RunKeys,
  removeRunKeys,
  writeKnownHosts,
} from './keys.ts'
import { createRedactor } from './redact.ts'
import { runRemote, type SshTarget, uploadFile } from './ssh.ts'
import { startSshd, type TestSshd } from './testing/sshd.ts'

let keys: RunKeys
let sshd: TestSshd
let target: SshTarget
const canary = 'canary-secret-7f3a9c1e'
// A command here ends in well under a second on a quiet machine; the limit only catches a hang and
// leaves room for an SSH handshake starved by both cores busy.
const commandTimeoutMs = 60_000

beforeAll(async () => {
  keys = await generateRunKeys('ssh-test')
  sshd = await startSshd({ hostKeyPath: keys.host.privatePath, authorizedKeys: [keys.client.publicKey] })
  await writeKnownHosts(keys, '127.0.0.1', sshd.port)
  target = {
    host: '127.0.0.1',
    port: sshd.port,
    user: userInfo().username,
    identityPath: keys.client.privatePath,
    knownHostsPath: keys.knownHostsPath,
  }
})
afterAll(async () => {
  await sshd?.stop()
  if (keys) await removeRunKeys(keys)
})

function collect() {
  const lines: string[] = []
  return { lines, onLine: (line: string, stream: string) => lines.push(`${stream}: ${line}`) }
}

describe('ssh runner', () => {
  it('runs a command, streams stdout and stderr, returns the exit code', async () => {
    const { lines, onLine } = collect()
    const code = await runRemote(target, 'echo one; echo two >&2; exit 3', {
      onLine,
      redact: createRedactor([]),
      timeoutMs: commandTimeoutMs,
    })
    expect(code).toBe(3)
    expect(lines).toContain('stdout: one')
    expect(lines).toContain('stderr: two')
  })

  it('passes secrets as environment over stdin and masks them in every line', async () => {
    const { lines, onLine } = collect()
    // Count argument lists holding the secret with shell builtins only (grep's own argv would hold
    // it). Processes come and go while cat runs: one that is gone is skipped (its error goes to
    // /dev/null), and only stdout is checked, so the result does not depend on timing.
    const command = [
      'echo "token=$CANARY_TOKEN"',
      'cat /proc/[0-9]*/cmdline 2>/dev/null | tr "\\0" "\\n" | { n=0; while IFS= read -r l; do case "$l" in *"$CANARY_TOKEN"*) n=$((n+1));; esac; done; echo "processes=$n"; }',
    ].join('; ')
    const code = await runRemote(target, command, {
      env: { CANARY_TOKEN: canary },
      onLine,
      redact: createRedactor([canary]),
      timeoutMs: commandTimeoutMs,
    })
    expect(code, lines.join('\n')).toBe(0)
    // No process on the machine (the worker is this host) carries the secret in its arguments.
    expect(lines.filter((line) => line.startsWith('stdout: '))).toEqual([
      'stdout: token=***',
      'stdout: processes=0',
    ])
    expect(lines.join('\n')).not.toContain(canary)
  })

  it('says what to install when sshd is missing, instead of an unhandled spawn error', async () => {
    await expect(
      startSshd({
        hostKeyPath: keys.host.privatePath,
        authorizedKeys: [keys.client.publicKey],
        program: join(keys.dir, 'no-such-sshd'),
      }),
    ).rejects.toThrow(/^cannot start .*no-such-sshd \(spawn .* ENOENT\); install openssh-server$/)
  })

  it('refuses a host whose key is not the pinned one', async () => {
    const other = await generateKeyPair(join(keys.dir, 'other_host'), 'other')
    const impostor = await startSshd({
      hostKeyPath: other.privatePath,
      authorizedKeys: [keys.client.publicKey],
    })
    try {
      const { lines, onLine } = collect()
      const code = await runRemote({ ...target, port: impostor.port }, 'echo reached', {
        onLine,
        redact: createRedactor([]),
        timeoutMs: commandTimeoutMs,
      })
      expect(code).toBe(255)
      expect(lines.join('\n')).toMatch(/Host key verification failed|No ED25519 host key is known/)
      expect(lines).not.toContain('stdout: reached')
    } finally {
      await impostor.stop()
    }
  })

  it('writes known_hosts lines the way OpenSSH reads them', () => {
    expect(knownHostsLine('10.0.0.1', 22, 'ssh-ed25519 AAAA c')).toBe('10.0.0.1 ssh-ed25519 AAAA\n')
    expect(knownHostsLine('127.0.0.1', 2222, 'ssh-ed25519 AAAA c')).toBe(
      '[127.0.0.1]:2222 ssh-ed25519 AAAA\n',
    )
  })

  it('uploads a file over sftp', async () => {
    const source = join(keys.dir, 'payload.txt')
    const destination = join(keys.dir, 'uploaded.txt')
    await writeFile(source, 'hello worker\n')
    const { lines, onLine } = collect()
    const code = await uploadFile(target, source, destination, {
      onLine,
      redact: createRedactor([]),
      timeoutMs: commandTimeoutMs,
    })
    expect(code, lines.join('\n')).toBe(0)
    expect(await readFile(destination, 'utf8')).toBe('hello worker\n')
    await rm(destination)
  })

  it('kills a command that outlives its timeout', async () => {
    await expect(
      runRemote(target, 'sleep 30', { onLine: () => {}, redact: createRedactor([]), timeoutMs: 1500 }),
    ).rejects.toThrow(/timed out after 1500 ms/)
  })
})
