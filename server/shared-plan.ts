// The plan that read-only views of an environment share. Opening a page asks for the same plan
// twice at once (the navbar's "changed since last apply" badge, and on the DAG page the nodes'
// states); on a 1,000-model project each plan holds the server for a second or more, so concurrent
// asks for one environment's plan of one loaded project wait for a single buildPlan. A save loads a
// new project and an ended apply counts in the key, so no ask joins a plan begun before either.
// Nothing is kept once it is answered: the next ask plans afresh.
import { buildPlan, type Plan, type Project } from '../pipeline/engine/index.ts'
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
