// The plan that read-only views of an environment share: the navbar's "changed since last apply"
// badge and the DAG page's node states. Both read only which models the plan adds, changes or
// removes, which depends on the loaded project and the environment's state, not on the clock.
//
// Plans are kept per loaded project and environment, as promises, under a stamp of the
// environment's state: its plan id, update time and expiry as the engine lists environments (any
// apply, however started, and the environment's expiry move them) and how many workbench applies
// had ended when the ask began. Asks at once share one buildPlan (opening a page asks twice; on a
// 1,000-model project a plan takes the server a few hundred ms), a later ask with the same stamp
// gets the same answer, and no ask gets a plan begun before an apply ended. Asks read the state
// concurrently and resume in any order, so an ask begun before an apply ended may resume after one
// begun later: each stamp keeps its own plan (the last few stamps of an environment), and neither
// ask replaces the other's. A save loads a new project, which starts afresh; a plan that fails is
// not kept.
import { buildPlan, listEnvironments, type Plan, type Project } from '../pipeline/engine/index.ts'
import type { WorkbenchContext } from './context.ts'

// Stamps kept per environment: the current one and those of asks still in flight around a change.
const stampsKept = 3

const kept = new WeakMap<Project, Map<string, Map<string, Promise<Plan>>>>()

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
  const environments = kept.get(project) ?? new Map<string, Map<string, Promise<Plan>>>()
  kept.set(project, environments)
  const plans = environments.get(environment) ?? new Map<string, Promise<Plan>>()
  environments.set(environment, plans)
  const current = plans.get(stamp)
  if (current !== undefined) return current
  const plan = buildPlan(context.db, project, { environment })
  plans.set(stamp, plan)
  for (const old of plans.keys()) if (plans.size > stampsKept) plans.delete(old)
  plan.catch(() => {
    if (plans.get(stamp) === plan) plans.delete(stamp)
  })
  return plan
}
