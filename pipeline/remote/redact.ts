// Secret redaction: every log line a remote run produces passes through a Redactor that masks all
// configured secret values. Streams are split into lines first, so a secret cut in two by chunk
// boundaries is still masked.
import { assert } from '../assert.ts'

export type Redactor = (text: string) => string

// Values shorter than this are not masked: masking "1" or "" would shred every line, and no real
// token is that short (we refuse such secrets in secretsFromEnv instead).
export const secretValueMin = 6

export function createRedactor(secrets: readonly string[]): Redactor {
  const values = [...new Set(secrets.filter((value) => value.length >= secretValueMin))].sort(
    (left, right) => right.length - left.length,
  )
  if (values.length === 0) return (text) => text
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g')
  return (text) => text.replace(pattern, '***')
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// Calls onLine for each complete line (without its newline); flush() emits the last partial line.
export function createLineSplitter(onLine: (line: string) => void): {
  push(chunk: string): void
  flush(): void
} {
  let pending = ''
  return {
    push(chunk) {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) onLine(line.replace(/\r$/, ''))
    },
    flush() {
      if (pending !== '') onLine(pending)
      pending = ''
    },
  }
}

// The environment variables whose values are secret: the brief's list plus anything configured.
export const secretNames = [
  'R2_ENDPOINT',
  'R2_BUCKET',
  'R2_ACCESS_KEY',
  'R2_SECRET_KEY',
  'HETZNER_TOKEN',
  'GIT_READ_TOKEN',
  'PADDLE_CLIENT_TOKEN',
  'MATERIA_ICEBERG_TOKEN',
] as const

// The secrets a worker needs, taken from the environment (never from disk). HETZNER_TOKEN stays
// home: a worker has no business creating servers.
export function workerSecrets(
  env: NodeJS.ProcessEnv,
  extraNames: readonly string[] = [],
): Record<string, string> {
  const names = [...secretNames.filter((name) => name !== 'HETZNER_TOKEN'), ...extraNames]
  const secrets: Record<string, string> = {}
  for (const name of names) {
    const value = env[name]
    if (value === undefined || value === '') continue
    assert(/^[A-Z_][A-Z0-9_]*$/.test(name), `secret name ${name} is not an environment variable name`)
    secrets[name] = value
  }
  return secrets
}

export function allSecretValues(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): string[] {
  return [...secretNames, ...extraNames].map((name) => env[name] ?? '').filter((value) => value !== '')
}
