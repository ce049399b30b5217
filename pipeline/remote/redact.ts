// Secret redaction: every log line a remote run produces passes through a Redactor that masks all
// configured secret values. Output streams go through a RedactingStream first, which holds back the
// last (longest secret - 1) characters of what it has seen, so a secret cut in two by pipe chunk
// boundaries is still masked, even one that spans a newline.
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'

// Masks every secret in a piece of text; `values` are the masked secrets, for streaming use.
export interface Redactor {
  (text: string): string
  readonly values: readonly string[]
}

// Values shorter than this are not masked: masking "1" or "" would shred every line, and no real
// token is that short. secretsOf refuses such values when they come from the environment, so a
// short secret is an error at start, never a silent leak.
export const secretValueMin = 6

const mask = '***'

// Longest first, so a secret that contains another is masked whole.
function maskedValues(secrets: readonly string[]): string[] {
  return [...new Set(secrets.filter((value) => value.length >= secretValueMin))].sort(
    (left, right) => right.length - left.length,
  )
}

export function createRedactor(secrets: readonly string[]): Redactor {
  const values = maskedValues(secrets)
  if (values.length === 0) return Object.assign((text: string) => text, { values })
  const pattern = new RegExp(values.map(escapeRegExp).join('|'), 'g')
  return Object.assign((text: string) => text.replace(pattern, mask), { values })
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

// Masks secrets in a stream of text chunks. After each push it emits all it can: everything before
// the first position whose remaining text could still grow into a secret (a proper prefix of one),
// with complete secrets masked. Only such a possible partial secret, at most (longest secret - 1)
// characters, is held back for the next chunk, so a secret cut by a chunk boundary is never emitted
// in part, and a line that cannot hold one goes out at once.
export function createRedactingStream(
  redact: Redactor,
  onText: (text: string) => void,
): { push(chunk: string): void; end(): void } {
  const values = redact.values
  const holdBack = Math.max(0, (values[0]?.length ?? 0) - 1)
  const pattern = values.length === 0 ? null : new RegExp(values.map(escapeRegExp).join('|'), 'g')
  let pending = ''
  const partialAt = (): number => {
    for (let at = Math.max(0, pending.length - holdBack); at < pending.length; at += 1) {
      const tail = pending.slice(at)
      if (values.some((value) => value.length > tail.length && value.startsWith(tail))) return at
    }
    return pending.length
  }
  const emit = (final: boolean) => {
    let cut = final ? pending.length : partialAt()
    let text = ''
    let from = 0
    if (pattern !== null) {
      for (const match of pending.matchAll(pattern)) {
        const end = match.index + match[0].length
        if (end > cut) {
          cut = Math.min(cut, match.index)
          break
        }
        text += pending.slice(from, match.index) + mask
        from = end
      }
    }
    text += pending.slice(from, cut)
    pending = pending.slice(cut)
    if (text !== '') onText(text)
  }
  return {
    push(chunk) {
      pending += chunk
      emit(false)
    },
    end() {
      emit(true)
      assert(pending === '', 'redacting stream flushed')
    },
  }
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

// A process's output as redacted lines: chunks are masked as a stream, then split into lines.
export function createRedactedLines(
  redact: Redactor,
  onLine: (line: string) => void,
): { push(chunk: string): void; end(): void } {
  const splitter = createLineSplitter(onLine)
  const stream = createRedactingStream(redact, (text) => splitter.push(text))
  return {
    push: (chunk) => stream.push(chunk),
    end() {
      stream.end()
      splitter.flush()
    },
  }
}

// The set secrets among `names`, taken from the environment (never from disk). A value shorter than
// secretValueMin could not be masked in logs, so it is refused, every short one named at once.
function secretsOf(env: NodeJS.ProcessEnv, names: readonly string[]): Record<string, string> {
  const secrets: Record<string, string> = {}
  const short: string[] = []
  for (const name of names) {
    const value = env[name]
    if (value === undefined || value === '') continue
    assert(/^[A-Z_][A-Z0-9_]*$/.test(name), `secret name ${name} is not an environment variable name`)
    if (value.length < secretValueMin) short.push(`${name} (${value.length})`)
    secrets[name] = value
  }
  if (short.length > 0) {
    throw new MateriaError(
      'config',
      `secret ${short.join(', ')} shorter than ${secretValueMin} characters: too short to mask in logs; ` +
        'set the real value or unset the variable',
    )
  }
  return secrets
}

// The secrets a worker needs. HETZNER_TOKEN stays home: a worker has no business creating servers.
export function workerSecrets(
  env: NodeJS.ProcessEnv,
  extraNames: readonly string[] = [],
): Record<string, string> {
  return secretsOf(env, [...secretNames.filter((name) => name !== 'HETZNER_TOKEN'), ...extraNames])
}

export function allSecretValues(env: NodeJS.ProcessEnv, extraNames: readonly string[] = []): string[] {
  return Object.values(secretsOf(env, [...secretNames, ...extraNames]))
}
