// The plan that read-only views of an environment share: the navbar's "changed since last apply"
// badge and the DAG page's node states. Both read only which models the plan adds, changes or
// removes, which depends on the loaded project and the environment's state, not on the clock.
//
// One plan per loaded project and environment is kept, as a promise, under a stamp of the
// environment's state: its plan id, update time and expiry as the engine lists environments (any
// apply, however started, and the environment's expiry move them) and how many workbench applies
// had ended when the ask began. Asks at once share one buildPlan (opening a page asks twice; on a
// 1,000-model project a plan takes the server a few hundred ms), a later ask with the same stamp
// gets the same answer, and no ask gets a plan begun before an apply ended. A save loads a new
// project, which starts afresh; a plan that fails is not kept.
import { buildPlan, listEnvironments, type Plan, type Project } from '../pipeline/engine/index.ts'
import type { WorkbenchContext } from './context.ts'

const kept = new WeakMap<Project, Map<string, { stamp: string; plan: Promise<Plan> }>>()

export async function changesPlan(
  context: WorkbenchContext,
  project: Project,
  environment: string,
): Promise<Plan> {
  // Counted when the ask begins: an apply that ends while the state is read still counts.
  const applies = context.applyJobs.finishedCount
  const found = (await listEnvironments(context.db)).find((entry) => entry.name === environment)
  const state =
    found === undefined ? 'none' : `${found.planId} ${found.updatedAt} ${found.expiresAt ?? 'never'}`
  const stamp = `${state} after ${applies} applies`
  const plans = kept.get(project) ?? new Map<string, { stamp: string; plan: Promise<Plan> }>()
  kept.set(project, plans)
  const current = plans.get(environment)
  if (current !== undefined && current.stamp === stamp) return current.plan
  const plan = buildPlan(context.db, project, { environment })
  plans.set(environment, { stamp, plan })
  plan.catch(() => {
    if (plans.get(environment)?.plan === plan) plans.delete(environment)
  })
  return plan
}
