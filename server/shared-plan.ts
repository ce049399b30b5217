// The plan that read-only views of an environment share: the navbar's "changed since last apply"
// badge and the DAG page's node states. Both read only which models the plan adds, changes or
// removes, which depends on the loaded project and the environment's state, not on the clock.
//
// sharedPlan: concurrent asks for one environment's plan of one loaded project wait for a single
// buildPlan (on a 1,000-model project each plan takes the server a few hundred ms, and opening a
// page asks twice at once). An ended apply counts in the key, so no ask joins a plan begun before it.
//
// changesPlan: the last answered plan is kept per loaded project and environment, and answers
// again while the environment's state is the one it was built on (same plan id and update time, as
// the engine lists environments: any apply, however started, or the environment's expiry moves
// them). Opening the DAG page after the home page then costs the server no second plan. A save
// loads a new project, which starts afresh.
import { buildPlan, listEnvironments, type Plan, type Project } from '../pipeline/engine/index.ts'
import type { WorkbenchContext } from './context.ts'

const inFlight = new WeakMap<Project, Map<string, Promise<Plan>>>()

export function sharedPlan(context: WorkbenchContext, project: Project, environment: string): Promise<Plan> {
  const plans = inFlight.get(project) ?? new Map<string, Promise<Plan>>()
  inFlight.set(project, plans)
  const key = `${environment} after ${context.applyJobs.finishedCount} applies`
  const pending = plans.get(key)
  if (pending !== undefined) return pending
  const plan = buildPlan(context.db, project, { environment })
  plans.set(key, plan)
  const forget = () => {
    if (plans.get(key) === plan) plans.delete(key)
  }
  plan.then(forget, forget)
  return plan
}

const answered = new WeakMap<Project, Map<string, { stamp: string; plan: Plan }>>()

async function environmentStamp(context: WorkbenchContext, environment: string): Promise<string> {
  const found = (await listEnvironments(context.db)).find((entry) => entry.name === environment)
  const state =
    found === undefined ? 'none' : `${found.planId} ${found.updatedAt} ${found.expiresAt ?? 'never'}`
  return `${state} after ${context.applyJobs.finishedCount} applies`
}

export async function changesPlan(
  context: WorkbenchContext,
  project: Project,
  environment: string,
): Promise<Plan> {
  const plans = answered.get(project) ?? new Map<string, { stamp: string; plan: Plan }>()
  answered.set(project, plans)
  // Read before planning: a plan that waited for an apply is kept under the older stamp, so the
  // next ask plans once more rather than trusting it.
  const stamp = await environmentStamp(context, environment)
  const kept = plans.get(environment)
  if (kept !== undefined && kept.stamp === stamp) return kept.plan
  const plan = await sharedPlan(context, project, environment)
  plans.set(environment, { stamp, plan })
  return plan
}
