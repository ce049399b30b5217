// Models benchmark: the whole transform project (sql/) over a PSD-shaped landing of >= 2 M rows.
// The landing is generated at bench time in a temp folder from the genuine Dec 2022 coffee snapshot:
// its 77,957 rows replicated under 13 commodity codes (0711100 as published, 0711101..0711112 as
// replicas, descriptions marked "(replica k)") in monthly snapshots, written as PSD CSV (same header,
// quoted descriptions) gzip-compressed at <landing>/psd/coffee/YYYY/MM/<name>.csv.gz.
//
// Figures:
// - full apply of two monthly snapshots (2.03 M rows) to prod through the engine, audits on and off:
//   wall time and peak RSS, and the ratio against DuckDB executing the same rendered SQL directly;
// - one more monthly snapshot landed, then the next day's run (plan + apply at the next day's clock,
//   what `materia run` evaluates): rows each model wrote and wall time, against a full rebuild of
//   all three months in a fresh database. Each phase's figures also go to stderr as it ends.
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { landBundledSnapshot } from '../pipeline/extract/psd/land.ts'
import type { PhaseRequest, PhaseResult } from './models-phase.ts'

// 13 x 77,957 = 1,013,441 rows per monthly snapshot. MATERIA_BENCH_REPLICAS lowers it for a quick
// check of the benchmark itself; the figures reported use the default.
const replicas = Number(process.env.MATERIA_BENCH_REPLICAS ?? 13)
const sqlRoot = join(import.meta.dirname, '..', 'sql')
const phaseScript = join(import.meta.dirname, 'models-phase.ts')

async function generateSnapshot(source: string, landingDir: string, month: string): Promise<number> {
  const [year, monthNumber] = month.split('-') as [string, string]
  const directory = join(landingDir, 'psd', 'coffee', year, monthNumber)
  mkdirSync(directory, { recursive: true })
  const target = join(directory, `bench-${month}.csv.gz`)
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const result = await connection.run(`
      COPY (
        SELECT
          CASE WHEN k = 0 THEN Commodity_Code ELSE printf('07111%02d', k) END AS Commodity_Code,
          CASE WHEN k = 0 THEN Commodity_Description ELSE Commodity_Description || ' (replica ' || k || ')' END
            AS Commodity_Description,
          Country_Code, Country_Name, Market_Year, Calendar_Year, "Month", Attribute_ID,
          Attribute_Description, Unit_ID, Unit_Description, "Value"
        FROM read_csv('${source}', all_varchar = true, header = true)
        CROSS JOIN range(${replicas}) AS replica(k)
      ) TO '${target}' (
        HEADER true,
        FORCE_QUOTE (Commodity_Description, Country_Name, Attribute_Description, Unit_Description)
      )`)
    return Number(result.rowsChanged)
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

function runPhase(request: PhaseRequest): Promise<PhaseResult> {
  const label = `${request.phase}${request.audits ? '' : ' (no audits)'} at ${request.now}`
  return new Promise<PhaseResult>((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', phaseScript, JSON.stringify(request)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`phase ${request.phase} exited ${code}: ${stderr.slice(-2000)}`))
      else resolve(JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as PhaseResult)
    })
  }).then((result) => {
    process.stderr.write(`bench models: ${label}: ${JSON.stringify(result)}\n`)
    return result
  })
}

const total = (rows: Record<string, number>) => Object.values(rows).reduce((sum, value) => sum + value, 0)

export async function run(): Promise<Record<string, unknown>> {
  const temp = mkdtempSync(join(tmpdir(), 'materia-bench-models-'))
  try {
    const projectRoot = join(temp, 'project')
    cpSync(sqlRoot, projectRoot, { recursive: true, filter: (source) => !source.includes('.materia') })
    const bundled = await landBundledSnapshot(join(temp, 'bundled'))
    const source = join(temp, 'bundled', bundled.key!)
    const landingDir = join(temp, 'landing')
    const generated = [
      await generateSnapshot(source, landingDir, '2022-11'),
      await generateSnapshot(source, landingDir, '2022-12'),
    ]
    const base = { projectRoot, landingDir, audits: true }
    // The clock of the first apply, then of the next day's run (the third snapshot, Jan 2023, lands
    // in between and lies within the models' 31-day lookback of the next day).
    const firstNow = '2023-01-15T12:00:00Z'
    const nextNow = '2023-01-16T12:00:00Z'

    const apply = await runPhase({
      ...base,
      phase: 'apply',
      databasePath: join(temp, 'a.duckdb'),
      now: firstNow,
    })
    const applyNoAudits = await runPhase({
      ...base,
      phase: 'apply',
      audits: false,
      databasePath: join(temp, 'b.duckdb'),
      now: firstNow,
    })
    const direct = await runPhase({
      ...base,
      phase: 'direct',
      databasePath: join(temp, 'c.duckdb'),
      now: firstNow,
    })
    rmSync(join(temp, 'b.duckdb'), { force: true })
    rmSync(join(temp, 'c.duckdb'), { force: true })

    const landedRows = await generateSnapshot(source, landingDir, '2023-01')
    const incremental = await runPhase({
      ...base,
      phase: 'apply',
      databasePath: join(temp, 'a.duckdb'),
      now: nextNow,
    })
    const rebuild = await runPhase({
      ...base,
      phase: 'apply',
      databasePath: join(temp, 'd.duckdb'),
      now: nextNow,
    })
    const stagingModel = 'staging.stg_psdalldata__commodity'
    return {
      landingRows: generated[0]! + generated[1]!,
      fullApply: {
        wallMs: apply.wallMs,
        peakRssMb: apply.peakRssMb,
        rowsWritten: total(apply.rowsByModel),
        auditWarnings: apply.auditWarnings,
      },
      fullApplyWithoutAudits: { wallMs: applyNoAudits.wallMs, peakRssMb: applyNoAudits.peakRssMb },
      directDuckdb: { wallMs: direct.wallMs, peakRssMb: direct.peakRssMb },
      ratioVsDirect: Number((applyNoAudits.wallMs / direct.wallMs).toFixed(3)),
      ratioVsDirectWithAudits: Number((apply.wallMs / direct.wallMs).toFixed(3)),
      nextMonth: {
        landedRows,
        run: {
          wallMs: incremental.wallMs,
          peakRssMb: incremental.peakRssMb,
          rowsByModel: incremental.rowsByModel,
        },
        stagingRowsProcessed: incremental.rowsByModel[stagingModel] ?? 0,
        fullRebuild: {
          wallMs: rebuild.wallMs,
          stagingRowsProcessed: rebuild.rowsByModel[stagingModel] ?? 0,
          rowsWritten: total(rebuild.rowsByModel),
        },
        runVsRebuildTime: Number((incremental.wallMs / rebuild.wallMs).toFixed(3)),
      },
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
