// Goal: with a cache path, runTests skips a test file only while the file, the CSV files its
// fixtures name and the fingerprints of the models its tests cover are unchanged since every test
// in it passed; anything else runs again, failures are never remembered, and a damaged cache is
// read as empty. Method: a temp project (seed of the genuine PSD sample -> staging -> serving) with
// two test files, run repeatedly through the real runner and fingerprints; each edit between runs
// changes one input of a test's key, and the results' `cached` flags show what ran.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Project } from './project.ts'
import { testCachePath } from './test-cache.ts'
import { runTests } from './test-runner.ts'
import { makeModel, makeProject } from './testing/project-fixture.ts'
import { psdSamplePath } from './testing/psd-sample.ts'

const stagingQuery = `SELECT Country_Code::VARCHAR AS country_code, Market_Year::INTEGER AS market_year,
  lpad(Attribute_ID::VARCHAR, 3, '0') AS attribute_id, Value::DOUBLE AS value
FROM seeds.psd_sample`
const servingQuery = `SELECT country_code, market_year, sum(value) AS production
FROM staging.stg_psd WHERE attribute_id = '028' GROUP BY ALL`

function projectAt(root: string, queries: { staging?: string; serving?: string } = {}): Project {
  const models = [
    makeModel({ name: 'seeds.psd_sample', kind: { name: 'SEED', path: 'psd_sample.csv' }, query: '' }),
    makeModel({ name: 'staging.stg_psd', query: queries.staging ?? stagingQuery }),
    makeModel({ name: 'serving.production', query: queries.serving ?? servingQuery }),
    // Reads files and declares no columns: its schema comes from outside the fingerprint.
    makeModel({ name: 'raw.landing', query: `SELECT * FROM read_csv('/nonexistent/*.csv')` }),
    makeModel({ name: 'staging.landing_rows', query: 'SELECT count(*) AS row_count FROM raw.landing' }),
  ]
  return makeProject(root, models, {
    'staging.stg_psd': ['seeds.psd_sample'],
    'serving.production': ['staging.stg_psd'],
    'staging.landing_rows': ['raw.landing'],
  })
}

const servingTest = `test_production:
  model: serving.production
  inputs:
    staging.stg_psd: { format: csv, path: tests/fixtures/stg.csv }
  outputs:
    query:
      rows:
        - { country_code: BR, market_year: 2020, production: 60500 }
`
const stagingTest = `test_staging:
  model: staging.stg_psd
  inputs:
    seeds.psd_sample:
      rows:
        - { Country_Code: BR, Market_Year: 2020, Attribute_ID: 28, Value: 60500 }
  outputs:
    query:
      partial: true
      rows: [{ country_code: BR, attribute_id: '028' }]
`
const stagingCsv = 'country_code,market_year,attribute_id,value\nBR,2020,028,60500\nBR,2020,029,42000\n'

function write(root: string, path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), { recursive: true })
  writeFileSync(join(root, path), text)
}

function tempRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'materia-test-cache-'))
  mkdirSync(join(root, 'models', 'seeds'), { recursive: true })
  copyFileSync(psdSamplePath, join(root, 'models', 'seeds', 'psd_sample.csv'))
  write(root, 'tests/test_serving.yaml', servingTest)
  write(root, 'tests/test_staging.yaml', stagingTest)
  write(root, 'tests/fixtures/stg.csv', stagingCsv)
  return root
}

async function cachedByName(project: Project, options: { rerun?: boolean } = {}) {
  const results = await runTests(project, { cachePath: testCachePath(project), ...options })
  for (const result of results) expect(result.passed, result.message).toBe(true)
  return Object.fromEntries(results.map((result) => [result.name, result.cached]))
}

