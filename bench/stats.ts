// What every benchmark figure is made of: N timed runs reduced to median, min and max, runs of the
// things being compared interleaved (A, B, A, B...) so that a load change on a shared machine hits
// both sides alike, and the machine's cores and load average so a reader can judge the noise.
import { availableParallelism, loadavg } from 'node:os'

export interface Figure {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly runs: number
}

export interface BenchOptions {
  readonly runs: number // N >= 3 for reported figures; 1 with --quick
}

export function figure(values: readonly number[], digits = 1): Figure {
  if (values.length === 0) throw new Error('assertion failed: a figure has at least one run')
  const sorted = [...values].sort((left, right) => left - right)
  const middle = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2
  const scale = 10 ** digits
  const round = (value: number) => Math.round(value * scale) / scale
  return { median: round(median), min: round(sorted[0]!), max: round(sorted.at(-1)!), runs: values.length }
}

// Runs each step once per round for `runs` rounds; returns each step's values. Odd rounds run the
// steps in reverse (A B C, C B A, A B C...): no step always follows the same one, so whatever a
// step leaves behind for the next (a full page cache, files being written back, a warm CPU cache)
// does not always favour or burden the same step of a ratio.
export async function interleaved<Name extends string>(
  runs: number,
  steps: Readonly<Record<Name, () => Promise<number>>>,
  onValue?: (name: Name, round: number, value: number) => void,
): Promise<Record<Name, number[]>> {
  const names = Object.keys(steps) as Name[]
  const values = Object.fromEntries(names.map((name) => [name, [] as number[]])) as Record<Name, number[]>
  for (let round = 0; round < runs; round += 1) {
    for (const name of round % 2 === 0 ? names : [...names].reverse()) {
      const value = await steps[name]()
      values[name].push(value)
      onValue?.(name, round, value)
    }
  }
  return values
}

// Ratio of medians, and the spread of the per-round ratios (each from one A, B pair).
export function ratio(
  numerator: readonly number[],
  denominator: readonly number[],
): Figure & { ofMedians: number } {
  const perRound = numerator.map((value, index) => value / denominator[index]!)
  const ofMedians = figure(numerator).median / figure(denominator).median
  const spread = figure(perRound, 3)
  const round = (value: number) => Math.round(value * 1000) / 1000
  return {
    ofMedians: round(ofMedians),
    median: round(spread.median),
    min: round(spread.min),
    max: round(spread.max),
    runs: spread.runs,
  }
}

export function machine(): { cores: number; loadavg: number[] } {
  return { cores: availableParallelism(), loadavg: loadavg().map((value) => Math.round(value * 100) / 100) }
}
