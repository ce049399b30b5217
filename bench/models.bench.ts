// Models benchmark: the whole transform project (sql/) over a PSD-shaped landing of >= 2 M rows.
// The landing is generated at bench time in a temp folder from the genuine Dec 2022 coffee snapshot:
// its 77,957 rows replicated under 13 commodity codes (0711100 as published, 0711101..0711112 as
// replicas, descriptions marked "(replica k)") in monthly snapshots, written as PSD CSV (same header,
// quoted descriptions) gzip-compressed at <landing>/psd/coffee/YYYY/MM/<name>.csv.gz, each month with
// about 2.5 % of its balance sheets revised.
//
// Figures (each the median, min and max of N runs; the steps of one round run one after the other,
// so a change of machine load hits every step of the comparison alike):
// - the floor: DuckDB reading every landed file as the raw model does (count(*) over read_csv);
// - the write floor: the same read written to a table as it is (CREATE TABLE AS): what any pipeline
//   that keeps a table with one row per landed row (staging) pays at least;
// - DuckDB alone running the rendered model SQL on one connection, audits off and on (on: each
//   model's audit queries after its statement, as apply runs them);
// - full apply of two monthly snapshots (2.03 M rows) to prod through the engine, audits off and
//   on: wall time, peak RSS, each model's build time; ratios against DuckDB alone with audits alike
//   (off against off, on against on) and against the floor;
// - one more monthly snapshot landed, then the next day's run (plan + apply at the next day's
//   clock, what `materia run` evaluates) on a copy of the two-month database, against a full
//   rebuild of all three months in a fresh database. Each phase's figures go to stderr as it ends.
import { spawn } from 'node:child_process'
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { landBundledSnapshot } from '../pipeline/extract/psd/land.ts'
import type { PhaseRequest, PhaseResult } from './models-phase.ts'
import { type BenchOptions, figure, interleaved, ratio } from './stats.ts'

// 13 x 77,957 = 1,013,441 rows per monthly snapshot. MATERIA_BENCH_REPLICAS lowers it for a quick
// check of the benchmark itself; the figures reported use the default.
const replicas = Number(process.env.MATERIA_BENCH_REPLICAS ?? 13)
const sqlRoot = join(import.meta.dirname, '..', 'sql')
const phaseScript = join(import.meta.dirname, 'models-phase.ts')

