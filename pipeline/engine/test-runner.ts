// Unit tests (`materia test`, and `materia plan` before it applies): each test runs its model's query
// in a fresh in-memory DuckDB holding only the test's fixtures, typed with the upstream models' real
// output schemas, and compares the result with the expected rows (order-insensitive, numbers within
// a tolerance). A failure's message is a readable row diff. Malformed tests are operating errors.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { isMateriaError, MateriaError } from '../errors.ts'
import { testFilesMax } from '../limits.ts'
import { fingerprintProject } from './fingerprint.ts'
import { type ColumnSchema, deriveSchemas, type ModelSchema } from './model-schema.ts'
import type { LoadProblem, Project } from './project.ts'
import { renderMacros } from './render.ts'
import { type ComparedColumn, compareRows, isNumericType, rowDiffText } from './row-compare.ts'
import { quoteIdentifier } from './sql-quote.ts'
import {
  type CachedFile,
  type CachedTest,
  csvFiles,
  readTestCache,
  sha256,
  testKeyer,
  writeTestCache,
} from './test-cache.ts'
import { ctesQuery, testContext, testProject } from './test-context.ts'
import { type ExpectedOutput, parseTestFile, type Row, type UnitTest } from './test-file.ts'
import { type Fail, loadFixture } from './test-fixture.ts'

export interface TestResult {
  name: string
  model: string
  path: string
  passed: boolean
  message: string // empty when passed; the row diff or the query's error when failed
  durationMs: number
  cached: boolean // passed before and unchanged since (see test-cache.ts): not run this time
}

export interface RunTestsOptions {
  readonly names?: readonly string[]
  // Skip the test files unchanged since all their tests passed (test-cache.ts); record this run.
  readonly cachePath?: string
  readonly rerun?: boolean // with cachePath: run every test anyway, still recording the passes
}

// The test files, relative to the project root: tests/test_*.yaml, sorted.
export function testFiles(project: Project): string[] {
  const folder = join(project.root, 'tests')
  if (!existsSync(folder)) return []
  const files = readdirSync(folder)
    .filter((file) => /^test_.*\.ya?ml$/.test(file))
    .sort()
  if (files.length > testFilesMax)
    throw new MateriaError(
      'limit',
      `tests/ holds ${files.length} test files, more than testFilesMax ${testFilesMax}`,
    )
  return files.map((file) => `tests/${file}`)
}

export function loadTests(project: Project): UnitTest[] {
  const tests = testFiles(project).flatMap((path) =>
    parseTestFile(readFileSync(join(project.root, path), 'utf8'), path),
  )
  checkTests(project, tests, [])
  return tests
}

// Names are unique across all files, the cached ones included; each parsed test fits its model.
function checkTests(
  project: Project,
  tests: readonly UnitTest[],
  cached: readonly Pick<UnitTest, 'name' | 'path' | 'line'>[],
): void {
  const seen = new Map<string, Pick<UnitTest, 'path' | 'line'>>()
  for (const test of cached) seen.set(test.name, test)
  for (const test of tests) {
    const other = seen.get(test.name)
    if (other !== undefined)
      throw new MateriaError(
        'test',
        `${test.path}:${test.line} test ${test.name} is also defined at ${other.path}:${other.line}; rename one`,
      )
    seen.set(test.name, test)
    checkTest(project, test)
  }
}

function failFor(test: UnitTest): Fail {
  return (message) => {
    throw new MateriaError('test', `${test.path}:${test.line} test ${test.name}: ${message}`)
  }
}

function checkTest(project: Project, test: UnitTest): void {
  const fail = failFor(test)
  const unavailable = project.unavailable?.get(test.model)
  if (unavailable !== undefined) fail(`model ${test.model} cannot load: ${unavailable}`)
  if (!project.models.has(test.model)) fail(`unknown model ${test.model}; check its name in the MODEL header`)
  const parents = project.parents.get(test.model) ?? []
  for (const input of test.inputs.keys()) {
    if (!parents.includes(input) && project.externals?.has(input) !== true) {
      const list = parents.length === 0 ? 'none' : parents.join(', ')
      fail(`input ${input} is not read by ${test.model} (it reads ${list})`)
    }
  }
}

// Every test file parsed on its own: a malformed file or test is a problem of that file, and the
// other files' tests still run (materia validate lists the problems; runTests fails them alone).
export function loadTestFiles(project: Project): {
  tests: UnitTest[]
  problems: LoadProblem[]
  count: number
} {
  const tests: UnitTest[] = []
  const problems: LoadProblem[] = []
  const seen = new Map<string, UnitTest>()
  for (const path of testFiles(project)) {
    try {
      for (const test of parseTestFile(readFileSync(join(project.root, path), 'utf8'), path)) {
        const other = seen.get(test.name)
        if (other !== undefined)
          throw new MateriaError(
            'test',
            `${test.path}:${test.line} test ${test.name} is also defined at ${other.path}:${other.line}; rename one`,
          )
        seen.set(test.name, test)
        try {
          checkTest(project, test)
          tests.push(test)
        } catch (error) {
          if (!isMateriaError(error)) throw error
          problems.push({ path, model: test.model, message: error.message })
        }
      }
    } catch (error) {
      if (!isMateriaError(error)) throw error
      problems.push({ path, model: null, message: error.message })
    }
  }
  return { tests, problems, count: tests.length + problems.length }
}

