// Goal: unit tests run a model over typed fixtures and pass or fail with a readable row diff; rows,
// CSV and query fixtures, partial outputs, CTE outputs, vars and numeric tolerance work; every kind
// of malformed test is an operating error naming file:line. Method: temp project folders with YAML
// test files over a small model chain (seed of the genuine PSD sample -> staging -> serving), each
// test in a fresh in-memory DuckDB as the runner does it.
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runTests } from './test-runner.ts'
import { makeModel, makeProject } from './testing/project-fixture.ts'
import { psdSamplePath } from './testing/psd-sample.ts'

const models = [
  makeModel({ name: 'seeds.psd_sample', kind: { name: 'SEED', path: 'psd_sample.csv' }, query: '' }),
  makeModel({
    name: 'staging.stg_psd',
    query: `SELECT Country_Code::VARCHAR AS country_code, Market_Year::INTEGER AS market_year,
  lpad(Attribute_ID::VARCHAR, 3, '0') AS attribute_id, Attribute_Description::VARCHAR AS attribute_name, Value::DOUBLE AS value
FROM seeds.psd_sample`,
  }),
  makeModel({
    name: 'serving.country_production',
    query: `WITH production AS (
  SELECT country_code, market_year,
    sum(value) FILTER (WHERE attribute_id = '028') AS production,
    sum(value) FILTER (WHERE attribute_id = '029') AS arabica_production
  FROM staging.stg_psd
  GROUP BY country_code, market_year
)
SELECT country_code, market_year, production, arabica_production / production AS arabica_share
FROM production
WHERE market_year BETWEEN year(@start_date) AND year(@end_date)`,
  }),
  makeModel({
    name: 'raw.psd_landing',
    query: `SELECT * FROM read_csv(@VAR('landing_dir') || '/psd/*/*/*/*.csv.gz')`,
  }),
  makeModel({
    name: 'staging.landing_rows',
    query: 'SELECT country_code, count(*) AS row_count FROM raw.psd_landing GROUP BY ALL',
  }),
]
const parents = {
  'staging.stg_psd': ['seeds.psd_sample'],
  'serving.country_production': ['staging.stg_psd'],
  'staging.landing_rows': ['raw.psd_landing'],
}

function projectWith(files: Record<string, string>) {
  const root = mkdtempSync(join(tmpdir(), 'materia-tests-'))
  mkdirSync(join(root, 'models', 'seeds'), { recursive: true })
  copyFileSync(psdSamplePath, join(root, 'models', 'seeds', 'psd_sample.csv'))
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return makeProject(root, models, parents)
}

// Genuine 2020-2021 rows of the sample (production 028, arabica 029).
const inputs = `  inputs:
    staging.stg_psd:
      rows:
        - { country_code: VM, market_year: 2020, attribute_id: '028', value: 31300 }
        - { country_code: BR, market_year: 2020, attribute_id: '028', value: 60500 }
        - { country_code: BR, market_year: 2020, attribute_id: '029', value: 42000 }
        - { country_code: VM, market_year: 2020, attribute_id: '029', value: 1100 }
        - { country_code: BR, market_year: 2021, attribute_id: '028', value: 69900 }
  vars: { start: 2020-01-01, end: 2020-12-31 }
`

const production = `test_country_production:
  model: serving.country_production
${inputs}  outputs:
    query:
      partial: true
      rows:
        - { country_code: VM, market_year: 2020, production: 31300, arabica_share: 0.0351437699681 }
        - { country_code: BR, market_year: 2020, production: 60500, arabica_share: 0.694214876033 }
`

