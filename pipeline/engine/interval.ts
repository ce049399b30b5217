// Time intervals of incremental models: half-open [startMs, endMs) in UTC milliseconds. A model's
// cron fixes the interval unit (@hourly, @daily, @weekly, @monthly); an interval is complete once
// its end is in the past. State keeps them merged into disjoint ranges, so its size follows the
// number of gaps, never the number of evaluations.
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'

export type Interval = readonly [startMs: number, endMs: number]
type IntervalUnit = 'hour' | 'day' | 'week' | 'month' | 'year'

const hourMs = 3_600_000
const dayMs = 86_400_000

export function intervalUnit(cron: string): IntervalUnit {
  const alias = cron.trim().toLowerCase()
  if (alias === '@hourly') return 'hour'
  if (alias === '@daily' || alias === '@midnight') return 'day'
  if (alias === '@weekly') return 'week'
  if (alias === '@monthly') return 'month'
  if (alias === '@yearly' || alias === '@annually') return 'year'
  const fields = alias.split(/\s+/)
  if (fields.length !== 5) {
    throw new MateriaError('model', `cron "${cron}" is neither an @alias (@hourly, @daily, ...) nor 5 fields`)
  }
  // The unit is how often the cron fires at most (SQLMesh derives interval_unit from it the same way).
  const [minute, hour, dayOfMonth, month, dayOfWeek] = fields
  if (minute === '*' || minute?.includes('/') || minute?.includes(',') || minute?.includes('-')) return 'hour'
  if (hour === '*' || hour?.includes('/') || hour?.includes(',') || hour?.includes('-')) return 'hour'
  if (dayOfWeek !== '*') return 'week'
  if (dayOfMonth !== '*' && /^\d+$/.test(month ?? '')) return 'year'
  if (dayOfMonth !== '*') return 'month'
  return 'day'
}

export function floorTime(ms: number, unit: IntervalUnit): number {
  switch (unit) {
    case 'hour':
      return Math.floor(ms / hourMs) * hourMs
    case 'day':
      return Math.floor(ms / dayMs) * dayMs
    case 'week': {
      const day = Math.floor(ms / dayMs) * dayMs
      const weekday = (new Date(day).getUTCDay() + 6) % 7 // Monday = 0 (ISO weeks)
      return day - weekday * dayMs
    }
    case 'month': {
      const date = new Date(ms)
      return Date.UTC(date.getUTCFullYear(), date.getUTCMonth(), 1)
    }
    case 'year':
      return Date.UTC(new Date(ms).getUTCFullYear(), 0, 1)
    default: {
      const never: never = unit
      throw new Error(`unknown unit ${String(never)}`)
    }
  }
}

export function addUnits(ms: number, unit: IntervalUnit, count: number): number {
  switch (unit) {
    case 'hour':
      return ms + count * hourMs
    case 'day':
      return ms + count * dayMs
    case 'week':
      return ms + count * 7 * dayMs
    case 'month': {
      const date = new Date(ms)
      return Date.UTC(
        date.getUTCFullYear(),
        date.getUTCMonth() + count,
        date.getUTCDate(),
        date.getUTCHours(),
      )
    }
    case 'year': {
      const date = new Date(ms)
      return Date.UTC(
        date.getUTCFullYear() + count,
        date.getUTCMonth(),
        date.getUTCDate(),
        date.getUTCHours(),
      )
    }
    default: {
      const never: never = unit
      throw new Error(`unknown unit ${String(never)}`)
    }
  }
}

// Sorted, disjoint, adjacent ranges joined.
export function mergeIntervals(intervals: readonly Interval[]): Interval[] {
  const sorted = [...intervals].sort((a, b) => a[0] - b[0])
  const result: [number, number][] = []
  for (const [start, end] of sorted) {
    assert(start < end, `interval [${start}, ${end}) is not empty`)
    const last = result.at(-1)
    if (last !== undefined && start <= last[1]) last[1] = Math.max(last[1], end)
    else result.push([start, end])
  }
  return result
}

// The parts of `wanted` not covered by `have`.
export function subtractIntervals(wanted: readonly Interval[], have: readonly Interval[]): Interval[] {
  const covered = mergeIntervals(have)
  const result: Interval[] = []
  for (const [wantedStart, wantedEnd] of mergeIntervals(wanted)) {
    let cursor = wantedStart
    for (const [start, end] of covered) {
      if (end <= cursor || start >= wantedEnd) continue
      if (start > cursor) result.push([cursor, start])
      cursor = Math.max(cursor, end)
    }
    if (cursor < wantedEnd) result.push([cursor, wantedEnd])
  }
  return result
}

// Splits ranges at unit boundaries, then groups `batchSize` units per batch (null: one batch per range).
export function batchIntervals(
  ranges: readonly Interval[],
  unit: IntervalUnit,
  batchSize: number | null,
  batchesMax: number,
): Interval[] {
  const batches: Interval[] = []
  for (const [start, end] of mergeIntervals(ranges)) {
    if (batchSize === null) {
      batches.push([start, end])
      continue
    }
    assert(batchSize > 0, 'batch size is positive')
    let cursor = start
    while (cursor < end) {
      const next = Math.min(addUnits(cursor, unit, batchSize), end)
      batches.push([cursor, next])
      cursor = next
      if (batches.length > batchesMax) {
        throw new MateriaError(
          'limit',
          `more than ${batchesMax} batches (limits.ts batchesMax); raise batch_size or narrow --start/--end`,
        )
      }
    }
  }
  return batches
}

export function formatInterval([start, end]: Interval): string {
  const format = (ms: number): string =>
    new Date(ms).toISOString().replace('T00:00:00.000Z', '').replace('.000Z', 'Z')
  return `[${format(start)}, ${format(end)})`
}