export async function runTests(project: Project, options: RunTestsOptions = {}): Promise<TestResult[]> {
  const names = options.names ?? []
  if (options.cachePath !== undefined) {
    assert(names.length === 0, 'a cached run runs every test')
    return runTestsCached(project, options.cachePath, options.rerun === true)
  }
  const { tests: all, problems } = loadTestFiles(project)
  const unknown = names.filter((name) => !all.some((test) => test.name === name))
  if (unknown.length > 0)
    throw new MateriaError('test', `no test named ${unknown.join(', ')}; run materia test to list them`)
  const selected = names.length === 0 ? all : all.filter((test) => names.includes(test.name))
  // A malformed test fails on its own; the rest run.
  const failedToLoad: TestResult[] = (names.length === 0 ? problems : []).map((problem) => ({
    name: problem.path,
    model: problem.model ?? '',
    path: problem.path,
    passed: false,
    message: problem.message,
    durationMs: 0,
    cached: false,
  }))
  return [...failedToLoad, ...(await runSelected(project, selected))]
}

async function runTestsCached(project: Project, cachePath: string, rerun: boolean): Promise<TestResult[]> {
  const keyOf = testKeyer(project, await fingerprintProject(project))
  const before = rerun ? new Map<string, CachedFile>() : await readTestCache(cachePath)
  const files: { path: string; sha256: string; cached: CachedFile | null; tests: UnitTest[] }[] = []
  for (const path of testFiles(project)) {
    const bytes = readFileSync(join(project.root, path))
    const fileSha256 = sha256(bytes)
    const entry = before.get(path)
    const unchanged =
      entry !== undefined &&
      entry.sha256 === fileSha256 &&
      entry.tests.every((test) => keyOf(fileSha256, test) === test.key)
    if (unchanged) files.push({ path, sha256: fileSha256, cached: entry, tests: [] })
    else
      files.push({
        path,
        sha256: fileSha256,
        cached: null,
        tests: parseTestFile(bytes.toString('utf8'), path),
      })
  }
  const cachedTests = files.flatMap((file) =>
    (file.cached?.tests ?? []).map((test) => ({ ...test, path: file.path })),
  )
  const parsed = files.flatMap((file) => file.tests)
  checkTests(project, parsed, cachedTests)
  const ran = new Map((await runSelected(project, parsed)).map((outcome) => [outcome.name, outcome]))
  const after = new Map<string, CachedFile>()
  const results: TestResult[] = []
  for (const file of files) {
    if (file.cached !== null) {
      after.set(file.path, file.cached)
      for (const test of file.cached.tests) {
        results.push({
          name: test.name,
          model: test.model,
          path: file.path,
          passed: true,
          message: '',
          durationMs: 0,
          cached: true,
        })
      }
      continue
    }
    const outcomes = file.tests.map((test) => ran.get(test.name)!)
    results.push(...outcomes)
    const entries = file.tests.map((test) => {
      const fields = { name: test.name, model: test.model, line: test.line, csvFiles: csvFiles(test) }
      return { ...fields, key: keyOf(file.sha256, fields) }
    })
    if (outcomes.every((outcome) => outcome.passed) && entries.every((entry) => entry.key !== null)) {
      after.set(file.path, { sha256: file.sha256, tests: entries as CachedTest[] })
    }
  }
  await writeTestCache(cachePath, after)
  return results
}

async function runSelected(project: Project, selected: readonly UnitTest[]): Promise<TestResult[]> {
  if (selected.length === 0) return []
  const schemas = await deriveSchemas(
    project,
    selected.map((test) => test.model),
    testContext(project, selected[0]!, failFor(selected[0]!)),
  )
  const results: TestResult[] = []
  for (const test of selected) results.push(await runTest(project, test, schemas))
  return results
}

