// Goal: a model's cron is any expression croniter (SQLMesh) accepts, read by croner, and its start
// any form SQLMesh documents; unreadable ones are errors. Method: the pure functions on documented
// and broken inputs.
import { describe, expect, it } from 'vitest'
import { intervalUnit } from './interval.ts'
import { isValidCron, parseModelFile, resolveStart } from './model-parser.ts'

describe('cron and start', () => {
  it('accepts aliases and five-field expressions, refuses the rest', () => {
    for (const cron of [
      '@daily',
      '@hourly',
      '@weekly',
      '@monthly',
      '@yearly',
      '0 6 * * *',
      '*/15 * * * *',
      '0 0 * * 1-5',
      '30 2 1 */3 *',
    ])
      expect(isValidCron(cron), cron).toBe(true)
    for (const cron of ['daily', '61 * * * *', '0 6 * *', '0 6 * * * *', '@fortnightly', '0 25 * * *'])
      expect(isValidCron(cron), cron).toBe(false)
  })

  it('derives the interval unit from how often the cron fires', () => {
    expect(intervalUnit('0 6 * * *')).toBe('day')
    expect(intervalUnit('*/15 * * * *')).toBe('hour')
    expect(intervalUnit('0 6,18 * * *')).toBe('hour')
    expect(intervalUnit('0 0 * * 1')).toBe('week')
    expect(intervalUnit('0 0 1 * *')).toBe('month')
    expect(intervalUnit('0 0 1 1 *')).toBe('year')
    expect(intervalUnit('@yearly')).toBe('year')
  })

  it('reads a start as a date, a date-time, epoch milliseconds or a relative time', () => {
    const now = new Date('2024-03-15T10:00:00Z')
    expect(resolveStart('2024-01-02', now)).toBe('2024-01-02')
    expect(resolveStart('2024-01-02 05:00:00', now)).toBe('2024-01-02')
    expect(resolveStart('1704153600000', now)).toBe('2024-01-02')
    expect(resolveStart('1 year ago', now)).toBe('2023-03-15')
    expect(resolveStart('2 weeks ago', now)).toBe('2024-03-01')
    expect(resolveStart('yesterday', now)).toBe('2024-03-14')
    expect(resolveStart('next tuesday', now)).toBeNull()
    expect(() =>
      parseModelFile("MODEL (name a.b,\n cron '0 6 * * *', start '3 days ago');\nSELECT 1", 'm.sql'),
    ).not.toThrow()
    expect(() => parseModelFile("MODEL (name a.b,\n cron '0 6 * *');\nSELECT 1", 'm.sql')).toThrow(
      "m.sql:2:2 invalid cron '0 6 * *'; use @hourly | @daily | @weekly | @monthly or a 5-field cron expression",
    )
  })
})
