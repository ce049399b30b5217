// Runs before `npm test` (the `pretest` script): the browser tests need Chromium and the worker tests
// need OpenSSH (sshd, ssh, sftp, ssh-keygen), all from Debian, never downloaded by npm. As root with
// apt-get (a fresh CI machine) it installs what is missing, as .ci/run does; otherwise it prints one
// line naming what to install and exits 1, so no test later fails with an unhandled spawn error.
// MATERIA_CHROMIUM and MATERIA_SSHD override the two fixed paths; the tests use the same variables.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { pathToFileURL } from 'node:url'

export interface Tool {
  readonly name: string
  readonly path: string // absolute, or a program name looked up on PATH
  readonly debianPackage: string
}

export function requiredTools(env: NodeJS.ProcessEnv): readonly Tool[] {
  return [
    { name: 'chromium', path: env.MATERIA_CHROMIUM ?? '/usr/bin/chromium', debianPackage: 'chromium' },
    { name: 'sshd', path: env.MATERIA_SSHD ?? '/usr/sbin/sshd', debianPackage: 'openssh-server' },
    { name: 'ssh', path: 'ssh', debianPackage: 'openssh-client' },
    { name: 'sftp', path: 'sftp', debianPackage: 'openssh-client' },
    { name: 'ssh-keygen', path: 'ssh-keygen', debianPackage: 'openssh-client' },
  ]
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

export function findProgram(path: string, env: NodeJS.ProcessEnv): string | undefined {
  if (path.includes('/')) return executable(path) ? path : undefined
  const folders = (env.PATH ?? '').split(delimiter).filter((folder) => folder !== '')
  return folders.map((folder) => join(folder, path)).find(executable)
}

export function missingTools(env: NodeJS.ProcessEnv): Tool[] {
  return requiredTools(env).filter((tool) => findProgram(tool.path, env) === undefined)
}

function packagesOf(tools: readonly Tool[]): string[] {
  return [...new Set(tools.map((tool) => tool.debianPackage))]
}

function install(packages: readonly string[], env: NodeJS.ProcessEnv): void {
  const aptEnv = { ...env, DEBIAN_FRONTEND: 'noninteractive' }
  const options: SpawnSyncOptions = { env: aptEnv, stdio: ['ignore', 'ignore', 'inherit'] }
  spawnSync('apt-get', ['-o', 'DPkg::Lock::Timeout=600', 'update', '-qq'], options)
  spawnSync(
    'apt-get',
    ['-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '-qq', '--no-install-recommends', ...packages],
    options,
  )
}

export function checkPrerequisites(
  env: NodeJS.ProcessEnv,
  isRoot: boolean,
): { code: number; message: string } {
  let missing = missingTools(env)
  if (missing.length > 0 && isRoot && findProgram('apt-get', env) !== undefined) {
    install(packagesOf(missing), env)
    missing = missingTools(env)
  }
  if (missing.length === 0) return { code: 0, message: '' }
  const names = missing.map((tool) => `${tool.name} (${tool.path})`).join(', ')
  return {
    code: 1,
    message:
      `npm test needs ${names}: run \`sudo apt-get install ${packagesOf(missing).join(' ')}\`` +
      ' (or point MATERIA_CHROMIUM / MATERIA_SSHD at them)\n',
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = checkPrerequisites(process.env, process.getuid?.() === 0)
  process.stderr.write(result.message)
  process.exitCode = result.code
}
