// A new development environment starts as a copy of another environment's views (normally prod):
// the plan's steps are view swaps only, each pointing at the physical table the source already
// shows, so creating it reads and writes no data. This is SQLMesh's "virtual update": an unchanged
// model in a dev environment points at prod's table, and changes made later are planned against
// that copy. The plan goes through applyPlan like any other, so only plan/apply changes views.
import { randomUUID } from 'node:crypto'
import { MateriaError } from '../errors.ts'
import { environmentTtlMs } from '../limits.ts'
import type { Database } from './database.ts'
import { validateEnvironmentName } from './plan.ts'
import type { Plan, PlanEnvironmentModel, PlanModel, PlanStep } from './plan-types.ts'
import type { Project } from './project.ts'
import { missingEnvironment, physicalTable, readState } from './state.ts'

export interface EnvironmentCopyOptions {
  readonly source: string // usually prod
  readonly target: string // a new environment
  readonly now?: Date
}

// The plan that creates `target` showing the same tables as `source`, for the models the project
// still has. Throws when the target exists (plan it instead) or the source does not.
export async function planEnvironmentCopy(
  db: Database,
  project: Project,
  options: EnvironmentCopyOptions,
): Promise<Plan> {
  validateEnvironmentName(options.source)
  validateEnvironmentName(options.target)
  if (options.target === 'prod') {
    throw new MateriaError('usage', 'prod is never created as a copy; plan it with materia plan prod')
  }
  const state = await readState(db)
  const source = state.environments.get(options.source)
  if (source === undefined) throw missingEnvironment(state, options.source, 'usage')
  const nowMs = (options.now ?? new Date()).getTime()
  // A dropped environment waits for the janitor with its expiry in the past: it may be created again.
  const previous = state.environments.get(options.target)
  const expired = previous?.expiresAtMs !== null && previous !== undefined && previous.expiresAtMs <= nowMs
  if (previous !== undefined && !expired) {
    throw new MateriaError(
      'usage',
      `environment ${options.target} already exists; plan it with materia plan ${options.target}`,
    )
  }
  const models: PlanModel[] = []
  const environmentModels: PlanEnvironmentModel[] = []
  const steps: PlanStep[] = []
  for (const name of project.order) {
    const row = source.models.get(name)
    if (row === undefined) continue
    models.push({
      name,
      change: 'unchanged',
      category: null,
      note: null,
      previousVersion: null,
      version: row.version,
      dataHash: row.dataHash,
      metadataHash: row.metadataHash,
      reusedFrom: options.source,
    })
    environmentModels.push(row)
    steps.push({
      kind: 'swap_view',
      model: name,
      version: row.version,
      table: physicalTable(name, row.version),
    })
  }
  return {
    id: randomUUID(),
    environment: options.target,
    previousPlanId: previous?.planId ?? null,
    createdAtMs: Date.now(),
    nowMs,
    models,
    removed: [],
    steps,
    environmentModels,
    expiresAtMs: nowMs + environmentTtlMs,
    // Views of VIEW models read the landing folder at query time: the project's, as a plan records.
    landingDir: project.config.landingDir,
    previousLandingDir: previous?.landingDir ?? null,
    landingChanged: false,
    repairs: [],
    warnings: [],
    environmentChanged: true,
    empty: false,
  }
}
