// Starts a real s3rver (an S3-compatible server) in a child process for tests. It needs
// `--openssl-legacy-provider` on current Node, which is why it runs apart from the test process.
import { type ChildProcess, spawn } from 'node:child_process'
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'

export interface S3rverHandle {
  readonly endpoint: string
  readonly bucket: string
  readonly env: Record<string, string>
  stop(): Promise<void>
}

// s3rver accepts any credentials when signatures are well-formed: these are test-only values.
const testAccessKey = 'S3RVER'
const testSecretKey = 'S3RVER'

export async function startS3rver(bucket = 'landing'): Promise<S3rverHandle> {
  const directory = await mkdtemp(join(tmpdir(), 'materia-s3rver-'))
  const script = join(import.meta.dirname, 's3rver-main.cjs')
  const child: ChildProcess = spawn(
    process.execPath,
    ['--openssl-legacy-provider', script, directory, bucket],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  )
  // The child prints its port once it listens, or exits: no clock of its own here. A fixed 20 s
  // deadline failed three test files when loading s3rver took longer on a loaded machine; a hang is
  // still caught by the test's hook timeout.
  const port = await new Promise<number>((resolvePort, reject) => {
    const lines = createInterface({ input: child.stdout! })
    lines.once('line', (line) => resolvePort((JSON.parse(line) as { port: number }).port))
    child.once('exit', (code) => reject(new Error(`s3rver exited with ${code}`)))
  })
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    bucket,
    env: {
      R2_ENDPOINT: endpoint,
      R2_BUCKET: bucket,
      R2_ACCESS_KEY: testAccessKey,
      R2_SECRET_KEY: testSecretKey,
    },
    async stop() {
      if (child.exitCode !== null) return
      const exited = new Promise((resolveExit) => child.once('exit', resolveExit))
      child.stdin!.end()
      await exited
    },
  }
}
