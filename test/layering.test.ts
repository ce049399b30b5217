// Goal: keep imports pointing one way (electron -> server -> pipeline; renderer only over HTTP).
// Method: scan every source file's import lines and fail on an import against the layering.
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve, sep } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')

function sourceFiles(dir: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(dir)
  } catch {
    return []
  }
  return entries.flatMap((entry) => {
    const path = join(dir, entry)
    if (entry === 'node_modules' || entry === 'out' || entry === 'dist' || entry.startsWith('.')) return []
    if (statSync(path).isDirectory()) return sourceFiles(path)
    return /\.(ts|tsx|js|mjs)$/.test(entry) ? [path] : []
  })
}

function importsOf(path: string): string[] {
  const text = readFileSync(path, 'utf8')
  const pattern = /(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g
  return [...text.matchAll(pattern)].map((match) => match[1] ?? match[2] ?? '')
}

// The command table is the CLI's composition root: it may name the commands implemented above
// pipeline/ (today only `materia workbench`, which starts the server) as lazy dynamic imports, so
// the engine itself never loads server code. Any other import of server/ from pipeline/ fails.
const allowedUpward: Readonly<Record<string, readonly string[]>> = {
  'pipeline/cli/commands.ts': ['../../server/cli-workbench.ts', '../../server/cli-app.ts'],
}

const forbidden: Record<string, RegExp> = {
  pipeline: /^electron$|\/(server|renderer|electron)\//,
  server: /^electron$|\/(renderer|electron)\//,
  renderer: /\/(pipeline|server|electron)\//,
}

// The engine's one public seam is pipeline/engine/index.ts. Outside the engine, only tests and test
// support (`*.test.ts`, files under a `testing/` folder) may reach its internal modules; benches and
// tests alike may use the engine's own test support in pipeline/engine/testing/.
const engineDir = join(root, 'pipeline', 'engine')

function isTestSupport(file: string): boolean {
  return file.endsWith('.test.ts') || file.split(sep).includes('testing')
}

function engineBypasses(file: string, specifiers: readonly string[]): string[] {
  if (file.startsWith(engineDir + sep) || isTestSupport(file)) return []
  return specifiers.filter((specifier) => {
    if (!specifier.startsWith('.')) return false
    const target = resolve(dirname(file), specifier)
    if (!target.startsWith(engineDir + sep) || target.startsWith(join(engineDir, 'testing') + sep))
      return false
    return target !== join(engineDir, 'index.ts')
  })
}

describe('layering', () => {
  for (const [layer, pattern] of Object.entries(forbidden)) {
    it(`${layer}/ imports nothing from the layers above it`, () => {
      const offenders = sourceFiles(join(root, layer)).flatMap((file) =>
        importsOf(file)
          .filter(
            (specifier) =>
              (pattern.test(specifier) || (layer !== 'renderer' && specifier.startsWith('../../electron'))) &&
              !(allowedUpward[relative(root, file)] ?? []).includes(specifier),
          )
          .map((specifier) => `${relative(root, file)} imports ${specifier}`),
      )
      expect(offenders).toEqual([])
    })
  }

  it('allows the upward imports only as lazy dynamic imports', () => {
    for (const [file, specifiers] of Object.entries(allowedUpward)) {
      const text = readFileSync(join(root, file), 'utf8')
      for (const specifier of specifiers) {
        expect(text).toContain(`import('${specifier}')`)
        expect(text).not.toMatch(new RegExp(`from\\s+['"]${specifier.replaceAll('.', '\\.')}['"]`))
      }
    }
  })

  it('imports the engine only through pipeline/engine/index.ts outside the engine and its tests', () => {
    const offenders = sourceFiles(root).flatMap((file) =>
      engineBypasses(file, importsOf(file)).map(
        (specifier) => `${relative(root, file)} imports ${specifier}`,
      ),
    )
    expect(offenders).toEqual([])
  })

  it('names an import of an engine module from outside the engine', () => {
    const cli = join(root, 'pipeline', 'cli', 'plan.ts')
    expect(engineBypasses(cli, ['../engine/plan.ts', '../engine/index.ts', 'node:fs'])).toEqual([
      '../engine/plan.ts',
    ])
    expect(
      engineBypasses(join(root, 'server', 'routes', 'plan.ts'), ['../../pipeline/engine/apply.ts']),
    ).toEqual(['../../pipeline/engine/apply.ts'])
    expect(engineBypasses(join(engineDir, 'plan.ts'), ['./apply.ts'])).toEqual([])
    expect(
      engineBypasses(join(root, 'bench', 'run.ts'), ['../pipeline/engine/testing/psd-sample.ts']),
    ).toEqual([])
    expect(engineBypasses(join(root, 'pipeline', 'cli', 'plan.test.ts'), ['../engine/apply.ts'])).toEqual([])
  })

  it('keeps test support out of production modules: they import no testing/ folder and no vitest', () => {
    const production = ['pipeline', 'server', 'electron']
      .flatMap((layer) => sourceFiles(join(root, layer)))
      .filter((file) => !isTestSupport(file))
    const offenders = production.flatMap((file) =>
      importsOf(file)
        .filter((specifier) => specifier === 'vitest' || specifier.split('/').includes('testing'))
        .map((specifier) => `${relative(root, file)} imports ${specifier}`),
    )
    expect(offenders).toEqual([])
    expect(production.length).toBeGreaterThan(3)
  })

  it('finds the pipeline sources it checks', () => {
    expect(sourceFiles(join(root, 'pipeline')).length).toBeGreaterThan(3)
  })
})
