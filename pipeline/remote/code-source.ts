// What code a worker runs: main (or a given commit) of MATERIA_GIT_URL, or with --upload the local
// working tree (tracked and untracked files git does not ignore) as a tar.gz sent over SFTP.
import { execFile, spawn } from 'node:child_process'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { MateriaError } from '../errors.ts'
import { uploadArchiveBytesMax } from '../limits.ts'
import { gitAuthEnv } from './worker-steps.ts'

const execFileAsync = promisify(execFile)

export async function repositoryRoot(projectRoot: string): Promise<string> {
  try {
    const { stdout } = await execFileAsync('git', ['rev-parse', '--show-toplevel'], {
      cwd: projectRoot,
      timeout: 10_000,
    })
    return stdout.trim()
  } catch {
    throw new MateriaError('remote', `${projectRoot} is not inside a git repository; a remote run needs one`)
  }
}

export async function localCommit(repoRoot: string): Promise<string> {
  const { stdout } = await execFileAsync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, timeout: 10_000 })
  return stdout.trim()
}

// Files a git run would not carry: modified, staged, deleted or untracked (and not ignored).
export async function dirtyFiles(repoRoot: string): Promise<string[]> {
  const { stdout } = await execFileAsync(
    'git',
    ['status', '--porcelain=v1', '-z', '--untracked-files=normal'],
    {
      cwd: repoRoot,
      timeout: 30_000,
      maxBuffer: 16 * 1024 * 1024,
    },
  )
  return stdout
    .split('\0')
    .filter((entry) => entry.length > 3)
    .map((entry) => entry.slice(3))
}

// The commit a ref names on the remote, for the confirmation; null when it cannot be asked.
export async function remoteCommit(
  url: string,
  ref: string,
  token: string | undefined,
): Promise<string | null> {
  if (/^[0-9a-f]{40}$/.test(ref)) return ref
  try {
    const { stdout } = await execFileAsync('git', ['ls-remote', url, ref], {
      timeout: 20_000,
      env: { ...process.env, ...gitAuthEnv(token), GIT_TERMINAL_PROMPT: '0' },
    })
    return stdout.split(/\s/)[0] || null
  } catch {
    return null
  }
}

// Packs the working tree into <dir>/tree.tar.gz; refuses an archive over uploadArchiveBytesMax.
export async function packWorkingTree(repoRoot: string, dir: string): Promise<string> {
  const archivePath = join(dir, 'tree.tar.gz')
  const { stdout: list } = await execFileAsync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: repoRoot,
    timeout: 30_000,
    maxBuffer: 64 * 1024 * 1024,
  })
  // Deleted files still listed by ls-files -c would make tar fail; keep the ones on disk.
  const files: string[] = []
  for (const file of list.split('\0').filter((entry) => entry !== '')) {
    if (
      await stat(join(repoRoot, file)).then(
        (info) => info.isFile(),
        () => false,
      )
    )
      files.push(file)
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn('tar', ['-czf', archivePath, '--null', '-T', '-'], {
      cwd: repoRoot,
      stdio: ['pipe', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    const timer = setTimeout(() => child.kill('SIGTERM'), 120_000)
    child.on('close', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve()
      else
        reject(new MateriaError('remote', `packing the working tree failed: ${stderr.trim().split('\n')[0]}`))
    })
    child.stdin.end(files.map((file) => `${file}\0`).join(''))
  })
  const { size } = await stat(archivePath)
  if (size > uploadArchiveBytesMax) {
    throw new MateriaError(
      'limit',
      `working tree archive is ${size} bytes, over uploadArchiveBytesMax=${uploadArchiveBytesMax}; git-ignore data and build output`,
    )
  }
  return archivePath
}