describe('runTests with a cache', () => {
  it('skips unchanged files, reruns on every input of the key, and --rerun-tests runs all', async () => {
    const root = tempRoot()
    const project = projectAt(root)
    expect(await cachedByName(project)).toEqual({ test_production: false, test_staging: false })
    expect(await cachedByName(project)).toEqual({ test_production: true, test_staging: true })
    expect(await cachedByName(project, { rerun: true })).toEqual({
      test_production: false,
      test_staging: false,
    })
    expect(await cachedByName(project)).toEqual({ test_production: true, test_staging: true })

    // The tested model's query changes: its file reruns, the upstream model's does not.
    const serving = projectAt(root, { serving: servingQuery.replace('sum(value)', 'max(value)') })
    expect(await cachedByName(serving)).toEqual({ test_production: false, test_staging: true })
    expect(await cachedByName(serving)).toEqual({ test_production: true, test_staging: true })

    // An upstream query changes: both files rerun (fingerprints carry the parents' hashes).
    const staging = projectAt(root, { staging: stagingQuery.replace('Value::DOUBLE', 'Value::FLOAT') })
    expect(await cachedByName(staging)).toEqual({ test_production: false, test_staging: false })

    // The seed's bytes, a CSV fixture, a test file: each reruns the tests that depend on it.
    expect(await cachedByName(staging)).toEqual({ test_production: true, test_staging: true })
    writeFileSync(join(root, 'models/seeds/psd_sample.csv'), readFileSync(psdSamplePath, 'utf8').trimEnd())
    expect(await cachedByName(staging)).toEqual({ test_production: false, test_staging: false })
    write(root, 'tests/fixtures/stg.csv', stagingCsv.replace('42000', '41000'))
    expect(await cachedByName(staging)).toEqual({ test_production: false, test_staging: true })
    write(root, 'tests/test_staging.yaml', `# a comment changes the file\n${stagingTest}`)
    expect(await cachedByName(staging)).toEqual({ test_production: true, test_staging: false })
    rmSync(root, { recursive: true, force: true })
  })

  it('never remembers a failure, always runs tests typed from outside data, and reads a damaged cache as empty', async () => {
    const root = tempRoot()
    write(root, 'tests/test_serving.yaml', servingTest.replace('production: 60500', 'production: 1'))
    write(
      root,
      'tests/test_landing.yaml',
      `test_landing:
  model: staging.landing_rows
  inputs:
    raw.landing:
      rows: [{ x: 1 }, { x: 2 }]
  outputs:
    query:
      rows: [{ row_count: 2 }]
`,
    )
    const project = projectAt(root)
    const path = testCachePath(project)
    for (let run = 0; run < 2; run += 1) {
      const results = await runTests(project, { cachePath: path })
      const byName = Object.fromEntries(results.map((result) => [result.name, result]))
      expect(byName.test_production).toMatchObject({ passed: false, cached: false })
      expect(byName.test_landing).toMatchObject({ passed: true, cached: false })
      expect(byName.test_staging).toMatchObject({ passed: true, cached: run === 1 })
    }
    for (const damaged of ['{"format":"1","files":{"tests/test_staging.yaml":{"sha256":1}}}', 'not json']) {
      writeFileSync(path, damaged)
      const results = await runTests(project, { cachePath: path })
      expect(results.find((result) => result.name === 'test_staging')).toMatchObject({
        passed: true,
        cached: false,
      })
    }
    rmSync(root, { recursive: true, force: true })
  })

  it('checks a new test name against the cached files', async () => {
    const root = tempRoot()
    const project = projectAt(root)
    await cachedByName(project)
    write(root, 'tests/test_again.yaml', stagingTest)
    // The second definition fails alone (a malformed test fails that test, not the run).
    const results = await runTests(project, { cachePath: testCachePath(project) })
    const failed = results.filter((result) => !result.passed)
    expect(failed.map((result) => [result.path, result.message])).toEqual([
      [
        'tests/test_again.yaml',
        'tests/test_again.yaml:1 test test_staging is also defined at tests/test_staging.yaml:1; rename one',
      ],
    ])
    rmSync(root, { recursive: true, force: true })
  })
})
