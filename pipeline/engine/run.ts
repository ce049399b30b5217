// `materia run`: evaluate what is due in an environment as it stands (no model changes): the
// missing complete intervals of incremental models, FULL models whose cron interval has passed,
// new rows of unique-key models. It reads versions from state, not fingerprints, so a scheduled run
// over an unchanged project costs one state read. A model whose file changed since the last plan
// is skipped with a warning: changes go through `materia plan`.
import { randomUUID } from 'node:crypto'
import { environmentTtlMs } from '../limits.ts'
import type { Database } from './database.ts'
import { addUnits, intervalUnit } from './interval.ts'
import { validateEnvironmentName } from './plan.ts'
import { ownHash } from './plan-compare.ts'
import { type StepContext, stepsFor, wantedRange } from './plan-step.ts'
import type { Plan, PlanModel, PlanStep } from './plan-types.ts'
import type { Project } from './project.ts'
import { missingEnvironment, physicalTable, readState, snapshotKey } from './state.ts'

export interface RunOptions {
  readonly environment: string
  readonly now?: Date
  // Re-evaluate FULL and unique-key models even when no new complete interval is due.
  readonly ignoreCron?: boolean
}

export async function buildRunPlan(db: Database, project: Project, options: RunOptions): Promise<Plan> {
  validateEnvironmentName(options.environment)
  const nowMs = (options.now ?? new Date()).getTime()
  const state = await readState(db)
  const environment = state.environments.get(options.environment)
  if (environment === undefined) throw missingEnvironment(state, options.environment, 'plan')
  const context: StepContext = {
    project,
    state,
    options: { environment: options.environment },
    nowMs,
    isProd: options.environment === 'prod',
  }
  const warnings: string[] = []
  const models: PlanModel[] = []
  const steps: PlanStep[] = []
  for (const name of project.order) {
    const row = environment.models.get(name)
    if (row === undefined) continue
    const snapshot = state.snapshots.get(snapshotKey(name, row.version))
    if (snapshot === undefined) continue
    if (snapshot.ownHash !== ownHash(project, name)) {
      warnings.push(`${name} changed since the last plan; skipped (run materia plan ${options.environment})`)
      continue
    }
    const entry: PlanModel = {
      name,
      change: 'unchanged',
      category: null,
      note: null,
      previousVersion: row.version,
      version: row.version,
      dataHash: row.dataHash,
      metadataHash: row.metadataHash,
      reusedFrom: null,
    }
    models.push(entry)
    const due = stepsFor(context, entry, false, null)
    const model = project.models.get(name)
    const wanted = model === undefined ? null : wantedRange(project, model, nowMs)
    if (options.ignoreCron === true && due.length === 0 && model !== undefined && wanted !== null) {
      const table = physicalTable(name, row.version)
      const base = { model: name, version: row.version, table }
      if (model.kind.name === 'FULL')
        due.push({ kind: 'create_table', ...base, replace: true, interval: wanted })
      const merges = model.kind.name !== 'INCREMENTAL_BY_TIME_RANGE' && model.kind.name !== 'FULL'
      const built = !['VIEW', 'EMBEDDED', 'SEED'].includes(model.kind.name)
      if (merges && built) {
        const unit = intervalUnit(model.cron)
        due.push({
          kind: 'merge_by_key',
          ...base,
          interval: [Math.max(wanted[0], addUnits(wanted[1], unit, -1)), wanted[1]],
        })
      }
    }
    steps.push(...due)
  }
  return {
    id: randomUUID(),
    environment: options.environment,
    previousPlanId: environment.planId,
    createdAtMs: Date.now(),
    nowMs,
    models,
    removed: [],
    steps,
    environmentModels: [...environment.models.values()].map((row) => ({ ...row })),
    expiresAtMs: options.environment === 'prod' ? null : nowMs + environmentTtlMs,
    // A run keeps the environment as it is; a landing change is plan's to show and record.
    landingDir: environment.landingDir ?? project.config.landingDir,
    previousLandingDir: environment.landingDir,
    landingChanged: false,
    repairs: [],
    warnings,
    environmentChanged: false,
    empty: steps.length === 0,
  }
}