describe('runTests', () => {
  it('passes a test whose rows match in another order, within numeric tolerance, for the vars range', async () => {
    const results = await runTests(projectWith({ 'tests/test_production.yaml': production }))
    expect(results).toHaveLength(1)
    expect(results[0]).toMatchObject({
      name: 'test_country_production',
      model: 'serving.country_production',
      path: 'tests/test_production.yaml',
      passed: true,
      message: '',
    })
    expect(results[0]!.durationMs).toBeGreaterThan(0)
  })

  it('fails with a readable row diff', async () => {
    const wrong = production
      .replace('production: 60500', 'production: 60000')
      .replace('test_country_production', 'test_wrong')
    const [result] = await runTests(projectWith({ 'tests/test_wrong.yaml': wrong }))
    expect(result?.passed).toBe(false)
    expect(result?.message).toBe(`test_wrong (tests/test_wrong.yaml:1) on serving.country_production
outputs.query: expected 2 rows, got 2
  - 1 expected rows missing:
    country_code | market_year | production | arabica_share
    BR           | 2020        | 60000      | 0.694214876033
  + 1 unexpected rows:
    country_code | market_year | production | arabica_share
    BR           | 2020        | 60500      | 0.6942148760330579`)
  })

  it('compares every column unless partial, with omitted columns expected NULL', async () => {
    const full = production
      .replace('      partial: true\n', '')
      .replace('test_country_production', 'test_full')
    expect((await runTests(projectWith({ 'tests/test_full.yaml': full })))[0]?.passed).toBe(true)
    const omitted = full.replace(', arabica_share: 0.694214876033', '')
    const [result] = await runTests(projectWith({ 'tests/test_full.yaml': omitted }))
    expect(result?.passed).toBe(false)
    expect(result?.message).toContain('country_code | market_year | production | arabica_share')
    expect(result?.message).toMatch(/- 1 expected rows missing:\n.*\n +BR +\| 2020 +\| 60500 +\| NULL\n/)
  })

  it('reads CSV and query fixtures, checks CTE outputs, and runs only the named tests', async () => {
    const csv = 'country_code,market_year,attribute_id,value\nCO,2021,028,13400\nCO,2021,029,13400\n'
    const tests = `test_csv:
  model: serving.country_production
  inputs:
    staging.stg_psd: { format: csv, path: tests/fixtures/co_2021.csv }
  outputs:
    query:
      rows:
        - { country_code: CO, market_year: 2021, production: 13400, arabica_share: 1 }
    ctes:
      production:
        partial: true
        rows: [{ country_code: CO, production: 13400 }]
  vars: { start: 2021-01-01 }
test_query:
  model: serving.country_production
  inputs:
    staging.stg_psd:
      query: SELECT 'BR' AS country_code, 2021 AS market_year, '028' AS attribute_id, 69900.0 AS value
  outputs:
    query: { partial: true, rows: [{ country_code: BR, production: 69900 }] }
  vars: { start: 2021-01-01, end: 2021-12-31 }
test_not_selected:
  model: serving.country_production
  outputs: { query: { rows: [{ country_code: XX }] } }
`
    const project = projectWith({ 'tests/test_more.yaml': tests, 'tests/fixtures/co_2021.csv': csv })
    const results = await runTests(project, { names: ['test_csv', 'test_query'] })
    expect(results.map((r) => [r.name, r.passed, r.message])).toEqual([
      ['test_csv', true, ''],
      ['test_query', true, ''],
    ])
  })

  it('overrides project variables from vars and reports a query that fails on its fixtures', async () => {
    const filtered = makeModel({
      name: 'serving.big_producers',
      query:
        "SELECT country_code, value FROM staging.stg_psd WHERE attribute_id = '028' AND value >= @VAR('min_production', 0)",
    })
    const failing = makeModel({
      name: 'serving.broken',
      query: 'SELECT CAST(country_code AS INTEGER) AS code FROM staging.stg_psd',
    })
    const base = projectWith({
      'tests/test_vars.yaml': `test_vars:
  model: serving.big_producers
${inputs.replace('vars: { start: 2020-01-01, end: 2020-12-31 }', 'vars: { min_production: 40000 }')}  outputs:
    query: [{ country_code: BR, value: 60500 }, { country_code: BR, value: 69900 }]
test_broken:
  model: serving.broken
  inputs: { staging.stg_psd: [{ country_code: BR }] }
  outputs: { query: [{ code: 1 }] }
`,
    })
    const project = makeProject(base.root, [...models, filtered, failing], {
      ...parents,
      'serving.big_producers': ['staging.stg_psd'],
      'serving.broken': ['staging.stg_psd'],
    })
    const results = await runTests(project)
    expect(results.find((r) => r.name === 'test_vars')).toMatchObject({ passed: true })
    const broken = results.find((r) => r.name === 'test_broken')
    expect(broken?.passed).toBe(false)
    expect(broken?.message).toMatch(
      /^test_broken \(tests\/test_vars\.yaml:\d+\) on serving\.broken\nquery failed: Conversion Error: .*BR/,
    )
  })

  it('types a raw parent from its fixture when its landing files are absent', async () => {
    const test = `test_landing:
  model: staging.landing_rows
  inputs:
    raw.psd_landing: [{ country_code: BR }, { country_code: BR }, { country_code: VM }]
  outputs: { query: [{ country_code: BR, row_count: 2 }, { country_code: VM, row_count: 1 }] }
`
    const [result] = await runTests(projectWith({ 'tests/test_landing.yaml': test }))
    expect(result).toMatchObject({ passed: true })
  })
})

