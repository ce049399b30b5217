// Goal: an S3/R2 failure prints our one line and nothing else: on Node 20 the AWS SDK would print an
// eight-line NodeVersionSupportWarning first. Method: the real CLI as a child process (the warning is
// emitted once per process), landing into an S3 endpoint where nothing listens.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '../..')

function extractToDeadEndpoint(extraEnv: Record<string, string>) {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    R2_ENDPOINT: 'http://127.0.0.1:9',
    R2_ACCESS_KEY: 'access-key-1',
    R2_SECRET_KEY: 'secret-key-123',
    ...extraEnv,
  }
  const args = ['bin/materia.js', 'extract', 'psd', '--landing', 's3://bucket/prefix']
  args.push('--from-file', 'assets/data/psd_coffee_csv_2022-12.zip')
  return spawnSync(process.execPath, args, { cwd: root, env, encoding: 'utf8', timeout: 60_000 })
}

describe('S3 error output', () => {
  it('is one line: no SDK Node-version warning before it', () => {
    const run = extractToDeadEndpoint({})
    expect(run.status).toBe(1)
    expect(run.stdout).toBe('')
    expect(run.stderr).toMatch(
      /^materia extract: s3:\/\/bucket\/prefix\/psd\/coffee\/: LIST failed \(.*ECONNREFUSED.*\); check R2_ENDPOINT, the bucket and the credentials\n$/,
    )
  })

  it('leaves the warning on when the operator asks for it', () => {
    const run = extractToDeadEndpoint({ AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'false' })
    expect(run.status).toBe(1)
    const warned = process.versions.node.split('.')[0] === '20'
    expect(run.stderr.includes('NodeVersionSupportWarning')).toBe(warned)
  })
})
