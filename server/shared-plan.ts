// The plan that read-only views of an environment share. Opening a page asks for the same plan
// twice at once (the navbar's "changed since last apply" badge, and on the DAG page the nodes'
// states); on a 1,000-model project each plan holds the server for a second or more, so concurrent
// asks for one environment's plan of one loaded project wait for a single buildPlan. Nothing is
// kept once it is answered: the next ask plans afresh and sees every save and apply.
import { buildPlan, type Plan, type Project } from '../pipeline/engine/index.ts'
import type { WorkbenchContext } from './context.ts'

const inFlight = new WeakMap<Project, Map<string, Promise<Plan>>>()

export function sharedPlan(context: WorkbenchContext, project: Project, environment: string): Promise<Plan> {
  const plans = inFlight.get(project) ?? new Map<string, Promise<Plan>>()
  inFlight.set(project, plans)
  const pending = plans.get(environment)
  if (pending !== undefined) return pending
  const plan = buildPlan(context.db, project, { environment })
  plans.set(environment, plan)
  const forget = () => {
    if (plans.get(environment) === plan) plans.delete(environment)
  }
  plan.then(forget, forget)
  return plan
}
