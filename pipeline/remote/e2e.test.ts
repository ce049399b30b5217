// Goal: `materia pipeline run all --remote` end to end: cost shown, a worker created on the fake
// Hetzner API, the code cloned from git on the worker (a real sshd on 127.0.0.1), the pipeline run
// there (extract from a local PSD server into the bucket, transform with the engine, publish
// Parquet), the prod database saved in the bucket, the worker destroyed, the run recorded; the
// same with --upload; and SIGINT mid-run still destroys the worker. A canary secret never shows.
// Method: the CLI as a child process; s3rver as the bucket; a copy of this working tree committed
// to a bare repository; the worker's prepare step links this tree's node_modules (no network).
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { S3LandingStore } from '../landing/s3-store.ts'
import { readText } from '../landing/store.ts'
import { type S3rverHandle, startS3rver } from '../landing/test-fixtures/s3rver.ts'
import type { ServingManifest } from './publish.ts'
import { readRunRecords } from './run-history.ts'
import { type FakeCloud, startFakeCloud } from './testing/fake-cloud.ts'
import { git } from './testing/git-fixture.ts'
import { startPsdServer } from './testing/psd-server.ts'

const execFileAsync = promisify(execFile)
const worktree = join(import.meta.dirname, '../..')
const canary = 'canary-e2e-91c4d7a2'
let cloud: FakeCloud
let s3: S3rverHandle
let psd: Awaited<ReturnType<typeof startPsdServer>>
let root: string
let work: string
let bare: string

// A copy of this working tree (what git would send: tracked and untracked, not ignored), committed.
async function copyWorktree(target: string) {
  const { stdout } = await execFileAsync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: worktree,
    maxBuffer: 64 * 1024 * 1024,
  })
  for (const file of stdout.split('\0').filter((entry) => entry !== '')) {
    await mkdir(dirname(join(target, file)), { recursive: true })
    await cp(join(worktree, file), join(target, file)).catch(() => {}) // deleted but still tracked
  }
}

beforeAll(async () => {
  ;[cloud, s3, psd] = await Promise.all([startFakeCloud(), startS3rver('prod'), startPsdServer()])
  root = await mkdtemp(join(tmpdir(), 'materia-e2e-'))
  work = join(root, 'work')
  await copyWorktree(work)
  const yaml = join(work, 'pipeline/remote/testdata/e2e-project/materia.yaml')
  await writeFile(
    yaml,
    `${await readFile(yaml, 'utf8')}workers:\n  user: ${userInfo().username}\n  prepare: ln -sfn ${join(worktree, 'node_modules')} node_modules\n`,
  )
  await git(work, 'init', '--quiet', '--initial-branch=main')
  await git(work, 'add', '-A')
  await git(work, 'commit', '--quiet', '-m', 'e2e fixture')
  // The CLI here runs with this tree's packages; linked after the commit so git never records it.
  await symlink(join(worktree, 'node_modules'), join(work, 'node_modules'))
  bare = join(root, 'origin.git')
  await git(root, 'clone', '--quiet', '--bare', work, bare)
}, 120_000)
afterAll(async () => {
  await Promise.all([cloud?.close(), s3?.stop(), psd?.close()])
  if (root) await rm(root, { recursive: true, force: true })
  await execFileAsync('sh', ['-c', 'rm -rf /tmp/materia-run-*']).catch(() => {})
})

function runCli(args: string[], extraEnv: Record<string, string> = {}) {
  const child: ChildProcess = spawn(process.execPath, [join(work, 'bin/materia.js'), ...args], {
    cwd: work,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      ...cloud.env(),
      ...s3.env,
      MATERIA_GIT_URL: `file://${bare}`,
      MATERIA_PSD_BASE_URL: psd.url,
      PADDLE_CLIENT_TOKEN: canary,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString()
  })
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString()
  })
  const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
  return { child, done, output: () => ({ stdout, stderr }) }
}

