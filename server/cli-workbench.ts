// `materia workbench [--project DIR] [--port N] [--no-open]`: serves the workbench on 127.0.0.1
// until interrupted. The command lives in server/ (it starts the server); pipeline/cli/commands.ts
// loads it lazily, the one import from pipeline/ into server/ that the layering test allows.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import type { Command, CommandContext } from '../pipeline/cli/command.ts'
import { resolveProjectRoot as projectRootOf } from '../pipeline/cli/project-option.ts'
import { projectConfigMissing } from '../pipeline/engine/index.ts'
import { MateriaError } from '../pipeline/errors.ts'
import { defaultRendererOutput, ensureRendererBuilt } from './renderer-build.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

interface WorkbenchArguments {
  readonly project: string | null
  readonly port: number
  readonly open: boolean
}

export function parseWorkbenchArguments(argv: readonly string[]): WorkbenchArguments {
  const { tokens } = parseArgs({
    args: [...argv],
    options: { project: { type: 'string' }, port: { type: 'string' }, 'no-open': { type: 'boolean' } },
    strict: false,
    allowPositionals: true,
    tokens: true,
  })
  let project: string | null = null
  let port = 0
  let open = true
  for (const token of tokens) {
    const argument = argv[token.index] ?? '--'
    const known = token.kind === 'option' && token.rawName.startsWith('--') && !token.inlineValue
    if (!known) throw new MateriaError('usage', `unknown option "${argument}"; see materia workbench --help`)
    if (token.name === 'no-open') open = false
    else if (token.name === 'project') project = token.value ?? ''
    else if (token.name === 'port') {
      const text = token.value ?? ''
      port = Number(text)
      if (!/^\d+$/.test(text) || port > 65_535) {
        throw new MateriaError('usage', `--port "${text}" is not a port number (0-65535; 0 = random)`)
      }
    } else throw new MateriaError('usage', `unknown option "${argument}"; see materia workbench --help`)
  }
  if (project === '') throw new MateriaError('usage', '--project needs a folder')
  return { project, port, open }
}

// The project root as every command finds it (project-option.ts); it must hold materia.yaml.
export function resolveProjectRoot(project: string | null, cwd: string): string {
  const root = projectRootOf(project ?? undefined, cwd)
  if (!existsSync(resolve(root, 'materia.yaml'))) throw projectConfigMissing(root)
  return root
}

// Opens a URL in the default browser; false where there is no display to open it on.
export function openInBrowser(url: string, env: NodeJS.ProcessEnv): boolean {
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return false
  const opener =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open'
  const child = spawn(opener, [url], { stdio: 'ignore', detached: true })
  child.on('error', () => {})
  child.unref()
  return true
}

export function waitForInterrupt(workbench: Workbench): Promise<number> {
  return new Promise((done) => {
    const stop = () => {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
      workbench.close().then(
        () => done(0),
        () => done(1),
      )
    }
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
  })
}

// Starts the workbench as the command does: a fresh clone has no built browser assets, so they are
// built first (Vite, a few seconds), exactly as `npm start` does. MATERIA_RENDERER_DIR names
// where they live (default out/renderer).
export async function startWorkbenchCommand(
  argv: readonly string[],
  context: CommandContext,
): Promise<Workbench> {
  const options = parseWorkbenchArguments(argv)
  const root = resolveProjectRoot(options.project, context.cwd)
  const rendererDir = ensureRendererBuilt(context.env.MATERIA_RENDERER_DIR ?? defaultRendererOutput)
  const workbench = await startWorkbench({
    projectRoot: root,
    port: options.port,
    env: context.env,
    rendererDir,
  })
  context.stdout.write(`materia workbench: serving ${root}\n${workbench.url}\n`)
  if (options.open && !openInBrowser(workbench.url, context.env)) {
    context.stdout.write('no display found: open the URL above in a browser\n')
  }
  return workbench
}

export const workbenchCommand: Command = {
  name: 'workbench',
  async run(argv: readonly string[], context: CommandContext): Promise<number> {
    return waitForInterrupt(await startWorkbenchCommand(argv, context))
  },
}
