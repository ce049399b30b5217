// Goal: every built-in audit passes on good data and fails on bad data with the right bad-row count
// and sample; non-blocking variants report without blocking; grain implies uniqueness; custom audits
// substitute @this_model and their arguments; unknown columns and audits are operating errors; an
// incremental model is audited on its batch only. Method: real DuckDB in memory over the genuine PSD
// sample (171 rows: BR, VM, CO x 2020-2022 x 19 attributes; 18 rows have value 0).
import { DuckDBInstance } from '@duckdb/node-api'
import { beforeAll, describe, expect, it } from 'vitest'
import { MateriaError } from '../errors.ts'
import {
  type AuditOutcome,
  assertBlockingAuditsPassed,
  auditFailureMessage,
  modelAuditCalls,
  runModelAudits,
} from './audit.ts'
import type { AuditCall, Model } from './model.ts'
import { makeModel, makeProject } from './testing/project-fixture.ts'
import { psdSampleSelect } from './testing/psd-sample.ts'

const connection = await (await DuckDBInstance.create(':memory:')).connect()
const grain = ['country_code', 'market_year', 'attribute_id']

beforeAll(async () => {
  await connection.run('CREATE SCHEMA staging')
  await connection.run(`CREATE TABLE staging.psd AS ${psdSampleSelect}`)
  await connection.run(
    `CREATE TABLE staging.psd_br_2020 AS SELECT * FROM staging.psd WHERE country_code = 'BR' AND market_year = 2020`,
  )
})

function call(name: string, args: Record<string, string> = {}): AuditCall {
  return { name, args, blocking: !name.endsWith('_non_blocking') }
}

async function audit(
  calls: AuditCall[],
  table = 'staging.psd',
  fields: Partial<Model> = {},
): Promise<AuditOutcome[]> {
  const model = makeModel({ name: table, query: 'SELECT 1', audits: calls, ...fields })
  return runModelAudits(connection, makeProject('/project', [model]), model, table)
}

async function one(auditCall: AuditCall, table = 'staging.psd'): Promise<AuditOutcome> {
  const [outcome] = await audit([auditCall], table)
  expect(outcome).toBeDefined()
  return outcome!
}

describe('built-in audits', () => {
  it('not_null passes, then fails on nulled rows with those rows as sample', async () => {
    expect((await one(call('not_null', { columns: '(country_code, value)' }))).passed).toBe(true)
    await connection.run(
      `CREATE TABLE staging.psd_nulls AS SELECT * REPLACE (CASE WHEN attribute_id = '028' AND market_year = 2021 THEN NULL ELSE value END AS value) FROM staging.psd`,
    )
    const outcome = await one(call('not_null', { columns: '(country_code, value)' }), 'staging.psd_nulls')
    expect(outcome).toMatchObject({
      passed: false,
      badRows: 3,
      blocking: true,
      audit: 'not_null',
      model: 'staging.psd_nulls',
    })
    expect(outcome.sample.map((r) => r.country_code).sort()).toEqual(['BR', 'CO', 'VM'])
    expect(outcome.sample.every((r) => r.value === null && r.attribute_name === 'Production')).toBe(true)
  })

  it('unique_values checks each column on its own', async () => {
    expect(
      (await one(call('unique_values', { columns: '(attribute_id, attribute_name)' }), 'staging.psd_br_2020'))
        .passed,
    ).toBe(true)
    const outcome = await one(call('unique_values', { columns: '(attribute_id)' }))
    expect(outcome.badRows).toBe(171)
    expect(outcome.sample).toHaveLength(5)
  })

  it('unique_combination_of_columns checks the columns together', async () => {
    expect(
      (await one(call('unique_combination_of_columns', { columns: `(${grain.join(', ')})` }))).passed,
    ).toBe(true)
    const outcome = await one(
      call('unique_combination_of_columns', { columns: '(country_code, attribute_id)' }),
    )
    expect(outcome.badRows).toBe(171)
  })

  it('accepted_values lists the rows outside the set', async () => {
    expect(
      (await one(call('accepted_values', { column: 'country_code', is_in: "('BR', 'VM', 'CO')" }))).passed,
    ).toBe(true)
    const outcome = await one(call('accepted_values', { column: 'country_code', is_in: "('BR', 'VM')" }))
    expect(outcome.badRows).toBe(57)
    expect(outcome.sample.every((r) => r.country_code === 'CO')).toBe(true)
  })

  it('accepted_range is inclusive, takes one bound alone, and honours inclusive := false', async () => {
    expect(
      (await one(call('accepted_range', { column: 'market_year', min_v: '2020', max_v: '2022' }))).passed,
    ).toBe(true)
    expect((await one(call('accepted_range', { column: 'market_year', min_v: '2021' }))).badRows).toBe(57)
    expect((await one(call('accepted_range', { column: 'market_year', max_v: '2021' }))).badRows).toBe(57)
    const exclusive = call('accepted_range', {
      column: 'market_year',
      min_v: '2020',
      max_v: '2022',
      inclusive: 'false',
    })
    expect((await one(exclusive)).badRows).toBe(114)
  })

  it('number_of_rows fails below the threshold with one bad row', async () => {
    expect((await one(call('number_of_rows', { threshold: '171' }))).passed).toBe(true)
    const outcome = await one(call('number_of_rows', { threshold: '172' }))
    expect(outcome).toMatchObject({
      passed: false,
      badRows: 1,
      sample: [{ row_count: '171', threshold: 172 }],
    })
  })

  it('forall requires every criterion on every row', async () => {
    expect(
      (await one(call('forall', { criteria: '(value >= 0, market_year BETWEEN 2020 AND 2022)' }))).passed,
    ).toBe(true)
    const outcome = await one(call('forall', { criteria: "(value > 0, country_code <> 'XX')" }))
    expect(outcome.badRows).toBe(18)
    expect(outcome.sample.every((r) => r.value === 0)).toBe(true)
  })
})

