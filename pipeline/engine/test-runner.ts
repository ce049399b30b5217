// Unit tests (`materia test`, and `materia plan` before it applies): each test runs its model's query
// in a fresh in-memory DuckDB holding only the test's fixtures, typed with the upstream models' real
// output schemas, and compares the result with the expected rows (order-insensitive, numbers within
// a tolerance). A failure's message is a readable row diff. Malformed tests are operating errors.
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { testFilesMax } from '../limits.ts'
import { fingerprintProject } from './fingerprint.ts'
import { type ColumnSchema, deriveSchemas, type ModelSchema } from './model-schema.ts'
import type { LoadProblem, Project } from './project.ts'
import { placeholderContext, type RenderContext, renderMacros } from './render.ts'
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
import { ctesQuery, freezeTime, testContext, testProject } from './test-context.ts'
import { type ExpectedOutput, type Row, readTestFile, type TestProblem, type UnitTest } from './test-file.ts'
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

interface RunTestsOptions {
  readonly names?: readonly string[]
  // Skip the test files unchanged since all their tests passed (test-cache.ts); record this run.
  readonly cachePath?: string
  readonly rerun?: boolean // with cachePath: run every test anyway, still recording the passes
}

// The test files, relative to the project root: tests/test_*.yaml, sorted.
function testFiles(project: Project): string[] {
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

// The project's tests and, apart, those that cannot run as written (a malformed file or test, an
// unknown model, an input the model does not read, a name used twice): each of those fails alone.
function loadTestSuite(project: Project): { tests: UnitTest[]; problems: TestProblem[] } {
  const tests: UnitTest[] = []
  const problems: TestProblem[] = []
  for (const path of testFiles(project)) {
    const read = readTestFile(readFileSync(join(project.root, path), 'utf8'), path)
    tests.push(...read.tests)
    problems.push(...read.problems)
  }
  const valid = checkTests(project, tests, [], problems)
  return { tests: valid, problems }
}

// The runnable tests; the first problem, if any, is thrown (for callers that need every test).
export function loadTests(project: Project): UnitTest[] {
  const { tests, problems } = loadTestSuite(project)
  if (problems[0] !== undefined) throw new MateriaError('test', problems[0].message)
  return tests
}

// Names are unique across all files, the cached ones included; each parsed test fits its model.
// Returns the tests that may run; the others are added to `problems`.
function checkTests(
  project: Project,
  tests: readonly UnitTest[],
  cached: readonly Pick<UnitTest, 'name' | 'path' | 'line'>[],
  problems: TestProblem[],
): UnitTest[] {
  const seen = new Map<string, Pick<UnitTest, 'path' | 'line'>>()
  for (const test of cached) seen.set(test.name, test)
  const valid: UnitTest[] = []
  for (const test of tests) {
    const other = seen.get(test.name)
    const problem =
      other === undefined
        ? checkTest(project, test)
        : `${test.path}:${test.line} test ${test.name} is also defined at ${other.path}:${other.line}; rename one`
    seen.set(test.name, test)
    if (problem === null) valid.push(test)
    else problems.push({ name: test.name, path: test.path, line: test.line, message: problem })
  }
  return valid
}

function problemResult(problem: TestProblem): TestResult {
  return {
    name: problem.name,
    model: '',
    path: problem.path,
    passed: false,
    message: problem.message,
    durationMs: 0,
    cached: false,
  }
}

function failFor(test: UnitTest): Fail {
  return (message) => {
    throw new MateriaError('test', `${test.path}:${test.line} test ${test.name}: ${message}`)
  }
}

function checkTest(project: Project, test: UnitTest): string | null {
  const where = `${test.path}:${test.line} test ${test.name}:`
  const unavailable = project.unavailable?.get(test.model)
  if (unavailable !== undefined) return `${where} model ${test.model} cannot load: ${unavailable}`
  if (!project.models.has(test.model))
    return `${where} unknown model ${test.model}; check its name in the MODEL header`
  const parents = project.parents.get(test.model) ?? []
  for (const input of test.inputs.keys()) {
    // The model's own table is an input too: an incremental model reading its previous rows.
    // A table declared in external_models.yaml is read from outside the project.
    if (!parents.includes(input) && input !== test.model && project.externals?.has(input) !== true) {
      const list = parents.length === 0 ? 'none' : parents.join(', ')
      return `${where} input ${input} is not read by ${test.model} (it reads ${list})`
    }
  }
  return null
}

// The tests and their problems as the project's load problems (materia validate lists them; runTests
// fails each alone). count: every test, runnable or not.
export function loadTestFiles(project: Project): {
  tests: UnitTest[]
  problems: LoadProblem[]
  count: number
} {
  const { tests, problems } = loadTestSuite(project)
  return {
    tests,
    problems: problems.map((problem) => ({ path: problem.path, model: null, message: problem.message })),
    count: tests.length + problems.length,
  }
}

export async function runTests(project: Project, options: RunTestsOptions = {}): Promise<TestResult[]> {
  const names = options.names ?? []
  if (options.cachePath !== undefined) {
    assert(names.length === 0, 'a cached run runs every test')
    return runTestsCached(project, options.cachePath, options.rerun === true)
  }
  const { tests: all, problems } = loadTestSuite(project)
  const unknown = names.filter(
    (name) => !all.some((test) => test.name === name) && !problems.some((problem) => problem.name === name),
  )
  if (unknown.length > 0)
    throw new MateriaError('test', `no test named ${unknown.join(', ')}; run materia test to list them`)
  const selected = names.length === 0 ? all : all.filter((test) => names.includes(test.name))
  const broken = names.length === 0 ? problems : problems.filter((problem) => names.includes(problem.name))
  return [...broken.map(problemResult), ...(await runSelected(project, selected))]
}

async function runTestsCached(project: Project, cachePath: string, rerun: boolean): Promise<TestResult[]> {
  const keyOf = testKeyer(project, await fingerprintProject(project))
  const before = rerun ? new Map<string, CachedFile>() : await readTestCache(cachePath)
  const files: {
    path: string
    sha256: string
    cached: CachedFile | null
    tests: UnitTest[]
    problems: TestProblem[]
  }[] = []
  for (const path of testFiles(project)) {
    const bytes = readFileSync(join(project.root, path))
    const fileSha256 = sha256(bytes)
    const entry = before.get(path)
    const unchanged =
      entry !== undefined &&
      entry.sha256 === fileSha256 &&
      entry.tests.every((test) => keyOf(fileSha256, test) === test.key)
    if (unchanged) files.push({ path, sha256: fileSha256, cached: entry, tests: [], problems: [] })
    else
      files.push({
        path,
        sha256: fileSha256,
        cached: null,
        ...readTestFile(bytes.toString('utf8'), path),
      })
  }
  const cachedTests = files.flatMap((file) =>
    (file.cached?.tests ?? []).map((test) => ({ ...test, path: file.path })),
  )
  const parsed = files.flatMap((file) => file.tests)
  const checkProblems: TestProblem[] = []
  const valid = checkTests(project, parsed, cachedTests, checkProblems)
  const ran = new Map((await runSelected(project, valid)).map((outcome) => [outcome.name, outcome]))
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
    // A malformed test fails alone; its file is not recorded as passed.
    const problems = [...file.problems, ...checkProblems.filter((problem) => problem.path === file.path)]
    const outcomes = [
      ...problems.map(problemResult),
      ...file.tests.flatMap((test) => {
        const outcome = ran.get(test.name)
        return outcome === undefined || outcome.path !== file.path ? [] : [outcome]
      }),
    ]
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
  // Schemas need an interval, any interval: a test whose vars are bad fails on its own later.
  let context: RenderContext = placeholderContext
  try {
    context = testContext(project, selected[0]!, failFor(selected[0]!))
  } catch (error) {
    if (!(error instanceof MateriaError)) throw error
  }
  const schemas = await deriveSchemas(project, [...new Set(selected.map((test) => test.model))], context)
  const results: TestResult[] = []
  for (const test of selected) results.push(await runTest(project, test, schemas))
  return results
}

// Loads a test's inputs into its connection and returns the model's query rendered over them.
async function testQuery(
  connection: DuckDBConnection,
  project: Project,
  test: UnitTest,
  schemas: ReadonlyMap<string, ModelSchema>,
  fail: Fail,
): Promise<string> {
  await loadInputs(connection, project, test, schemas, fail)
  await loadExternalInputs(connection, project, test, fail)
  const model = project.models.get(test.model)!
  return freezeTime(
    renderMacros(testProject(project, test), model, testContext(project, test, fail)),
    test,
    fail,
  )
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
    const sql = await testQuery(connection, project, test, schemas, fail)
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
    // A test that cannot run as written fails alone; the others still run.
    if (error instanceof MateriaError) return result(test, false, error.message, started)
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
  // The model's own table too (empty unless the test gives rows): a model reading its previous
  // rows finds them there, as in SQLMesh's tests.
  for (const parent of [...(project.parents.get(test.model) ?? []), test.model]) {
    const model = project.models.get(parent)
    if (model === undefined) continue
    if (parent === test.model && !test.inputs.has(parent) && !readsItself(project, test.model)) continue
    await connection.run(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(model.schema)}`)
    const fixture = test.inputs.get(parent) ?? { kind: 'rows', rows: [] }
    const schema = schemas.get(parent)
    const declared = model.columns ?? []
    const columns =
      declared.length > 0
        ? declared
        : schema?.ok === true
          ? schema.columns
          : inferColumns(fixture.kind === 'rows' ? fixture.rows : [])
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

// Whether a model's query names its own table (@this_model, or its name).
function readsItself(project: Project, name: string): boolean {
  const model = project.models.get(name)!
  return (
    /@this_model\b/i.test(model.query) ||
    new RegExp(`\\b${name.replace('.', '\\.')}\\b`, 'i').test(model.query)
  )
}

// The model's output over a test's inputs (for create-test: the expected rows of a new test).
export async function modelOutputRows(project: Project, test: UnitTest): Promise<Record<string, unknown>[]> {
  const fail = failFor(test)
  const schemas = await deriveSchemas(project, [test.model], testContext(project, test, fail))
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const sql = await testQuery(connection, project, test, schemas, fail)
    return (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[]
  } finally {
    connection.closeSync()
    instance.closeSync()
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