async function runTest(
  project: Project,
  test: UnitTest,
  schemas: ReadonlyMap<string, ModelSchema>,
): Promise<TestResult> {
  const started = performance.now()
  const fail = failFor(test)
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    await loadInputs(connection, project, test, schemas, fail)
    await loadExternalInputs(connection, project, test, fail)
    const model = project.models.get(test.model)!
    const sql = renderMacros(testProject(project, test), model, testContext(project, test, fail))
    const failures: string[] = []
    if (test.query !== null) {
      const diff = await compareOutput(connection, project, sql, test.query, { what: 'outputs.query', fail })
      if (diff !== null) failures.push(`outputs.query: ${diff}`)
    }
    for (const [cte, expected] of test.ctes) {
      const cteSql = await ctesQuery(connection, sql, cte, fail)
      const diff = await compareOutput(connection, project, cteSql, expected, {
        what: `outputs.ctes.${cte}`,
        fail,
      })
      if (diff !== null) failures.push(`outputs.ctes.${cte}: ${diff}`)
    }
    const message =
      failures.length === 0
        ? ''
        : `${test.name} (${test.path}:${test.line}) on ${test.model}\n${failures.join('\n')}`
    return result(test, failures.length === 0, message, started)
  } catch (error) {
    if (error instanceof MateriaError) throw error
    const text = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    return result(
      test,
      false,
      `${test.name} (${test.path}:${test.line}) on ${test.model}\nquery failed: ${text}`,
      started,
    )
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

function result(test: UnitTest, passed: boolean, message: string, started: number): TestResult {
  return {
    name: test.name,
    model: test.model,
    path: test.path,
    passed,
    message,
    durationMs: performance.now() - started,
    cached: false,
  }
}

// Every parent gets a table: its fixture, or empty. A parent whose schema could not be derived
// (say, a raw model whose landing files are absent) is typed from its fixture's values instead.
async function loadInputs(
  connection: DuckDBConnection,
  project: Project,
  test: UnitTest,
  schemas: ReadonlyMap<string, ModelSchema>,
  fail: Fail,
): Promise<void> {
  for (const parent of project.parents.get(test.model) ?? []) {
    const model = project.models.get(parent)
    if (model === undefined) continue
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(model.schema)}`)
    const fixture = test.inputs.get(parent) ?? { kind: 'rows', rows: [] }
    const schema = schemas.get(parent)
    const columns =
      schema?.ok === true ? schema.columns : inferColumns(fixture.kind === 'rows' ? fixture.rows : [])
    if (columns.length === 0) {
      fail(
        `cannot type input ${parent}: ${schema?.ok === false ? schema.problem : 'no schema'}; give it rows in the test`,
      )
    }
    await loadFixture(connection, parent, columns, fixture, {
      root: project.root,
      what: `input ${parent}`,
      fail,
    })
  }
}

// Inputs naming an external table (external_models.yaml) get its declared column types.
async function loadExternalInputs(
  connection: DuckDBConnection,
  project: Project,
  test: UnitTest,
  fail: Fail,
): Promise<void> {
  for (const [name, fixture] of test.inputs) {
    const external = project.externals?.get(name)
    if (external === undefined) continue
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(name.split('.')[0]!)}`)
    const columns =
      external.columns.length > 0
        ? external.columns
        : inferColumns(fixture.kind === 'rows' ? fixture.rows : [])
    await loadFixture(connection, name, columns, fixture, { root: project.root, what: `input ${name}`, fail })
  }
}

function inferColumns(rows: readonly Row[]): ColumnSchema[] {
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  return names.map((name) => {
    const values = rows.map((row) => row[name]).filter((v) => v !== null && v !== undefined)
    const type = values.every((v) => typeof v === 'boolean')
      ? 'BOOLEAN'
      : values.every((v) => Number.isInteger(v))
        ? 'BIGINT'
        : values.every((v) => typeof v === 'number')
          ? 'DOUBLE'
          : 'VARCHAR'
    return { name, type: values.length === 0 ? 'VARCHAR' : type }
  })
}

// Loads the expected rows typed like the actual output, then compares; null when they match.
async function compareOutput(
  connection: DuckDBConnection,
  project: Project,
  sql: string,
  expected: ExpectedOutput,
  options: { what: string; fail: Fail },
): Promise<string | null> {
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM (${sql})`)).getRowObjectsJson()
  const actualColumns = described.map((row) => ({
    name: String(row.column_name),
    type: String(row.column_type),
  }))
  const fixture = expected.fixture
  const named = fixture.kind === 'rows' ? [...new Set(fixture.rows.flatMap((row) => Object.keys(row)))] : null
  const columns =
    expected.partial && named !== null
      ? actualColumns.filter((c) => named.includes(c.name.toLowerCase()))
      : actualColumns
  await loadFixture(connection, 'main.__materia_expected', columns, fixture, {
    root: project.root,
    what: options.what,
    fail: options.fail,
  })
  const list = columns.map((c) => quoteIdentifier(c.name)).join(', ')
  const expectedRows = (
    await connection.runAndReadAll(`SELECT ${list} FROM main.__materia_expected`)
  ).getRowObjectsJson()
  const actualRows = (await connection.runAndReadAll(`SELECT ${list} FROM (${sql})`)).getRowObjectsJson()
  const compared: ComparedColumn[] = columns.map((c) => ({ name: c.name, numeric: isNumericType(c.type) }))
  const comparison = compareRows(compared, expectedRows, actualRows)
  if (comparison.missing.length === 0 && comparison.unexpected.length === 0) return null
  return rowDiffText(compared, comparison, expectedRows.length, actualRows.length)
}
