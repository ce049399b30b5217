// The end-to-end setting shared by the e2e tests: the fake Hetzner and Scaleway APIs whose servers
// are real sshd workers (one at a time, on one port), s3rver as the bucket, a PSD server, and a copy of this working tree committed to a
// bare repository the worker clones. The worker's prepare step links this tree's node_modules
// (no network here), through the project's own `workers.prepare` setting.
import { type ChildProcess, execFile, spawn } from 'node:child_process'
import { appendFile, cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { S3LandingStore } from '../../landing/s3-store.ts'
import { type S3rverHandle, startS3rver } from '../../landing/testing/s3rver.ts'
import {
  type FakeCloud,
  type FakeScalewayCloud,
  startFakeCloud,
  startFakeScalewayCloud,
} from './fake-cloud.ts'
import { git } from './git-fixture.ts'
import { startPsdServer } from './psd-server.ts'

const execFileAsync = promisify(execFile)
const worktree = join(import.meta.dirname, '../../..')
export const e2eProject = 'pipeline/remote/testdata/e2e-project'

export interface E2e {
  readonly cloud: FakeCloud
  readonly scaleway: FakeScalewayCloud
  readonly s3: S3rverHandle
  readonly psd: Awaited<ReturnType<typeof startPsdServer>>
  readonly work: string
  readonly bare: string
  bucket(): S3LandingStore
  materiaServers(): unknown[]
  runCli(args: string[], extraEnv?: Record<string, string>): CliRun
  cliEnv(): NodeJS.ProcessEnv // what runCli gives the CLI: the fakes' settings and the given env
  close(): Promise<void>
}

export interface CliRun {
  readonly child: ChildProcess
  readonly done: Promise<number>
  output(): { stdout: string; stderr: string }
}

// A copy of this working tree (what git would send: tracked and untracked, not ignored).
async function copyWorktree(target: string) {
  const { stdout } = await execFileAsync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: worktree,
    maxBuffer: 64 * 1024 * 1024,
  })
  for (const file of stdout.split('\0').filter((entry) => entry !== '')) {
    if (file.includes('node_modules')) continue
    await mkdir(dirname(join(target, file)), { recursive: true })
    await cp(join(worktree, file), join(target, file)).catch(() => {}) // deleted but still tracked
  }
}

export async function startE2e(env: Record<string, string>): Promise<E2e> {
  const [cloud, s3, psd] = await Promise.all([
    startFakeCloud(),
    startS3rver('materia-prod'),
    startPsdServer(),
  ])
  const scaleway = await startFakeScalewayCloud({ sshPort: cloud.sshPort })
  cloud.api.actionPollsRunning = 0 // actions finish at once: the lifecycle tests cover polling
  const root = await mkdtemp(join(tmpdir(), 'materia-e2e-'))
  const work = join(root, 'work')
  await copyWorktree(work)
  const yaml = join(work, e2eProject, 'materia.yaml')
  const prepare = `ln -sfn ${join(worktree, 'node_modules')} node_modules`
  await writeFile(
    yaml,
    `${await readFile(yaml, 'utf8')}workers:\n  user: ${userInfo().username}\n  prepare: ${prepare}\n`,
  )
  await git(work, 'init', '--quiet', '--initial-branch=main')
  await git(work, 'add', '-A')
  await git(work, 'commit', '--quiet', '-m', 'e2e fixture')
  // The CLI here runs with this tree's packages; linked after the commit so git never records it.
  // `node_modules/` in .gitignore matches folders only, so the link is excluded by name: a run
  // refuses a tree with changes git would not send.
  await symlink(join(worktree, 'node_modules'), join(work, 'node_modules'))
  await appendFile(join(work, '.git', 'info', 'exclude'), '/node_modules\n')
  const bare = join(root, 'origin.git')
  await git(root, 'clone', '--quiet', '--bare', work, bare)
  await git(work, 'remote', 'add', 'origin', bare) // the supervisor fetches main from here
  const outputs: (() => { stdout: string })[] = []
  const cliEnv = (): NodeJS.ProcessEnv => ({
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    ...scaleway.env(),
    ...cloud.env(),
    ...s3.env,
    MATERIA_GIT_URL: `file://${bare}`,
    MATERIA_PSD_BASE_URL: psd.url,
    ...env,
  })
  const runCli = (args: string[], extraEnv: Record<string, string> = {}): CliRun => {
    const child = spawn(process.execPath, [join(work, 'bin/materia.js'), ...args], {
      cwd: work,
      env: { ...cliEnv(), ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const done = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)))
    outputs.push(() => ({ stdout }))
    return { child, done, output: () => ({ stdout, stderr }) }
  }
  return {
    cloud,
    scaleway,
    s3,
    psd,
    work,
    bare,
    runCli,
    cliEnv,
    bucket: () =>
      new S3LandingStore({
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        prefix: '',
        accessKeyId: s3.env.R2_ACCESS_KEY!,
        secretAccessKey: s3.env.R2_SECRET_KEY!,
      }),
    materiaServers: () => [
      ...[...cloud.api.servers.values()].filter((server) => server.labels.app === 'materia'),
      ...[...scaleway.api.servers.values()].filter((server) => server.tags.includes('app=materia')),
    ],
    async close() {
      await Promise.all([cloud.close(), scaleway.close(), s3.stop(), psd.close()])
      await rm(root, { recursive: true, force: true })
      // The worker (this host) keeps each run's checkout in /tmp/materia-run-<id>: remove ours only.
      for (const output of outputs) {
        for (const match of output().stdout.matchAll(/^run (\S+): /gm)) {
          await rm(join(tmpdir(), `materia-run-${match[1]}`), { recursive: true, force: true })
        }
      }
    },
  }
}