const projectArgs = ['--project', 'pipeline/remote/testdata/e2e-project']
const bucket = () =>
  new S3LandingStore({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    prefix: '',
    accessKeyId: s3.env.R2_ACCESS_KEY!,
    secretAccessKey: s3.env.R2_SECRET_KEY!,
  })
const materiaServers = () =>
  [...cloud.api.servers.values()].filter((server) => server.labels.app === 'materia')

describe('materia pipeline run all --remote', () => {
  it('runs the whole pipeline on a worker and leaves prod state, Parquet and nothing running', async () => {
    const run = runCli(['pipeline', 'run', 'all', '--remote', ...projectArgs])
    const code = await run.done
    const { stdout, stderr } = run.output()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toMatch(
      /^run \S+: extract \+ transform \+ publish at [0-9a-f]{40} on cx42 \(fsn1\), ~45 min x EUR 0\.0308\/h = EUR 0\.0231/,
    )
    expect(stdout).toContain('[worker] status: running')
    expect(stdout).toMatch(/extract: coffee \d{4}-\d{2} (landed|duplicate)/)
    expect(stdout).toMatch(/transform: serving.dim_country 3 rows/)
    expect(stdout).toContain('prod state saved as version')
    expect(`${stdout}${stderr}`).not.toContain(canary)
    expect(materiaServers()).toEqual([])
    const manifest = JSON.parse((await readText(bucket(), 'serving/manifest.json'))!) as ServingManifest
    expect(manifest.models.map((model) => [model.model, model.rows])).toEqual([['serving.dim_country', 3]])
    expect(await bucket().head('state/prod.duckdb')).toBeDefined()
    const records = await readRunRecords(
      join(work, 'pipeline/remote/testdata/e2e-project/.materia/runs.jsonl'),
    )
    expect(records.at(-1)).toMatchObject({
      pipeline: 'all',
      outcome: 'done',
      remote: true,
      serverType: 'cx42',
    })
  })

  it('runs the uploaded working tree with --upload', async () => {
    await writeFile(join(work, 'uncommitted-marker.txt'), 'local change\n')
    const run = runCli(['pipeline', 'run', 'publish', '--remote', '--upload', ...projectArgs])
    const code = await run.done
    const { stdout, stderr } = run.output()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toMatch(/at [0-9a-f]{12} \+ working tree on cx22/)
    expect(stdout).toContain('materia: code at upload')
    expect(stdout).toContain('downloaded (read only)')
    expect(materiaServers()).toEqual([])
  })

  it('destroys the worker when interrupted with SIGINT mid-run', async () => {
    const slow = await startPsdServer({ delayMs: 60_000 })
    try {
      const run = runCli(['pipeline', 'run', 'extract', '--remote', ...projectArgs], {
        MATERIA_PSD_BASE_URL: slow.url,
      })
      await new Promise<void>((resolve, reject) => {
        const startedMs = Date.now()
        const timer = setInterval(() => {
          const { stdout, stderr } = run.output()
          if (stdout.includes('prod bucket:')) {
            clearInterval(timer)
            resolve()
          } else if (Date.now() - startedMs > 40_000 || run.child.exitCode !== null) {
            clearInterval(timer)
            reject(new Error(`the run never reached extract:\n${stdout}\n${stderr}`))
          }
        }, 100)
      })
      expect(materiaServers()).toHaveLength(1)
      run.child.kill('SIGINT')
      const code = await run.done
      const { stdout, stderr } = run.output()
      expect(code).toBe(1)
      expect(stderr).toMatch(/materia pipeline: interrupted/)
      expect(stdout).toContain('[worker] status: destroying')
      expect(materiaServers()).toEqual([])
      const records = await readRunRecords(
        join(work, 'pipeline/remote/testdata/e2e-project/.materia/runs.jsonl'),
      )
      expect(records.at(-1)).toMatchObject({ pipeline: 'extract', outcome: 'failed', message: 'interrupted' })
    } finally {
      await slow.close()
    }
  })
})
