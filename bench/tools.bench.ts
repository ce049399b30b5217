// Benchmarks for the engine's tools: table diff and audits over a table of ~855,000 rows (the genuine
// PSD sample repeated over 5,000 shifted market years), unit tests, lint and format on the example
// project. Prints wall times; no thresholds here (timing assertions do not belong in unit tests).
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { DuckDBInstance } from '@duckdb/node-api'
import {
  formatModelFile,
  lintProject,
  loadProject,
  runModelAudits,
  runTests,
  tableDiff,
} from '../pipeline/engine/index.ts'
import { makeModel, makeProject } from '../pipeline/engine/testing/project-fixture.ts'
import { psdSampleSelect } from '../pipeline/engine/testing/psd-sample.ts'

const repeats = 5_000

async function timed<T>(job: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now()
  const value = await job()
  return { ms: Math.round(performance.now() - started), value }
}

async function diffAndAudits(): Promise<Record<string, unknown>> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  await connection.run('CREATE SCHEMA staging')
  await connection.run(
    `CREATE TABLE staging.psd AS SELECT s.* REPLACE (s.market_year + 10 * r AS market_year) FROM (${psdSampleSelect}) AS s, range(${repeats}) AS t(r)`,
  )
  // Target: 1 % of values revised, 0.5 % of rows removed.
  await connection.run(
    'CREATE TABLE staging.psd_target AS SELECT * REPLACE (CASE WHEN hash(country_code, market_year, attribute_id) % 100 = 0 THEN value + 1 ELSE value END AS value) FROM staging.psd WHERE hash(market_year, attribute_id) % 200 <> 1',
  )
  const rows = Number(
    (await connection.runAndReadAll('SELECT count(*) FROM staging.psd')).getRowsJS()[0]?.[0],
  )
  const on = ['country_code', 'market_year', 'attribute_id']
  const diff = await timed(() =>
    tableDiff(connection, { source: 'staging.psd', target: 'staging.psd_target', on }),
  )
  const model = makeModel({
    name: 'staging.psd',
    query: 'SELECT 1',
    grain: on,
    audits: [
      { name: 'not_null', args: { columns: '(country_code, market_year, value)' }, blocking: true },
      { name: 'accepted_range', args: { column: 'value', min_v: '0' }, blocking: true },
    ],
  })
  const audits = await timed(() =>
    runModelAudits(connection, makeProject('/bench', [model]), model, 'staging.psd'),
  )
  connection.closeSync()
  instance.closeSync()
  return {
    rows,
    tableDiffMs: diff.ms,
    tableDiffChanged: diff.value.changed,
    tableDiffOnlyInSource: diff.value.onlyInSource,
    auditsMs: audits.ms,
    auditsRun: audits.value.length,
  }
}

const exampleTest = (i: number) => `test_balance_${i}:
  model: cleaned.coffee_balance
  inputs:
    staging.stg_psd_coffee:
      rows:
        - { country_code: BR, market_year: 2021, attribute_name: Production, unit_description: (1000 60 KG BAGS), value: 69900 }
  outputs:
    query: { partial: true, rows: [{ country_code: BR, production: 69900 }] }
`

async function projectTools(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'materia-bench-tools-'))
  try {
    cpSync(fileURLToPath(new URL('../pipeline/engine/testdata/example', import.meta.url)), root, {
      recursive: true,
    })
    mkdirSync(join(root, 'tests'), { recursive: true })
    writeFileSync(
      join(root, 'tests', 'test_bench.yaml'),
      Array.from({ length: 10 }, (_, i) => exampleTest(i)).join(''),
    )
    const project = await loadProject(root, { env: {} })
    const tests = await timed(() => runTests(project))
    const lint = await timed(() => lintProject(project))
    const files = readdirSync(join(root, 'models'), { recursive: true, encoding: 'utf8' }).filter((f) =>
      f.endsWith('.sql'),
    )
    const texts = files.map((file) => readFileSync(join(root, 'models', file), 'utf8'))
    const format = await timed(async () => texts.map((text) => formatModelFile(text)))
    return {
      unitTests: tests.value.length,
      unitTestsPassed: tests.value.filter((t) => t.passed).length,
      unitTestsMs: tests.ms,
      lintMs: lint.ms,
      lintFindings: lint.value.length,
      formatFiles: texts.length,
      formatMs: format.ms,
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

export async function run(): Promise<Record<string, unknown>> {
  return { ...(await diffAndAudits()), ...(await projectTools()) }
}
