// `npm run soak` (not in CI): the workbench under SOAK_USERS (50) simulated analysts for SOAK_MINUTES
// (10). Each user loops: an ad-hoc query and two of its pages, the plan page of its own dev
// environment and, now and then, an apply to it, and a dashboard preview. Every minute the prod
// schedule runs in-process on the workbench's database (what `materia run prod` does; the CLI itself
// refuses while a workbench owns the database). Passes when there were 0 errors, RSS ended within
// SOAK_RSS_GROWTH_MAX of its start, and prod's checksums did not change. Prints one JSON line.
//
// RSS is judged after warm-up, not from the idle start: the first minutes fill V8's heap, DuckDB's
// buffer pool (pages of the database file, the workbench's cached results) and the allocators' free
// lists (DuckDB keeps up to allocator_flush_threshold of freed memory for reuse), none of which is
// given back. A leak keeps growing after that; a warm process stays level. So the figure that must
// stay within SOAK_RSS_GROWTH_MAX is end / RSS at the end of the warm-up (SOAK_WARMUP_MINUTES).
// A timeline every SOAK_SAMPLE_SECONDS shows RSS beside the JS heap and DuckDB's own accounting
// (duckdb_memory()); run under `node --expose-gc` and each sample first collects garbage, so the
// heap figure is live objects only.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { applyPlan, buildRunPlan, environmentSchema } from '../pipeline/engine/index.ts'
import { ensureRendererBuilt } from '../server/renderer-build.ts'
import { buildEnvironment, createFixtureProject, fixtureModels } from '../server/testing/fixture-project.ts'
import { startWorkbench, type Workbench } from '../server/workbench.ts'

const users = Number(process.env.SOAK_USERS ?? 50)
const minutes = Number(process.env.SOAK_MINUTES ?? 10)
// RSS may move this much between the end of the warm-up and the end (allocator noise, a cached
// result more or less); a leak at the old rate (190 MB more in 10 minutes) goes well past it.
const rssGrowthMax = Number(process.env.SOAK_RSS_GROWTH_MAX ?? 1.25)
const warmupMinutes = Number(process.env.SOAK_WARMUP_MINUTES ?? Math.min(3, minutes / 3))
const sampleSeconds = Number(process.env.SOAK_SAMPLE_SECONDS ?? 30)
const prodModels = ['serving.obt_commodity_metrics', 'serving.agg_world_balance']

const dashboardPage = `---
title: Soak
---

\`\`\`sql balance
SELECT market_year, production, ending_stocks FROM serving.agg_world_balance ORDER BY market_year
\`\`\`

<LineChart data={balance} x=market_year y=production />
`

interface Tally {
  requests: number
  errors: string[]
  busy: number // an apply refused because another one runs: documented, the user retries later
  applies: number
  runs: number
}

function megabytes(bytes: number): number {
  return Math.round(bytes / 1024 / 1024)
}

interface Sample {
  seconds: number
  requests: number
  rssMb: number
  heapUsedMb: number // after a forced collection when run with --expose-gc
  externalMb: number // Buffers and other memory V8 objects hold outside the heap
  duckdbMb: number // DuckDB's buffer manager: tables, caches, operator state (duckdb_memory())
}

async function sample(workbench: Workbench, startedMs: number, requests: number): Promise<Sample> {
  const collect = (globalThis as { gc?: () => void }).gc
  collect?.()
  const memory = process.memoryUsage()
  const connection = await workbench.context.db.connect()
  try {
    const reader = await connection.runAndReadAll(
      'SELECT COALESCE(SUM(memory_usage_bytes), 0)::DOUBLE AS bytes FROM duckdb_memory()',
    )
    return {
      seconds: Math.round((Date.now() - startedMs) / 1000),
      requests,
      rssMb: megabytes(memory.rss),
      heapUsedMb: megabytes(memory.heapUsed),
      externalMb: megabytes(memory.external),
      duckdbMb: megabytes(Number(reader.getRowObjectsJS()[0]?.bytes ?? 0)),
    }
  } finally {
    connection.closeSync()
  }
}

async function prodChecksums(workbench: Workbench): Promise<Record<string, string>> {
  const sums: Record<string, string> = {}
  for (const model of prodModels) {
    const [schema, table] = model.split('.') as [string, string]
    const rows = await workbench.context.db.rows(
      `SELECT COUNT(*)::VARCHAR || ':' || COALESCE(BIT_XOR(HASH(t))::VARCHAR, '') AS sum FROM "${environmentSchema(schema, 'prod')}"."${table}" AS t`,
    )
    sums[model] = String(rows[0]?.sum)
  }
  return sums
}

