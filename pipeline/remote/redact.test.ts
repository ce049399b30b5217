// Goal: no secret reaches a log, however the pipe cuts the output: canary secrets (ASCII, multi-byte
// UTF-8, one spanning a newline) split at every byte position, fed byte by byte, and written by a
// real child process in two separate writes come out masked; short secrets are refused up front.
// Method: the streaming redactor fed through a StringDecoder (as a pipe with setEncoding does), and
// the supervisor's runChild on a stand-in bin/materia.js that writes a secret in two halves.
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import { describe, expect, it } from 'vitest'
import { allSecretValues, createRedactedLines, createRedactor, workerSecrets } from './redact.ts'
import { runChild } from './supervisor-runtime.ts'

const canaries = ['canary-secret-7f3a9c1e', 'kanärie-€-秘密-42', 'first-half\nsecond-half']

function redactChunks(secrets: readonly string[], chunks: readonly Buffer[]): string[] {
  const lines: string[] = []
  const decoder = new StringDecoder('utf8')
  const stream = createRedactedLines(createRedactor(secrets), (line) => lines.push(line))
  for (const chunk of chunks) stream.push(decoder.write(chunk))
  stream.push(decoder.end())
  stream.end()
  return lines
}

describe('streaming redaction', () => {
  for (const canary of canaries) {
    it(`masks ${JSON.stringify(canary)} split at every byte position`, () => {
      const text = Buffer.from(`start ${canary} middle ${canary}${canary}\nlast ${canary}`)
      const expected = ['start *** middle ******', 'last ***']
      for (let at = 0; at <= text.length; at += 1) {
        const lines = redactChunks(canaries, [text.subarray(0, at), text.subarray(at)])
        expect(lines, `split at byte ${at}`).toEqual(expected)
      }
      const bytes = [...text].map((byte) => Buffer.from([byte]))
      expect(redactChunks(canaries, bytes)).toEqual(expected)
    })
  }

  it('passes text without secrets through unchanged, line by line', () => {
    const text = Buffer.from('one\ntwo\r\nthree')
    for (let at = 0; at <= text.length; at += 1) {
      expect(redactChunks(canaries, [text.subarray(0, at), text.subarray(at)])).toEqual([
        'one',
        'two',
        'three',
      ])
    }
    expect(redactChunks([], [text])).toEqual(['one', 'two', 'three'])
  })

  it('holds back only text that could still grow into a secret', () => {
    const lines: string[] = []
    const stream = createRedactedLines(createRedactor([canaries[0]!]), (line) => lines.push(line))
    stream.push('started\n')
    expect(lines).toEqual(['started'])
    stream.push('next canary-sec')
    stream.push('\n')
    expect(lines).toEqual(['started', 'next canary-sec'])
    stream.push('x canary-se')
    expect(lines).toHaveLength(2)
    stream.end()
    expect(lines).toEqual(['started', 'next canary-sec', 'x canary-se'])
  })

  it('masks the longer of two secrets that overlap', () => {
    expect(createRedactor(['abcdef', 'abcdefgh'])('x abcdefgh y abcdef')).toBe('x *** y ***')
    expect(redactChunks(['abcdef', 'abcdefgh'], [Buffer.from('x abcd'), Buffer.from('efgh y')])).toEqual([
      'x *** y',
    ])
  })
})

describe('secrets from the environment', () => {
  it('refuses values too short to mask, naming every one', () => {
    const env = { R2_BUCKET: 'data', HETZNER_TOKEN: 'abc', R2_SECRET_KEY: 'long-enough-secret' }
    expect(() => allSecretValues(env)).toThrow(
      /^secret R2_BUCKET \(4\), HETZNER_TOKEN \(3\) shorter than 6 characters: too short to mask in logs; set the real value or unset the variable$/,
    )
    expect(() => workerSecrets({ R2_ACCESS_KEY: 'key1' })).toThrow(/R2_ACCESS_KEY \(4\)/)
  })

  it('takes set values of 6 characters or more and skips unset ones', () => {
    const env = { R2_BUCKET: 'bucket', R2_SECRET_KEY: '', HETZNER_TOKEN: 'hetzner-token' }
    expect(allSecretValues(env)).toEqual(['bucket', 'hetzner-token'])
    expect(workerSecrets(env)).toEqual({ R2_BUCKET: 'bucket' })
  })
})

describe('supervisor child output', () => {
  it('masks a secret that a real child writes in two separate chunks', async () => {
    const canary = canaries[0]!
    const repoRoot = await mkdtemp(join(tmpdir(), 'materia-redact-'))
    await mkdir(join(repoRoot, 'bin'))
    // Two writes 200 ms apart reach the parent as two pipe chunks, cutting the secret in half.
    const half = canary.length / 2
    await writeFile(
      join(repoRoot, 'bin/materia.js'),
      [
        `process.stdout.write('token=${canary.slice(0, half)}')`,
        `setTimeout(() => { process.stdout.write('${canary.slice(half)} done\\n'); process.exit(3) }, 200)`,
      ].join('\n'),
    )
    const lines: string[] = []
    const outcome = await runChild({
      repoRoot,
      projectRoot: repoRoot,
      pipeline: 'extract',
      remote: false,
      env: { PATH: process.env.PATH },
      redact: createRedactor([canary]),
      log: (line) => lines.push(line),
      signal: new AbortController().signal,
    })
    expect(lines).toEqual(['extract: token=*** done'])
    expect(outcome).toEqual({ outcome: 'failed', message: 'token=*** done' })
  })
})
