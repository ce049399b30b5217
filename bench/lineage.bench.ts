// Column lineage of one column in a 1,000-model project (bench/generate-project.ts): upstream from a
// serving model's measure to the raw models, and downstream from the raw model that feeds the most
// models. Target: under 200 ms each. Loading the project is not timed; the lineage call parses the
// trees it needs (DuckDB's parser, cached across calls as in the workbench), so the first call is
// reported apart from the median of the following ones.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { columnLineage, loadProject } from '../pipeline/engine/index.ts'
import { generateProject } from './generate-project.ts'

const repeats = 5

function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.floor(sorted.length / 2)]!
}

// Wall time of the first call and the median of the next ones; CPU time of the first call (on a
// busy machine wall time also counts waiting for a core).
async function timed(run: () => Promise<unknown>) {
  const times: number[] = []
  let firstCpuMs = 0
  for (let index = 0; index <= repeats; index += 1) {
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    await run()
    times.push(performance.now() - started)
    const cpu = process.cpuUsage(cpuBefore)
    if (index === 0) firstCpuMs = Math.round((cpu.user + cpu.system) / 1000)
  }
  return { firstMs: Math.round(times[0]!), firstCpuMs, medianMs: Math.round(median(times.slice(1))) }
}

export async function run(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'materia-bench-lineage-'))
  try {
    const generated = generateProject(root, { models: 1000 })
    const project = await loadProject(root, { env: {} })
    const leaf = generated.leaves[0]!
    const raw = generated.models[0]!
    let upstreamColumns = 0
    let downstreamColumns = 0
    const upstream = await timed(async () => {
      upstreamColumns = (await columnLineage(project, leaf, 'v')).columns.length
    })
    const downstream = await timed(async () => {
      downstreamColumns = (await columnLineage(project, raw, 'v', { direction: 'downstream' })).columns.length
    })
    if (upstreamColumns < 2 || downstreamColumns < 2)
      throw new Error('assertion failed: lineage found columns')
    return {
      models: project.models.size,
      upstreamColumns,
      upstreamFirstMs: upstream.firstMs,
      upstreamFirstCpuMs: upstream.firstCpuMs,
      upstreamMedianMs: upstream.medianMs,
      downstreamColumns,
      downstreamFirstMs: downstream.firstMs,
      downstreamFirstCpuMs: downstream.firstCpuMs,
      downstreamMedianMs: downstream.medianMs,
      targetMs: 200,
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run()))
}
