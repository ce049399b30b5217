// The build steps one model needs in an environment: create, clone, backfill or merge, from the
// intervals it should hold now and the intervals its table already holds. buildPlan and buildRunPlan
// both ask here.
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { batchesMax } from '../limits.ts'
import {
  addUnits,
  batchIntervals,
  floorTime,
  type Interval,
  intervalUnit,
  subtractIntervals,
} from './interval.ts'
import type { Model } from './model.ts'
import type { PlanOptions } from './plan.ts'
import type { PlanModel, PlanStep } from './plan-types.ts'
import type { Project } from './project.ts'
import { physicalTable, type State, snapshotKey } from './state.ts'

function modelOf(project: Project, name: string): Model {
  const model = project.models.get(name)
  assert(model !== undefined, `model ${name} is in the project`)
  return model
}

// The interval range a model should hold now: from its start to the end of the last complete interval.
export function wantedRange(project: Project, model: Model, nowMs: number): Interval | null {
  const unit = intervalUnit(model.cron)
  const startText = model.start ?? project.config.modelDefaults.start
  const startMs = Date.parse(`${startText.slice(0, 10)}T00:00:00Z`)
  if (Number.isNaN(startMs))
    throw new MateriaError('model', `${model.path}: start "${startText}" is not a date`)
  if (nowMs < startMs) {
    throw new MateriaError(
      'plan',
      `${model.path}: model ${model.name} starts ${startText}, after the clock (${new Date(nowMs).toISOString()}); fix its start or the system clock`,
    )
  }
  const endMs = floorTime(nowMs, unit)
  const first = floorTime(startMs, unit)
  return endMs > first ? [first, endMs] : null
}

function clampRange(range: Interval, start: Date | undefined, end: Date | undefined): Interval | null {
  const startMs = Math.max(range[0], start?.getTime() ?? range[0])
  const endMs = Math.min(range[1], end?.getTime() ?? range[1])
  return startMs < endMs ? [startMs, endMs] : null
}

export interface StepContext {
  readonly project: Project
  readonly state: State
  readonly options: PlanOptions
  readonly nowMs: number
  readonly isProd: boolean
}

// The build steps one model needs in the target environment.
export function stepsFor(
  context: StepContext,
  entry: PlanModel,
  restated: boolean,
  sourceVersion: string | null,
): PlanStep[] {
  const { project, state, options, nowMs } = context
  const model = modelOf(project, entry.name)
  const key = snapshotKey(entry.name, entry.version)
  const built = state.snapshots.has(key)
  const table = physicalTable(entry.name, entry.version)
  const base = { model: entry.name, version: entry.version, table }
  const steps: PlanStep[] = []
  if (
    !built &&
    sourceVersion !== null &&
    model.kind.name !== 'FULL' &&
    model.kind.name !== 'VIEW' &&
    model.kind.name !== 'EMBEDDED' &&
    model.kind.name !== 'SEED'
  ) {
    steps.push({ kind: 'clone_table', ...base, sourceVersion })
  }
  const cloned = steps.length > 0
  const kind = model.kind
  if (kind.name === 'VIEW' || kind.name === 'EMBEDDED' || kind.name === 'SEED') {
    if (!built) steps.push({ kind: 'create_table', ...base, replace: false, interval: [nowMs, nowMs] })
    return steps
  }
  const wanted = wantedRange(project, model, nowMs)
  if (wanted === null) {
    if (!built && !cloned)
      steps.push({ kind: 'create_table', ...base, replace: false, interval: [nowMs, nowMs] })
    return steps
  }
  const have =
    state.intervals.get(key) ??
    (cloned ? (state.intervals.get(snapshotKey(entry.name, sourceVersion ?? '')) ?? []) : [])
  const haveEnd = have.at(-1)?.[1] ?? Number.NEGATIVE_INFINITY
  if (kind.name === 'FULL') {
    if (!built || restated || haveEnd < wanted[1])
      steps.push({ kind: 'create_table', ...base, replace: built, interval: wanted })
    return steps
  }
  // Every kind that merges a run's output into what earlier runs wrote: by key, by partition,
  // appended, or as SCD type 2 history. Its first build (or a restatement) builds from scratch.
  if (kind.name !== 'INCREMENTAL_BY_TIME_RANGE') {
    if (!built && !cloned) steps.push({ kind: 'create_table', ...base, replace: false, interval: wanted })
    else if (restated) steps.push({ kind: 'create_table', ...base, replace: true, interval: wanted })
    else if (haveEnd < wanted[1]) {
      steps.push({ kind: 'merge_by_key', ...base, interval: [Math.max(haveEnd, wanted[0]), wanted[1]] })
    }
    return steps
  }
  assert(kind.name === 'INCREMENTAL_BY_TIME_RANGE', `kind ${kind.name} handled`)
  const unit = intervalUnit(model.cron)
  const limited = context.isProd ? wanted : clampRange(wanted, options.start, options.end)
  let ranges: Interval[] = []
  if (limited !== null) {
    const missing = subtractIntervals([limited], have)
    // lookback: re-evaluate the intervals before each missing range, late data lands there.
    ranges = missing.map(
      ([start, end]) => [Math.max(wanted[0], addUnits(start, unit, -kind.lookback)), end] as const,
    )
  }
  if (restated) {
    const restateRange = clampRange(wanted, options.start, options.end)
    if (restateRange !== null) ranges.push(restateRange)
  }
  const batches = batchIntervals(ranges, unit, kind.batchSize, batchesMax)
  if (!built && !cloned) steps.push({ kind: 'backfill', ...base, create: true, batches })
  else if (batches.length > 0) steps.push({ kind: 'backfill', ...base, create: false, batches })
  return steps
}
