// transform: plan and apply the project to an environment of one DuckDB file, with the engine's
// own planner and applier (the same path `materia plan/apply` takes), logging each model built.
import { applyPlan, buildPlan, loadProject, openDatabase } from '../engine/index.ts'

export interface TransformInput {
  readonly projectRoot: string
  readonly databasePath: string
  readonly environment: string
  readonly env: NodeJS.ProcessEnv // MATERIA_LANDING points at the landing folder to read
  readonly log: (line: string) => void
  readonly signal?: AbortSignal
}

export async function transformProject(input: TransformInput): Promise<void> {
  const project = await loadProject(input.projectRoot, { env: input.env })
  const db = await openDatabase(input.databasePath)
  try {
    const plan = await buildPlan(db, project, { environment: input.environment })
    input.log(`transform: plan ${plan.id} for ${input.environment}: ${plan.steps.length} steps`)
    for (const warning of plan.warnings) input.log(`transform: warning: ${warning}`)
    const result = await applyPlan(db, project, plan, {
      signal: input.signal,
      onEvent: (event) => {
        if (event.kind === 'model_done')
          input.log(`transform: ${event.model} ${event.rows} rows (${event.elapsedMs} ms)`)
        if (event.kind === 'views_swapped')
          input.log(`transform: ${event.views} views of ${event.environment} swapped`)
      },
    })
    input.log(`transform: ${result.modelsBuilt} models built, ${result.rowsWritten} rows written`)
  } finally {
    db.close()
  }
}
