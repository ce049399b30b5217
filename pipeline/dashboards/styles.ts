// Compiles the dashboards' CSS with Tailwind 4 and DaisyUI from the classes our own templates and
// browser scripts use. Runs locally at build time (no network) and is cached per process, so the
// workbench preview pays for it once.
import { readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { compile, optimize } from '@tailwindcss/node'
import { Scanner } from '@tailwindcss/oxide'

const folder = import.meta.dirname
const repositoryRoot = join(folder, '..', '..')
let cached: Promise<string> | null = null

/** The minified stylesheet; the same sources always give the same bytes. */
export function dashboardStyles(): Promise<string> {
  cached ??= compileStyles()
  return cached
}

async function compileStyles(): Promise<string> {
  const input = await readFile(join(folder, 'client', 'materia.css'), 'utf8')
  const compiler = await compile(input, { base: repositoryRoot, onDependency: () => {} })
  const sources = await templateSources()
  const scanner = new Scanner({ sources: [] })
  const candidates = scanner.scanFiles(sources).sort()
  return optimize(compiler.build(candidates), { minify: true }).code
}

// Class names come from the renderer (*.ts here), the browser scripts (client/*.js) and the paid
// site's own pages (../site/pages.ts).
async function templateSources(): Promise<{ content: string; extension: string }[]> {
  const files = [
    ...(await readdir(folder)).filter((name) => name.endsWith('.ts') && !name.endsWith('.test.ts')),
    join('..', 'site', 'pages.ts'),
    ...(await readdir(join(folder, 'client')))
      .filter((name) => name.endsWith('.js'))
      .map((name) => join('client', name)),
  ].sort()
  return Promise.all(
    files.map(async (name) => ({
      content: await readFile(join(folder, name), 'utf8'),
      extension: name.split('.').pop()!,
    })),
  )
}
