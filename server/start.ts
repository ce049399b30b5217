// What `npm start` runs (`materia app`): the main job (on a first run with an empty landing it lands
// the bundled snapshot; always brings prod up to date and prints the report) with its progress on
// stdout; then the workbench, shown in the Electron window where Electron's binary is installed, else in the
// default browser, else its URL is printed (no display).
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { loadProject } from '../pipeline/engine/index.ts'
import { landingHasSnapshot, runMainJob } from '../pipeline/main-job.ts'
import { openInBrowser, waitForInterrupt } from './cli-workbench.ts'
import { ensureRendererBuilt } from './renderer-build.ts'
import { startWorkbench } from './workbench.ts'

const repository = fileURLToPath(new URL('..', import.meta.url))

// The Electron binary when the optional dependency installed it (its download needs the network).
export function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown
    return typeof path === 'string' && existsSync(path) ? path : null
  } catch {
    return null
  }
}

// Electron is an optional dependency (its binary is downloaded at install): without it the same
// workbench opens in the default browser, and one line says so.
export const electronMissingLine =
  'Electron is not installed (optional dependency): the workbench opens in your browser instead.'

export interface StartOptions {
  readonly projectRoot: string
  readonly stdout: NodeJS.WritableStream
  readonly env: NodeJS.ProcessEnv
  readonly open: boolean // false: serve and print the URL only (tests, headless machines)
}

// Returns the exit code once the workbench (or the Electron app) stops.
export async function startApp(options: StartOptions): Promise<number> {
  const project = await loadProject(options.projectRoot, { env: options.env })
  if (!landingHasSnapshot(project.config.landingDir)) {
    options.stdout.write('First run: building the coffee data from the bundled USDA snapshot…\n')
  }
  // The main job is idempotent: on later runs it builds only what changed and prints the report.
  await runMainJob({ projectRoot: options.projectRoot, stdout: options.stdout, env: options.env })
  const electron = electronBinary()
  if (options.open && electron === null) options.stdout.write(`${electronMissingLine}\n`)
  const hasDisplay =
    Boolean(options.env.DISPLAY || options.env.WAYLAND_DISPLAY) || process.platform !== 'linux'
  if (
    options.open &&
    electron !== null &&
    hasDisplay &&
    existsSync(join(repository, 'out', 'main', 'index.js'))
  ) {
    const child = spawn(electron, [join(repository, 'out', 'main', 'index.js')], {
      stdio: 'inherit',
      env: { ...options.env, MATERIA_PROJECT: options.projectRoot },
    })
    return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 0)))
  }
  // A fresh clone has no built browser assets yet: build them once (Vite, a few seconds).
  ensureRendererBuilt()
  const workbench = await startWorkbench({ projectRoot: options.projectRoot, env: options.env })
  options.stdout.write(`Materia workbench: ${workbench.url}\n`)
  if (options.open && !openInBrowser(workbench.url, options.env)) {
    options.stdout.write('No display found: open the URL above in a browser on this machine.\n')
  }
  return waitForInterrupt(workbench)
}