describe('blocking, grain and custom audits', () => {
  it('a non-blocking failure is reported but does not block', async () => {
    const outcomes = await audit([
      call('accepted_values_non_blocking', { column: 'country_code', is_in: "('BR')" }),
    ])
    expect(outcomes[0]).toMatchObject({ blocking: false, passed: false, badRows: 114 })
    expect(() => assertBlockingAuditsPassed(outcomes)).not.toThrow()
    expect(auditFailureMessage(outcomes[0]!)).toMatch(
      /^non-blocking audit accepted_values_non_blocking failed/,
    )
  })

  it('grain alone audits nothing unless the project sets audit_grain (SQLMesh keeps it as metadata)', () => {
    const model = makeModel({ name: 'staging.x', query: 'SELECT 1 AS a', grain: ['a'] })
    expect(modelAuditCalls(model, false)).toEqual([])
    expect(modelAuditCalls(model, true).map((call) => call.name)).toEqual(['grain'])
  })

  it('grain implies a blocking uniqueness audit whose failure prints the first bad rows', async () => {
    await connection.run(
      `CREATE TABLE staging.psd_dup AS SELECT * FROM staging.psd UNION ALL SELECT * FROM staging.psd WHERE country_code = 'VM' AND market_year = 2022 AND attribute_id = '053'`,
    )
    const outcomes = await audit([], 'staging.psd_dup', { grain })
    expect(outcomes).toHaveLength(1)
    expect(outcomes[0]).toMatchObject({ audit: 'grain', blocking: true, passed: false, badRows: 2 })
    expect(() => assertBlockingAuditsPassed(outcomes)).toThrow(MateriaError)
    const message = auditFailureMessage(outcomes[0]!)
    expect(message.split('\n')[0]).toBe('blocking audit grain failed on staging.psd_dup: 2 bad rows:')
    expect(message).toMatch(/VM +\| Vietnam +\| 2022 +\| 053 +\| Robusta Production .*\| 30480$/m)
    expect((await audit([], 'staging.psd', { grain }))[0]?.passed).toBe(true)
  })

  it('uniqueness audits count NULL keys as one value, as their window partitions do', async () => {
    await connection.run(
      `CREATE TABLE staging.psd_null_keys AS SELECT * REPLACE (CASE WHEN country_code = 'CO' AND market_year = 2021 AND attribute_id IN ('028', '057') THEN NULL ELSE attribute_id END AS attribute_id) FROM staging.psd`,
    )
    const [grainOutcome] = await audit([], 'staging.psd_null_keys', { grain })
    expect(grainOutcome).toMatchObject({ audit: 'grain', passed: false, badRows: 2 })
    expect(grainOutcome?.sample.map((row) => row.attribute_id)).toEqual([null, null])
    // unique_values on two columns: only the second repeats, within one country-year.
    const outcome = await one(
      call('unique_values', { columns: '(attribute_name, market_year)' }),
      'staging.psd_br_2020',
    )
    expect(outcome).toMatchObject({ passed: false, badRows: 19 })
    expect(outcome.sample).toHaveLength(5)
  })

  it('a model without audits is not described: nothing is read, nothing reported', async () => {
    // The relation does not exist; an audited model here fails with "cannot audit".
    await expect(audit([], 'staging.no_such_table')).resolves.toEqual([])
    await expect(audit([call('not_null', { columns: '(a)' })], 'staging.no_such_table')).rejects.toThrow(
      /cannot audit staging\.no_such_table/,
    )
  })

  it('runs a custom audit with its arguments', async () => {
    const custom = {
      name: 'at_least',
      query: 'SELECT * FROM @this_model WHERE @column < @min_value;',
      path: 'audits/at_least.sql',
      queryLine: 2,
    }
    const model = makeModel({
      name: 'staging.psd',
      query: 'SELECT 1',
      audits: [call('at_least', { column: 'value', min_value: '1' })],
    })
    const project = makeProject('/project', [model], {}, { audits: [custom] })
    const [outcome] = await runModelAudits(connection, project, model, 'staging.psd')
    expect(outcome).toMatchObject({ audit: 'at_least', passed: false, badRows: 18 })
    expect(outcome?.sql).toBe('SELECT * FROM staging.psd WHERE value < 1')
  })

  it('renders time macros over the batch range in a custom audit and names its file on an unknown column', async () => {
    await connection.run(
      'CREATE OR REPLACE TABLE staging.psd_dated AS SELECT *, make_date(market_year, 10, 1) AS period FROM staging.psd',
    )
    const kind = {
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 'period',
      batchSize: null,
      lookback: 0,
    } as const
    const inBatch = {
      name: 'outside_batch',
      query: 'SELECT * FROM @this_model WHERE period < @start_date OR period > @end_date',
      path: 'audits/outside_batch.sql',
      queryLine: 2,
    }
    const unknown = {
      name: 'bad_column',
      query: 'SELECT * FROM @this_model WHERE harvest < 0',
      path: 'audits/bad_column.sql',
      queryLine: 2,
    }
    const model = makeModel({
      name: 'staging.psd_dated',
      query: 'SELECT 1',
      kind,
      audits: [call('outside_batch')],
    })
    const project = makeProject('/project', [model], {}, { audits: [inBatch, unknown] })
    const range = { start: new Date('2022-01-01T00:00:00Z'), end: new Date('2023-01-01T00:00:00Z') }
    const [outcome] = await runModelAudits(connection, project, model, 'staging.psd_dated', range)
    expect(outcome).toMatchObject({ passed: true, badRows: 0 })
    expect(outcome?.sql).toContain("CAST('2022-01-01' AS DATE)")
    const broken = { ...model, audits: [call('bad_column')] }
    const error = await runModelAudits(connection, project, broken, 'staging.psd_dated').catch(
      (e: unknown) => e,
    )
    expect((error as MateriaError).message).toMatch(
      /^models\/staging\/psd_dated\.sql: audit bad_column on staging\.psd_dated failed to run: .*"harvest" not found/,
    )
  })

  it('names the model file and audit for an unknown column, audit or missing argument', async () => {
    const cases: [AuditCall, RegExp][] = [
      [
        call('not_null', { columns: '(country_code, nope)' }),
        /^models\/staging\/psd\.sql: audit not_null on staging\.psd references unknown column nope/,
      ],
      [
        call('forall', { criteria: '(nope > 0)' }),
        /^models\/staging\/psd\.sql: audit forall on staging\.psd failed to run: .*nope/,
      ],
      [
        call('no_such_audit'),
        /audit no_such_audit on staging\.psd: unknown audit; .* add audits\/no_such_audit\.sql to the project/,
      ],
      [
        call('accepted_values', { column: 'country_code' }),
        /audit accepted_values on staging\.psd needs is_in := /,
      ],
      [call('number_of_rows', { threshold: 'ten' }), /threshold must be a whole number/],
    ]
    for (const [auditCall, message] of cases) {
      const error = await audit([auditCall]).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(MateriaError)
      expect((error as MateriaError).code).toBe('audit')
      expect((error as MateriaError).message).toMatch(message)
    }
  })

  it('audits only the batch range of an incremental model', async () => {
    await connection.run(
      'CREATE TABLE staging.psd_periods AS SELECT *, make_date(market_year, 10, 1) AS period FROM staging.psd',
    )
    const kind = {
      name: 'INCREMENTAL_BY_TIME_RANGE',
      timeColumn: 'period',
      batchSize: null,
      lookback: 0,
    } as const
    const model = makeModel({
      name: 'staging.psd_periods',
      query: 'SELECT 1',
      kind,
      audits: [call('number_of_rows', { threshold: '58' })],
    })
    const project = makeProject('/project', [model])
    const range = { start: new Date('2021-01-01T00:00:00Z'), end: new Date('2022-01-01T00:00:00Z') }
    const [batch] = await runModelAudits(connection, project, model, 'staging.psd_periods', range)
    expect(batch).toMatchObject({ passed: false, sample: [{ row_count: '57' }] })
    const [whole] = await runModelAudits(connection, project, model, 'staging.psd_periods')
    expect(whole?.passed).toBe(true)
  })
})
