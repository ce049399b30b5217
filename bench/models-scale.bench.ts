// Scale (opt-in: `npm run bench -- models-scale`): a generated all-commodities landing of 10 M rows,
// five monthly snapshots of 2,026,882 rows each (the genuine Dec 2022 coffee rows under 26 commodity
// codes, as bench/models.bench.ts generates them), applied in full to prod through the engine with
// audits on, in its own process. Figures: wall time, peak RSS, each model's build time, and staging's
// rows per second (rows written over its build time). MATERIA_BENCH_REPLICAS lowers the rows per
// snapshot for a check of the benchmark itself.
import { cpSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { landBundledSnapshot } from '../pipeline/extract/psd/land.ts'
import { generateSnapshot, runPhase } from './models.bench.ts'
import type { PhaseResult } from './models-phase.ts'
import { type BenchOptions, figure } from './stats.ts'

const replicas = Number(process.env.MATERIA_BENCH_REPLICAS ?? 26)
const months = ['2022-09', '2022-10', '2022-11', '2022-12', '2023-01']
const stagingModel = 'staging.stg_psdalldata__commodity'

export async function run(options: BenchOptions): Promise<Record<string, unknown>> {
  const temp = mkdtempSync(join(tmpdir(), 'materia-bench-scale-'))
  try {
    const projectRoot = join(temp, 'project')
    const sqlRoot = join(import.meta.dirname, '..', 'sql')
    cpSync(sqlRoot, projectRoot, { recursive: true, filter: (source) => !source.includes('.materia') })
    const bundled = await landBundledSnapshot(join(temp, 'bundled'))
    const source = join(temp, 'bundled', bundled.key!)
    const landingDir = join(temp, 'landing')
    let landingRows = 0
    for (const month of months) landingRows += await generateSnapshot(source, landingDir, month, replicas)
    const results: PhaseResult[] = []
    for (let round = 0; round < options.runs; round += 1) {
      const databasePath = join(temp, `scale-${round}.duckdb`)
      results.push(
        await runPhase({
          phase: 'apply',
          projectRoot,
          landingDir,
          databasePath,
          now: '2023-02-15T12:00:00Z',
          audits: true,
        }),
      )
      for (const file of [databasePath, `${databasePath}.wal`]) rmSync(file, { force: true })
      rmSync(`${databasePath}.tmp`, { recursive: true, force: true })
    }
    const stagingRows = results.map((result) => result.rowsByModel[stagingModel] ?? 0)
    if (stagingRows.some((rows) => rows !== landingRows))
      throw new Error(`assertion failed: staging holds every landed row (${landingRows}), got ${stagingRows}`)
    return {
      landingRows,
      snapshots: months.length,
      fullApply: {
        wallMs: figure(results.map((result) => result.wallMs)),
        peakRssMb: figure(results.map((result) => result.peakRssMb)),
      },
      staging: {
        rows: landingRows,
        ms: figure(results.map((result) => result.msByModel[stagingModel] ?? 0)),
        rowsPerSecond: figure(
          results.map((result) => Math.round(landingRows / ((result.msByModel[stagingModel] ?? 1) / 1000))),
        ),
      },
      msByModel: Object.fromEntries(
        Object.keys(results[0]!.msByModel).map((name) => [
          name,
          figure(results.map((result) => result.msByModel[name] ?? 0)).median,
        ]),
      ),
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
