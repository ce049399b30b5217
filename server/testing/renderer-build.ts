// Tests and the benchmark serve the built renderer: build it (a few seconds with Vite) when
// out/renderer is missing or older than the renderer's sources.
import { execFileSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

const repository = fileURLToPath(new URL('../..', import.meta.url))

function newestMtimeMs(directory: string): number {
  let newest = 0
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestMtimeMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

export function ensureRendererBuilt(): string {
  const output = join(repository, 'out', 'renderer')
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
      ],
      {
        cwd: repository,
        stdio: 'inherit',
      },
    )
  }
  return output
}

export const chromiumPath = '/usr/bin/chromium'
export const chromiumArgs = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
  '--disable-sync',
]
