// A local bare git repository for tests, so a worker on localhost can clone over file://.
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

export async function git(cwd: string, ...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd,
    timeout: 30_000,
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Materia Test',
      GIT_AUTHOR_EMAIL: 'test@materia.invalid',
      GIT_COMMITTER_NAME: 'Materia Test',
      GIT_COMMITTER_EMAIL: 'test@materia.invalid',
    },
  })
  return stdout.trim()
}

// Creates a repository holding `files`, committed on main, and a bare clone of it.
export async function makeBareRepo(files: Readonly<Record<string, string>>) {
  const root = await mkdtemp(join(tmpdir(), 'materia-git-'))
  const work = join(root, 'work')
  await mkdir(work)
  await git(work, 'init', '--quiet', '--initial-branch=main')
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(work, path)), { recursive: true })
    await writeFile(join(work, path), content)
  }
  await git(work, 'add', '-A')
  await git(work, 'commit', '--quiet', '-m', 'fixture')
  const bare = join(root, 'origin.git')
  await git(root, 'clone', '--quiet', '--bare', work, bare)
  return { root, work, bare, url: `file://${bare}`, commit: await git(work, 'rev-parse', 'HEAD') }
}
