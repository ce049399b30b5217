// The static assets every dashboards or site build ships: our stylesheet and browser script,
// ECharts from node_modules, and the BeanFlows logo and wordmark. Nothing is fetched.
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { dashboardStyles } from './styles.ts'

const folder = import.meta.dirname
const repositoryRoot = join(folder, '..', '..')
const require = createRequire(import.meta.url)

// Browser scripts in load order: the data and formats first, then charts, then table parts.
const clientScripts = ['dashboards.js', 'draw.js', 'table.js']

export type OutputFiles = Map<string, string | Buffer>

let cachedAssets: Promise<OutputFiles> | null = null

/** Asset files keyed by output path (`assets/...`); read once per process. */
export function dashboardAssets(): Promise<OutputFiles> {
  cachedAssets ??= loadAssets()
  return cachedAssets
}

async function loadAssets(): Promise<OutputFiles> {
  const echartsPath = join(dirname(require.resolve('echarts')), 'echarts.min.js')
  const scripts = await Promise.all(
    clientScripts.map((name) => readFile(join(folder, 'client', name), 'utf8')),
  )
  return new Map<string, string | Buffer>([
    ['assets/echarts.min.js', await readFile(echartsPath)],
    ['assets/logo.svg', await readFile(join(repositoryRoot, 'assets', 'logo.svg'))],
    ['assets/materia.css', await dashboardStyles()],
    ['assets/materia.js', scripts.join('\n')],
    ['assets/wordmark.svg', await readFile(join(repositoryRoot, 'assets', 'wordmark.svg'))],
  ])
}
