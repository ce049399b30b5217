// The main job (`materia start`, `npm start`): what a fresh clone runs. It lands the bundled genuine
// USDA coffee snapshot when the landing holds no snapshot yet (offline), plans and applies the
// transform project to the local prod environment (audits included), and prints the home report.
// Rerunning it is cheap: the snapshot is already landed and the plan is empty, so only the report
// queries run.
import { existsSync, mkdirSync, readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import {
  type ApplyEvent,
  applyPlan,
  auditOptionsForApply,
  buildPlan,
  type Database,
  databasePath,
  loadProject,
  openDatabase,
  type Project,
} from './engine/index.ts'
import { landBundledSnapshot } from './extract/psd/land.ts'
import { coffeeCommodityCode, formatHomeReport, readHomeReport } from './report/home-report.ts'

export interface MainJobOptions {
  readonly projectRoot: string
  readonly stdout: NodeJS.WritableStream
  readonly env: NodeJS.ProcessEnv
  readonly now?: Date // the clock the plan computes intervals against (tests pin it)
}

export interface MainJobResult {
  readonly landed: boolean // the bundled snapshot was landed by this run
  readonly modelsBuilt: number
  readonly rowsWritten: number
  readonly auditWarnings: number // non-blocking audits that found rows
}

const environment = 'prod'

// True when any <landing>/psd/{dataset}/{YYYY}/{MM}/*.csv.gz exists. The walk is four levels deep
// and stops at the first snapshot found.
export function landingHasSnapshot(landingDir: string): boolean {
  const psd = join(landingDir, 'psd')
  if (!existsSync(psd)) return false
  const directories = (path: string) =>
    readdirSync(path, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(path, entry.name))
  for (const dataset of directories(psd)) {
    for (const year of directories(dataset)) {
      for (const month of directories(year)) {
        if (readdirSync(month).some((name) => name.endsWith('.csv.gz'))) return true
      }
    }
  }
  return false
}

// A non-blocking audit that found rows, as text for the job's output (its first line names the audit
// and model; the bad rows follow when the audit hook gave them); null for any other event.
export function auditWarning(event: ApplyEvent): string | null {
  if (event.kind !== 'audit' || event.outcome.passed || event.outcome.blocking) return null
  const message: unknown = Reflect.get(event.outcome, 'message')
  const rows = typeof message === 'string' ? `: ${message}` : ''
  return `non-blocking audit ${event.outcome.audit} found rows in ${event.model}${rows}`
}

// The local state folder (.materia/) does not exist on a fresh clone; DuckDB creates no folders.
function preparedDatabasePath(project: Project): string {
  const path = databasePath(project.config)
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true })
  return path
}

async function applyProd(
  db: Database,
  project: Project,
  options: MainJobOptions,
): Promise<Omit<MainJobResult, 'landed'>> {
  const plan = await buildPlan(db, project, { environment, ...(options.now ? { now: options.now } : {}) })
  if (plan.empty) return { modelsBuilt: 0, rowsWritten: 0, auditWarnings: 0 }
  let auditWarnings = 0
  const onEvent = (event: ApplyEvent) => {
    if (event.kind === 'model_done') {
      const seconds = (event.elapsedMs / 1000).toFixed(1)
      options.stdout.write(`  built ${event.model}: ${event.rows} rows in ${seconds} s\n`)
    }
    const warning = auditWarning(event)
    if (warning !== null) {
      auditWarnings += 1
      options.stdout.write(`  warning: ${warning.split('\n')[0]}\n`)
    }
  }
  // Audits run inside each build's transaction: a failing blocking audit stops the apply before any
  // prod view moves.
  const result = await applyPlan(db, project, plan, { onEvent, ...auditOptionsForApply(project) })
  return { modelsBuilt: result.modelsBuilt, rowsWritten: result.rowsWritten, auditWarnings }
}

export async function runMainJob(options: MainJobOptions): Promise<MainJobResult> {
  const project = await loadProject(options.projectRoot, { env: options.env })
  const landingDir = project.config.landingDir
  let landed = false
  if (!landingHasSnapshot(landingDir)) {
    const result = await landBundledSnapshot(landingDir)
    landed = result.status === 'landed'
    options.stdout.write(`Landed the bundled USDA PSD coffee snapshot (2022-12): ${result.rows} rows\n`)
  }
  const db = await openDatabase(preparedDatabasePath(project))
  try {
    const applied = await applyProd(db, project, options)
    if (applied.modelsBuilt > 0) {
      options.stdout.write(
        `Applied ${project.config.name} to ${environment}: ${applied.modelsBuilt} models built, ${applied.rowsWritten} rows\n`,
      )
    }
    options.stdout.write('\n')
    const report = await readHomeReport(db.connection, {
      environment,
      commodityCode: coffeeCommodityCode,
      producersMax: 10,
      yearsMax: 3,
    })
    options.stdout.write(formatHomeReport(report))
    return { landed, ...applied }
  } finally {
    db.close()
  }
}
