// The workbench lock: while a workbench serves a project it owns the project's DuckDB file, and
// records who it is in <project>/.materia/workbench.lock (pid, port, token; mode 0600 because the
// token opens the workbench's API). A CLI command that writes the project reads it first and either
// forwards its work to the running workbench or refuses, naming the pid: never two writers.
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MateriaError } from './errors.ts'

export interface WorkbenchLock {
  readonly pid: number
  readonly port: number
  readonly token: string
  readonly url: string // the loopback base URL, without the token
  readonly startedAt: string
}

export function workbenchLockPath(projectRoot: string): string {
  return join(projectRoot, '.materia', 'workbench.lock')
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: the process exists but belongs to another user; it still holds the file.
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

// The lock of a live workbench on this project, or null. A lock left by a dead process is stale
// and ignored (the next workbench replaces it).
export async function readWorkbenchLock(projectRoot: string): Promise<WorkbenchLock | null> {
  let text: string
  try {
    text = await readFile(workbenchLockPath(projectRoot), 'utf8')
  } catch {
    return null
  }
  let lock: WorkbenchLock
  try {
    lock = JSON.parse(text) as WorkbenchLock
  } catch {
    return null // a lock cut short by a crash while it was written
  }
  if (!Number.isInteger(lock.pid) || !Number.isInteger(lock.port)) return null
  return processAlive(lock.pid) ? lock : null
}

export async function writeWorkbenchLock(projectRoot: string, lock: WorkbenchLock): Promise<void> {
  const existing = await readWorkbenchLock(projectRoot)
  if (existing !== null) {
    throw new MateriaError(
      'lock',
      `${projectRoot}: a workbench (pid ${existing.pid}) already serves this project at ${existing.url}; use it or stop it first`,
    )
  }
  await mkdir(join(projectRoot, '.materia'), { recursive: true })
  await writeFile(workbenchLockPath(projectRoot), `${JSON.stringify(lock)}\n`, {
    encoding: 'utf8',
    mode: 0o600,
  })
}

export async function removeWorkbenchLock(projectRoot: string): Promise<void> {
  const existing = await readWorkbenchLock(projectRoot)
  if (existing === null || existing.pid === process.pid) {
    await rm(workbenchLockPath(projectRoot), { force: true })
  }
}

// For CLI commands that write the project (apply, invalidate, run): refuse while a workbench runs.
export async function refuseWhileWorkbenchRuns(projectRoot: string, command: string): Promise<void> {
  const lock = await readWorkbenchLock(projectRoot)
  if (lock === null || lock.pid === process.pid) return
  throw new MateriaError(
    'lock',
    `${projectRoot}: the workbench (pid ${lock.pid}) at ${lock.url} owns this project's database; ` +
      `run ${command} from the workbench, or stop it (kill ${lock.pid}) and retry`,
  )
}