describe('malformed tests', () => {
  const cases: [string, string, RegExp][] = [
    [
      'invalid YAML',
      'test_a:\n  model: serving.country_production\n  inputs: [unclosed\n',
      /^tests\/test_bad\.yaml:\d+ invalid YAML: /,
    ],
    [
      'unknown model',
      'test_a:\n  model: serving.nope\n  outputs: { query: [] }\n',
      /^tests\/test_bad\.yaml:1 test test_a: unknown model serving\.nope/,
    ],
    [
      'unknown output column',
      production.replace('production: 31300,', 'production: 31300, yield: 1,'),
      /tests\/test_bad\.yaml:1 test test_country_production: outputs\.query has column yield, which it does not output \(it has country_code, market_year, production, arabica_share\)/,
    ],
    [
      'fixture column the upstream lacks',
      production.replace(
        "attribute_id: '028', value: 31300",
        "attribute_id: '028', value: 31300, harvest: 1",
      ),
      /test test_country_production: input staging\.stg_psd has column harvest, which it does not output \(it has country_code, market_year, attribute_id, attribute_name, value\)/,
    ],
    [
      'input the model does not read',
      production.replace('staging.stg_psd:', 'seeds.psd_sample:'),
      /input seeds\.psd_sample is not read by serving\.country_production \(it reads staging\.stg_psd\)/,
    ],
    [
      'missing outputs',
      'test_a:\n  model: staging.stg_psd\n',
      /^tests\/test_bad\.yaml:1 test test_a: needs outputs/,
    ],
    [
      'bad vars date',
      production.replace('start: 2020-01-01', 'start: soon'),
      /vars\.start "soon" is not a date/,
    ],
    [
      'CSV fixture with a column the upstream lacks',
      'test_csv:\n  model: serving.country_production\n  inputs:\n    staging.stg_psd: { format: csv, path: tests/extra.csv }\n  outputs: { query: [] }\n',
      /test test_csv: input staging\.stg_psd has column harvest, which it does not output/,
    ],
  ]
  // A malformed test fails alone, with a message naming file:line; a good test beside it still runs.
  for (const [label, text, message] of cases) {
    it(`fails ${label} alone`, async () => {
      const files = {
        'tests/test_bad.yaml': text,
        'tests/test_good.yaml': production.replace('test_country_production:', 'test_good:'),
        'tests/extra.csv': 'country_code,harvest\nBR,2020\n',
      }
      const results = await runTests(projectWith(files))
      const failed = results.filter((result) => !result.passed)
      expect(failed).toHaveLength(1)
      expect(failed[0]!.message).toMatch(message)
      expect(results.filter((result) => result.passed).map((result) => result.name)).toEqual(['test_good'])
    })
  }

  it('rejects an unknown test name and a name defined twice', async () => {
    await expect(
      runTests(projectWith({ 'tests/test_p.yaml': production }), { names: ['test_nope'] }),
    ).rejects.toThrow(/no test named test_nope/)
    const twice = projectWith({ 'tests/test_p.yaml': production, 'tests/test_q.yaml': production })
    const results = await runTests(twice)
    expect(results.map((result) => [result.path, result.passed])).toEqual([
      ['tests/test_q.yaml', false],
      ['tests/test_p.yaml', true],
    ])
    expect(results[0]!.message).toMatch(
      /tests\/test_q\.yaml:1 test test_country_production is also defined at tests\/test_p\.yaml:1/,
    )
  })
})
