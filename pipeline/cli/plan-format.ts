// The plan as a person reads it, before anything runs.
import { formatInterval, type Plan, type PlanModel } from '../engine/index.ts'

function line(model: PlanModel): string {
  const category = model.category === null ? '' : ` [${model.category}]`
  const note = model.note === null ? '' : `: ${model.note}`
  const reuse =
    model.reusedFrom === null ? '' : ` (reuses version ${model.version} built for ${model.reusedFrom})`
  const added =
    model.addedColumns === undefined || model.addedColumns.length === 0
      ? ''
      : `; adds ${model.addedColumns.join(', ')}`
  return `  ${model.name}${category}${note}${added}${reuse}`
}

export function formatPlan(plan: Plan): string {
  const out: string[] = [`plan for environment ${plan.environment}`]
  if (plan.empty) return `${out[0]}: no changes, nothing to do\n`
  const groups: [string, PlanModel[]][] = [
    ['added', plan.models.filter((model) => model.change === 'added')],
    ['directly modified', plan.models.filter((model) => model.change === 'directly_modified')],
    ['indirectly modified', plan.models.filter((model) => model.change === 'indirectly_modified')],
    ['metadata only', plan.models.filter((model) => model.change === 'metadata')],
    ['restated', plan.models.filter((model) => model.change === 'restated')],
  ]
  for (const [title, models] of groups) {
    if (models.length === 0) continue
    out.push(`${title} (${models.length}):`, ...models.map(line))
  }
  if (plan.removed.length > 0)
    out.push(`removed (${plan.removed.length}):`, ...plan.removed.map((name) => `  ${name}`))
  const builds = plan.steps.filter((step) => step.kind !== 'swap_view' && step.kind !== 'drop_view')
  if (builds.length > 0) {
    out.push(`tables to build (${builds.length}):`)
    for (const step of builds) {
      switch (step.kind) {
        case 'create_table':
          out.push(
            `  ${step.table}: ${step.replace ? 'rebuild' : 'create'}${step.repair === true ? ' (repair)' : ''}`,
          )
          break
        case 'backfill': {
          const first = step.batches[0]
          const last = step.batches.at(-1)
          const range =
            first === undefined || last === undefined ? '' : ` ${formatInterval([first[0], last[1]])}`
          out.push(
            `  ${step.table}: ${step.create ? 'create, ' : ''}${step.batches.length} batch(es)${range}`,
          )
          break
        }
        case 'merge_by_key':
          out.push(`  ${step.table}: merge new rows by key ${formatInterval(step.interval)}`)
          break
        case 'clone_table':
          out.push(`  ${step.table}: copy of version ${step.sourceVersion} (shared with another environment)`)
          break
        default: {
          const never: never = step
          throw new Error(`unknown step ${JSON.stringify(never)}`)
        }
      }
    }
  } else {
    out.push('tables to build: none (existing versions are reused, nothing is recomputed)')
  }
  const views = plan.steps.filter((step) => step.kind === 'swap_view' || step.kind === 'drop_view').length
  out.push(
    `views to switch in ${plan.environment}: ${views} (in one transaction, after every build succeeds)`,
  )
  for (const repair of plan.repairs) out.push(`repair: ${repair}`)
  for (const warning of plan.warnings) {
    if (!warning.startsWith('repair: ')) out.push(`warning: ${warning}`)
  }
  return `${out.join('\n')}\n`
}
