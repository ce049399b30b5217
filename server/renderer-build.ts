// The app, the tests and the benchmark serve the built renderer: build it (a few seconds with Vite) when
// out/renderer is missing or older than the renderer's sources.
import { execFileSync } from 'node:child_process'
import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repository = fileURLToPath(new URL('..', import.meta.url))

// Tests and test support never reach the build (nor carry classes the workbench draws): an edited
// test does not make the renderer stale, so running it does not rebuild the editor first.
function isTestSource(name: string): boolean {
  return name === 'testing' || name.endsWith('.test.ts')
}

function newestMtimeMs(directory: string): number {
  let newest = 0
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    if (isTestSource(entry.name)) continue
    const path = join(directory, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

// Test files run in parallel workers: one builds while the others wait, then find it up to date.
// A lock older than this was left by a killed run.
const buildLockStaleMs = 600_000

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

export const defaultRendererOutput = join(repository, 'out', 'renderer')

// Builds the renderer into `output` (default out/renderer) when missing or stale; returns `output`.
export function ensureRendererBuilt(output = defaultRendererOutput): string {
  const lock = join(repository, 'out', '.renderer-build.lock')
  mkdirSync(join(repository, 'out'), { recursive: true })
  for (;;) {
    try {
      mkdirSync(lock)
      break
    } catch {
      const ageMs = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now())
      if (ageMs > buildLockStaleMs) rmSync(lock, { recursive: true, force: true })
      else sleepSync(250)
    }
  }
  try {
    return buildIfStale(output)
  } finally {
    rmSync(lock, { recursive: true, force: true })
  }
}

function buildIfStale(output: string): string {
  let builtMs = 0
  try {
    builtMs = statSync(join(output, 'index.html')).mtimeMs
  } catch {
    builtMs = 0
  }
  const sourcesMs = Math.max(
    newestMtimeMs(join(repository, 'renderer')),
    newestMtimeMs(join(repository, 'server')),
  )
  if (builtMs < sourcesMs) {
    execFileSync(
      process.execPath,
      [
        join(repository, 'node_modules', 'vite', 'bin', 'vite.js'),
        'build',
        '--config',
        'renderer/vite.config.ts',
        '--logLevel',
        'warn',
        '--outDir',
        output,
        '--emptyOutDir',
      ],
      // The build's messages (daisyUI prints a banner) go to stderr: stdout stays the caller's, e.g.
      // the JSON that `npm run -s bench` prints.
      { cwd: repository, stdio: ['ignore', 2, 2] },
    )
  }
  return output
}

// Debian's Chromium; MATERIA_CHROMIUM points elsewhere (test/prerequisites.ts checks it before the tests).
export const chromiumPath = process.env.MATERIA_CHROMIUM ?? '/usr/bin/chromium'
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]