async function userLoop(workbench: Workbench, index: number, until: number, tally: Tally): Promise<void> {
  const environment = `dev_soak${index}`
  const headers = {
    authorization: `Bearer ${workbench.token}`,
    origin: workbench.baseUrl,
    cookie: `materia_env=${environment}`,
  }
  const call = async (path: string, init: RequestInit = {}): Promise<Response | null> => {
    tally.requests += 1
    try {
      const reply = await fetch(`${workbench.baseUrl}${path}`, {
        ...init,
        headers: { ...headers, ...(init.headers ?? {}) },
        signal: AbortSignal.timeout(120_000),
      })
      const body = await reply.text()
      if (reply.ok) return new Response(body, { status: reply.status, headers: reply.headers })
      if (/already running/.test(body)) tally.busy += 1
      else tally.errors.push(`${init.method ?? 'GET'} ${path} ${reply.status}: ${body.slice(0, 200)}`)
      return null
    } catch (error) {
      tally.errors.push(`${init.method ?? 'GET'} ${path}: ${(error as Error).message}`)
      return null
    }
  }
  const form = (values: Record<string, string>): RequestInit => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(values).toString(),
  })
  for (let round = 0; Date.now() < until; round += 1) {
    const runId = `soak-${index}-${round}`
    const sql = `SELECT country_name, market_year, production FROM serving.obt_commodity_metrics WHERE market_year >= ${2000 + (round % 20)} ORDER BY production DESC`
    const run = await call('/query/run', form({ sql, runId }))
    const id = run === null ? undefined : /data-result-id="([^"]+)"/.exec(await run.text())?.[1]
    if (id !== undefined) {
      await call(`/api/query/${id}/page?page=0`)
      await call(`/api/query/${id}/page?page=1&sort=production`)
    }
    await call('/plan')
    if (round % 10 === index % 10) {
      const applied = await call('/plan/apply', form({ environment }))
      if (applied !== null) tally.applies += 1
    }
    await call('/dashboard-preview?page=soak.md')
  }
}

async function main(): Promise<void> {
  const parent = mkdtempSync(join(tmpdir(), 'materia-soak-'))
  const fixture = createFixtureProject()
  const root = join(parent, 'sql')
  cpSync(fixture.root, root, { recursive: true })
  fixture.remove()
  // The models name their CSV by absolute path: point them at the copy.
  for (const [path, text] of fixtureModels(join(root, 'data', 'psd_coffee.csv')))
    writeFileSync(join(root, path), text)
  mkdirSync(join(parent, 'dashboards', 'pages'), { recursive: true })
  writeFileSync(join(parent, 'dashboards', 'pages', 'soak.md'), dashboardPage)
  await buildEnvironment(root, 'prod')
  const rendererDir = ensureRendererBuilt()
  const workbench = await startWorkbench({ projectRoot: root, rendererDir, env: { USER: 'soak' } })
  const tally: Tally = { requests: 0, errors: [], busy: 0, applies: 0, runs: 0 }
  const rss = { startMb: megabytes(process.memoryUsage().rss), warmMb: 0, peakMb: 0, endMb: 0 }
  const timeline: Sample[] = []
  const sampler = setInterval(() => {
    rss.peakMb = Math.max(rss.peakMb, megabytes(process.memoryUsage().rss))
  }, 1000)
  const scheduler = setInterval(() => {
    const project = workbench.context.project
    if (project === null) return
    const runProd = async () => {
      const plan = await buildRunPlan(workbench.context.db, project, { environment: 'prod', now: new Date() })
      if (!plan.empty) await applyPlan(workbench.context.db, project, plan)
      tally.runs += 1
    }
    runProd().catch((error: Error) => tally.errors.push(`run prod: ${error.message}`))
  }, 60_000)
  let timelineTimer: NodeJS.Timeout | undefined
  try {
    const before = await prodChecksums(workbench)
    const startedMs = Date.now()
    const until = startedMs + minutes * 60_000
    const record = () =>
      sample(workbench, startedMs, tally.requests)
        .then((point) => {
          timeline.push(point)
          if (point.seconds <= warmupMinutes * 60) rss.warmMb = point.rssMb
        })
        .catch((error: Error) => tally.errors.push(`sample: ${error.message}`))
    await record()
    timelineTimer = setInterval(record, sampleSeconds * 1000)
    await Promise.all(Array.from({ length: users }, (_, index) => userLoop(workbench, index, until, tally)))
    clearInterval(scheduler)
    clearInterval(timelineTimer)
    await record()
    const after = await prodChecksums(workbench)
    rss.endMb = timeline.at(-1)?.rssMb ?? megabytes(process.memoryUsage().rss)
    rss.peakMb = Math.max(rss.peakMb, rss.endMb)
    const rssFlat = rss.warmMb > 0 && rss.endMb <= rss.warmMb * rssGrowthMax
    const prodUnchanged = JSON.stringify(before) === JSON.stringify(after)
    const passed = tally.errors.length === 0 && rssFlat && prodUnchanged
    const figures = {
      passed,
      users,
      minutes,
      requests: tally.requests,
      requestsPerSecond: Math.round(tally.requests / ((Date.now() - startedMs) / 1000)),
      errors: tally.errors.length,
      firstErrors: tally.errors.slice(0, 5),
      appliesRefusedBusy: tally.busy,
      applies: tally.applies,
      prodRuns: tally.runs,
      rssMb: rss,
      rssFlat,
      rssGrowthMax,
      warmupMinutes,
      gcForced: typeof (globalThis as { gc?: unknown }).gc === 'function',
      prodUnchanged,
      prodChecksums: after,
      loadavg: readFileSync('/proc/loadavg', 'utf8').trim(),
      timeline,
    }
    process.stdout.write(`${JSON.stringify(figures)}\n`)
    process.exitCode = passed ? 0 : 1
  } finally {
    clearInterval(sampler)
    clearInterval(scheduler)
    clearInterval(timelineTimer)
    await workbench.close()
    rmSync(parent, { recursive: true, force: true })
  }
}

await main()
