// The static assets every dashboards or site build ships: our stylesheet and browser script, the
// chart runtime (ECharts from node_modules, built from the parts in use), and the BeanFlows logo and
// wordmark. Nothing is fetched.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chartPartsFor, chartRuntime } from './chart-runtime.ts'
import { type ComponentName, componentSpecs } from './components.ts'
import { dashboardStyles } from './styles.ts'
import { worldMapScript } from './world-map.ts'

const folder = import.meta.dirname
const repositoryRoot = join(folder, '..', '..')

// Browser scripts in load order: the data and formats first, then charts, then table parts.
const clientScripts = ['dashboards.js', 'draw.js', 'table.js']

export type OutputFiles = Map<string, string | Buffer>

// The world map's shapes: loaded only by pages that draw a map.
export const worldMapAsset = 'assets/world-map.js'

let cachedAssets: Promise<OutputFiles> | null = null

/**
 * Asset files keyed by output path (`assets/...`); read once per process. The chart runtime here
 * holds every chart type a page may use (the workbench preview); a build replaces it with the
 * runtime of the types its pages use.
 */
export function dashboardAssets(): Promise<OutputFiles> {
  cachedAssets ??= loadAssets()
  return cachedAssets
}

async function loadAssets(): Promise<OutputFiles> {
  const everyChart = chartPartsFor(Object.keys(componentSpecs) as ComponentName[])
  const scripts = await Promise.all(
    clientScripts.map((name) => readFile(join(folder, 'client', name), 'utf8')),
  )
  return new Map<string, string | Buffer>([
    ['assets/echarts.js', await chartRuntime(everyChart)],
    ['assets/logo.svg', await readFile(join(repositoryRoot, 'assets', 'logo.svg'))],
    ['assets/materia.css', await dashboardStyles()],
    ['assets/materia.js', scripts.join('\n')],
    ['assets/wordmark.svg', await readFile(join(repositoryRoot, 'assets', 'wordmark.svg'))],
    [worldMapAsset, await worldMapScript()],
  ])
}
