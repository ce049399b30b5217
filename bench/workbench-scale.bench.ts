// The workbench server under a generated 1,000-model project (bench/generate-project.ts), no
// browser: server start with the project loaded (targets: under 1,000 ms), then the completion
// endpoint answering a column prefix after one of the project's serving models and after a model
// name prefix (target: p95 under 50 ms, 40 requests each, the first of each taken apart as cold).
// Each figure is the median, min and max over the runs; the server is started afresh each run.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startWorkbench } from '../server/workbench.ts'
import { generateProject } from './generate-project.ts'
import { type BenchOptions, figure } from './stats.ts'

const completionRequests = 40

function percentile(values: readonly number[], fraction: number): number {
  const sorted = [...values].sort((left, right) => left - right)
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * fraction))] ?? 0
}

export async function run(options: BenchOptions): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'materia-bench-workbench-scale-'))
  try {
    const generated = generateProject(root, { models: 1000 })
    const leaf = generated.leaves[0]
    if (leaf === undefined) throw new Error('assertion failed: the generated project has serving models')
    const startMs: number[] = []
    const startCpuMs: number[] = []
    const columnP95Ms: number[] = []
    const modelP95Ms: number[] = []
    const coldMs: number[] = []
    for (let round = 0; round < options.runs; round += 1) {
      const started = performance.now()
      const cpuBefore = process.cpuUsage()
      const workbench = await startWorkbench({ projectRoot: root, env: { USER: 'bench' } })
      startMs.push(performance.now() - started)
      // CPU time of the start (DuckDB's threads included): on a busy machine it shows the work
      // itself, while wall time also counts waiting for a core.
      const cpu = process.cpuUsage(cpuBefore)
      startCpuMs.push((cpu.user + cpu.system) / 1000)
      try {
        const headers = {
          authorization: `Bearer ${workbench.token}`,
          origin: workbench.baseUrl,
          'content-type': 'application/json',
        }
        const complete = async (text: string, offset: number): Promise<number> => {
          const requested = performance.now()
          const reply = await fetch(`${workbench.baseUrl}/api/complete`, {
            method: 'POST',
            headers,
            body: JSON.stringify({ text, offset }),
          })
          const items = (await reply.json()) as unknown[]
          if (!reply.ok || !Array.isArray(items) || items.length === 0)
            throw new Error(`completion of ${JSON.stringify(text)} answered ${reply.status} with no items`)
          return performance.now() - requested
        }
        // A column after a serving model (its columns come from the loaded project), and a model
        // name after FROM (the index of 1,000 names).
        const columnText = `SELECT FROM ${leaf}`
        const modelText = `SELECT id FROM ${leaf.slice(0, leaf.indexOf('.') + 2)}`
        coldMs.push(await complete(columnText, 7))
        const columns: number[] = []
        const models: number[] = []
        for (let index = 0; index < completionRequests; index += 1) {
          columns.push(await complete(columnText, 7))
          models.push(await complete(modelText, modelText.length))
        }
        columnP95Ms.push(percentile(columns, 0.95))
        modelP95Ms.push(percentile(models, 0.95))
      } finally {
        await workbench.close()
      }
    }
    return {
      models: generated.models.length,
      serverStartWithProjectMs: figure(startMs),
      serverStartWithProjectCpuMs: figure(startCpuMs),
      targetServerStartMs: 1000,
      completionColdMs: figure(coldMs),
      completionColumnP95Ms: figure(columnP95Ms),
      completionModelNameP95Ms: figure(modelP95Ms),
      targetCompletionP95Ms: 50,
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}