// One monthly snapshot: the genuine rows replicated under `count` commodity codes (see above).
export async function generateSnapshot(
  source: string,
  landingDir: string,
  month: string,
  count = replicas,
): Promise<number> {
  if (!(Number.isInteger(count) && count >= 1 && count <= 100))
    throw new Error(`assertion failed: 1 to 100 replicas (codes 0711100..0711199), not ${count}`)
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
          Attribute_Description, Unit_ID, Unit_Description,
          -- About 1 balance sheet (commodity, country, market year) in 40 is revised, a different
          -- one each month: all its values 1 % up, so supply still equals distribution. Consecutive
          -- snapshots then disagree on ~5 % of their values, as USDA's monthly revisions do
          -- (identical months would leave serving.fct_psd_revisions with nothing to find).
          CASE
            WHEN HASH(Commodity_Code, Country_Code, Market_Year, k, '${month}') % 40 = 0
              THEN printf('%.4f', CAST("Value" AS DOUBLE) * 1.01)
            ELSE "Value"
          END AS "Value"
        FROM read_csv('${source}', all_varchar = true, header = true)
        CROSS JOIN range(${count}) AS replica(k)
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

export function runPhase(request: PhaseRequest): Promise<PhaseResult> {
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

function removeDatabase(path: string): void {
  for (const file of [path, `${path}.wal`]) rmSync(file, { force: true })
  rmSync(`${path}.tmp`, { recursive: true, force: true })
}

// Runs `request` in a fresh database file (removed after unless `keep`), collecting its results.
function phaseRunner(temp: string, results: PhaseResult[], keep?: string) {
  let counter = 0
  return async (request: Omit<PhaseRequest, 'databasePath'>): Promise<number> => {
    counter += 1
    const databasePath = join(temp, `${request.phase}-${counter}.duckdb`)
    const result = await runPhase({ ...request, databasePath })
    results.push(result)
    if (keep !== undefined) {
      removeDatabase(keep)
      copyFileSync(databasePath, keep)
    }
    removeDatabase(databasePath)
    return result.wallMs
  }
}

function medianByModel(results: readonly PhaseResult[]): Record<string, number> {
  const names = [...new Set(results.flatMap((result) => Object.keys(result.msByModel)))]
  return Object.fromEntries(
    names.map((name) => [name, figure(results.map((result) => result.msByModel[name] ?? 0)).median]),
  )
}

const cpu = (results: readonly PhaseResult[]) => results.map((result) => result.cpuMs)
const rss = (results: readonly PhaseResult[]) => figure(results.map((result) => result.peakRssMb))

export async function run(options: BenchOptions): Promise<Record<string, unknown>> {
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
    const twoMonths = join(temp, 'two-months.duckdb')

    const floor: PhaseResult[] = []
    const floorWrite: PhaseResult[] = []
    const direct: PhaseResult[] = []
    const directAudits: PhaseResult[] = []
    const applyNoAudits: PhaseResult[] = []
    const apply: PhaseResult[] = []
    const first = await interleaved(options.runs, {
      floor: phaseRunner(temp, floor).bind(null, { ...base, phase: 'floor', now: firstNow }),
      floorWrite: phaseRunner(temp, floorWrite).bind(null, { ...base, phase: 'floorWrite', now: firstNow }),
      direct: phaseRunner(temp, direct).bind(null, {
        ...base,
        phase: 'direct',
        audits: false,
        now: firstNow,
      }),
      directAudits: phaseRunner(temp, directAudits).bind(null, { ...base, phase: 'direct', now: firstNow }),
      applyNoAudits: phaseRunner(temp, applyNoAudits).bind(null, {
        ...base,
        phase: 'apply',
        audits: false,
        now: firstNow,
      }),
      apply: phaseRunner(temp, apply, twoMonths).bind(null, { ...base, phase: 'apply', now: firstNow }),
    })

    const landedRows = await generateSnapshot(source, landingDir, '2023-01')
    const nextDay: PhaseResult[] = []
    const rebuild: PhaseResult[] = []
    const next = await interleaved(options.runs, {
      nextDayRun: async () => {
        // Each run starts from the two-month database: a copy, so the next round finds it unchanged.
        if (!existsSync(twoMonths)) throw new Error('assertion failed: the two-month database was kept')
        const copy = join(temp, 'next-day.duckdb')
        removeDatabase(copy)
        copyFileSync(twoMonths, copy)
        const result = await runPhase({ ...base, phase: 'apply', databasePath: copy, now: nextNow })
        nextDay.push(result)
        removeDatabase(copy)
        return result.wallMs
      },
      fullRebuild: phaseRunner(temp, rebuild).bind(null, { ...base, phase: 'apply', now: nextNow }),
    })
    const stagingModel = 'staging.stg_psdalldata__commodity'
    const last = apply.at(-1)!
    return {
      landingRows: generated[0]! + generated[1]!,
      floor: { wallMs: figure(first.floor), rowsRead: floor.at(-1)!.rowsByModel['raw.psd_alldata'] },
      floorWrite: {
        wallMs: figure(first.floorWrite),
        rowsWritten: floorWrite.at(-1)!.rowsByModel['raw.psd_alldata'],
        peakRssMb: rss(floorWrite),
      },
      directDuckdb: { wallMs: figure(first.direct), peakRssMb: rss(direct) },
      directDuckdbWithAudits: {
        wallMs: figure(first.directAudits),
        peakRssMb: rss(directAudits),
        auditWarnings: directAudits.at(-1)!.auditWarnings,
      },
      fullApplyWithoutAudits: { wallMs: figure(first.applyNoAudits), peakRssMb: rss(applyNoAudits) },
      fullApply: {
        wallMs: figure(first.apply),
        peakRssMb: rss(apply),
        rowsWritten: total(last.rowsByModel),
        auditWarnings: last.auditWarnings,
        msByModel: medianByModel(apply),
      },
      ratioVsDirect: ratio(first.applyNoAudits, first.direct),
      // Both sides run the same audit queries: the engine's cost of auditing, not the audits' own.
      ratioVsDirectWithAudits: ratio(first.apply, first.directAudits),
      // The same ratios in CPU time (each phase process over its timed span, DuckDB's threads
      // included): what to read when the machine's load average exceeds its cores.
      cpuMs: {
        floor: figure(cpu(floor)),
        floorWrite: figure(cpu(floorWrite)),
        directDuckdb: figure(cpu(direct)),
        directDuckdbWithAudits: figure(cpu(directAudits)),
        fullApplyWithoutAudits: figure(cpu(applyNoAudits)),
        fullApply: figure(cpu(apply)),
      },
      cpuRatioVsDirect: ratio(cpu(applyNoAudits), cpu(direct)),
      cpuRatioVsDirectWithAudits: ratio(cpu(apply), cpu(directAudits)),
      ratioVsFloor: ratio(first.applyNoAudits, first.floor),
      ratioVsFloorWithAudits: ratio(first.apply, first.floor),
      directVsFloor: ratio(first.direct, first.floor),
      // Against the write floor: how far the models are from the least a per-row staging table costs.
      ratioVsWriteFloor: ratio(first.applyNoAudits, first.floorWrite),
      directVsWriteFloor: ratio(first.direct, first.floorWrite),
      nextMonth: {
        landedRows,
        run: {
          wallMs: figure(next.nextDayRun),
          peakRssMb: rss(nextDay),
          rowsByModel: nextDay.at(-1)!.rowsByModel,
        },
        stagingRowsProcessed: nextDay.at(-1)!.rowsByModel[stagingModel] ?? 0,
        fullRebuild: {
          wallMs: figure(next.fullRebuild),
          peakRssMb: rss(rebuild),
          stagingRowsProcessed: rebuild.at(-1)!.rowsByModel[stagingModel] ?? 0,
          rowsWritten: total(rebuild.at(-1)!.rowsByModel),
        },
        runVsRebuildTime: ratio(next.nextDayRun, next.fullRebuild),
      },
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
