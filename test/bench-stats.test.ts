// Goal: the bench's figures are what they claim: median (odd and even counts), min and max over the
// runs, steps interleaved round by round (A B C, C B A, ...), and ratios from the pairs of one round.
// Method: the helpers of bench/stats.ts over hand-made values, the order recorded by the steps.
import { describe, expect, it } from 'vitest'
import { figure, interleaved, ratio } from '../bench/stats.ts'

describe('bench figures', () => {
  it('reduces runs to median, min and max', () => {
    expect(figure([30, 10, 20])).toEqual({ median: 20, min: 10, max: 30, runs: 3 })
    expect(figure([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, runs: 4 })
    expect(figure([1.23456], 3)).toEqual({ median: 1.235, min: 1.235, max: 1.235, runs: 1 })
    expect(() => figure([])).toThrow('a figure has at least one run')
  })

  it('interleaves the steps round by round, every other round in reverse', async () => {
    const order: string[] = []
    const step = (name: string, value: number) => async () => {
      order.push(name)
      return value + order.length
    }
    const values = await interleaved(3, { a: step('a', 100), b: step('b', 200), c: step('c', 300) })
    expect(order).toEqual(['a', 'b', 'c', 'c', 'b', 'a', 'a', 'b', 'c'])
    expect(values).toEqual({ a: [101, 106, 107], b: [202, 205, 208], c: [303, 304, 309] })
  })

  it('gives the ratio of medians and the spread of per-round ratios', () => {
    const result = ratio([110, 200, 105], [100, 100, 100])
    expect(result).toEqual({ ofMedians: 1.1, median: 1.1, min: 1.05, max: 2, runs: 3 })
  })
})
