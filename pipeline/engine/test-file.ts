// Unit-test files, sql/tests/test_*.yaml, in SQLMesh's format:
//   test_stg_psd:
//     model: staging.stg_psd
//     inputs:
//       raw.psd_alldata: { rows: [{ country_code: BR, value: 60500 }] }   # or { format: csv, path }
//                                                                         # or { query: SELECT ... }
//     outputs:
//       query: { partial: true, rows: [{ country_code: BR }] }            # and/or ctes: { name: ... }
//     vars: { start: 2020-01-01, end: 2020-12-31, execution_time: 2021-01-01, other: value }
// Parsing is synchronous and checks shape only; columns are checked against the models when run.
import { isMap, LineCounter, parseDocument } from 'yaml'
import { MateriaError } from '../errors.ts'
import { testRowsMax } from '../limits.ts'

export type Row = Readonly<Record<string, unknown>>

export type Fixture =
  | { readonly kind: 'rows'; readonly rows: readonly Row[] }
  | { readonly kind: 'csv'; readonly path: string; readonly separator: string } // relative to the project root
  | { readonly kind: 'yaml'; readonly path: string } // a YAML list of rows, relative to the project root
  | { readonly kind: 'query'; readonly query: string }

// A test that cannot run as written: it fails alone, with this message, and the others still run.
export interface TestProblem {
  readonly name: string // the test's name, or the file's path when the file itself is unreadable
  readonly path: string
  readonly line: number
  readonly message: string // "tests/x.yaml:3 test t: ..." as a MateriaError would say it
}

export interface ExpectedOutput {
  readonly fixture: Fixture
  readonly partial: boolean // compare only the columns the expected rows name
}

export interface UnitTest {
  readonly name: string
  readonly path: string // relative to the project root, for messages
  readonly line: number
  readonly model: string
  readonly inputs: ReadonlyMap<string, Fixture>
  readonly query: ExpectedOutput | null
  readonly ctes: ReadonlyMap<string, ExpectedOutput>
  readonly vars: Readonly<Record<string, unknown>>
}

type Fail = (message: string) => never

// The file's tests, and a problem for each test (or for the whole file) that is malformed.
export function readTestFile(text: string, path: string): { tests: UnitTest[]; problems: TestProblem[] } {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, schema: 'core', uniqueKeys: true })
  const [error] = document.errors
  const whole = (line: number, message: string) => ({
    tests: [],
    problems: [{ name: path, path, line, message: `${path}:${line} ${message}` }],
  })
  if (error !== undefined) {
    const line = error.linePos?.[0].line ?? 1
    const message = error.message.split('\n')[0] ?? ''
    return whole(line, `invalid YAML: ${message}; fix the file's indentation or quoting`)
  }
  const contents = document.contents
  if (contents === null) return { tests: [], problems: [] }
  if (!isMap(contents)) return whole(1, 'a test file is a mapping of test names to tests')
  const plain = document.toJS() as Record<string, unknown>
  const tests: UnitTest[] = []
  const problems: TestProblem[] = []
  for (const item of contents.items) {
    const name = String((item.key as { value?: unknown } | null)?.value ?? item.key)
    const offset = (item.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0
    const line = lineCounter.linePos(offset).line
    const fail: Fail = (message) => {
      throw new MateriaError('test', `${path}:${line} test ${name}: ${message}`)
    }
    try {
      tests.push(parseTest(name, path, line, plain[name], fail))
    } catch (problem) {
      if (!(problem instanceof MateriaError)) throw problem
      problems.push({ name, path, line, message: problem.message })
    }
  }
  return { tests, problems }
}

function parseTest(name: string, path: string, line: number, value: unknown, fail: Fail): UnitTest {
  if (!isRecord(value)) return fail('expected a mapping with model, inputs and outputs')
  // gateway and schema choose SQLMesh's test connection and fixture schema: one DuckDB here.
  const known = ['model', 'inputs', 'outputs', 'vars', 'description', 'gateway', 'schema']
  const unknown = Object.keys(value).filter((key) => !known.includes(key))
  if (unknown.length > 0) fail(`unknown key ${unknown.join(', ')}; use ${known.join(', ')}`)
  if (typeof value.model !== 'string' || value.model.trim() === '') fail('needs model: schema.name')
  const inputs = value.inputs ?? {}
  if (!isRecord(inputs)) return fail('inputs must map upstream model names to fixtures')
  const outputs = value.outputs
  if (!isRecord(outputs)) return fail('needs outputs: { query: { rows: [...] } }')
  const outputKeys = Object.keys(outputs).filter((key) => !['query', 'ctes', 'partial'].includes(key))
  if (outputKeys.length > 0) fail(`unknown outputs key ${outputKeys.join(', ')}; use query, ctes or partial`)
  if (outputs.partial !== undefined && typeof outputs.partial !== 'boolean')
    fail('outputs.partial must be true or false')
  // outputs.partial applies to every expected output that does not say otherwise (tests.md).
  const partialAll = outputs.partial === true
  const ctes = outputs.ctes ?? {}
  if (!isRecord(ctes)) return fail('outputs.ctes must map CTE names to expected rows')
  if (outputs.query === undefined && Object.keys(ctes).length === 0) fail('outputs needs query or ctes')
  const vars = value.vars ?? {}
  if (!isRecord(vars)) return fail('vars must be a mapping')
  return {
    name,
    path,
    line,
    model: String(value.model).trim().toLowerCase(),
    inputs: new Map(
      Object.entries(inputs).map(([model, fixture]) => [
        model.toLowerCase(),
        parseFixture(fixture, `input ${model}`, fail),
      ]),
    ),
    query:
      outputs.query === undefined ? null : parseExpected(outputs.query, 'outputs.query', partialAll, fail),
    ctes: new Map(
      Object.entries(ctes).map(([cte, expected]) => [
        cte.toLowerCase(),
        parseExpected(expected, `outputs.ctes.${cte}`, partialAll, fail),
      ]),
    ),
    vars,
  }
}

function parseExpected(value: unknown, where: string, partialAll: boolean, fail: Fail): ExpectedOutput {
  const partial = isRecord(value) && value.partial !== undefined ? value.partial === true : partialAll
  if (isRecord(value) && value.partial !== undefined && typeof value.partial !== 'boolean')
    fail(`${where}.partial must be true or false`)
  const { partial: _, ...rest } = isRecord(value) ? value : { rows: value }
  return { fixture: parseFixture(isRecord(value) ? rest : value, where, fail), partial }
}

// A fixture: a list of rows, { rows }, { format: csv, path } or { query }.
function parseFixture(value: unknown, where: string, fail: Fail): Fixture {
  if (Array.isArray(value)) return { kind: 'rows', rows: parseRows(value, where, fail) }
  if (!isRecord(value))
    return fail(
      `${where} must be a list of rows, { rows: [...] }, { format: csv, path: ... } or { query: ... }`,
    )
  const known = ['rows', 'query', 'format', 'path', 'csv_settings', 'columns']
  const unknown = Object.keys(value).filter((key) => !known.includes(key))
  if (unknown.length > 0) fail(`${where} has unknown key ${unknown.join(', ')}; use ${known.join(', ')}`)
  if (value.format !== undefined && value.format !== 'csv' && value.format !== 'yaml')
    fail(`${where}.format must be yaml or csv`)
  if (value.query !== undefined && value.rows !== undefined)
    fail(`${where} has both query and rows; keep one`)
  const separator = csvSeparator(value.csv_settings, where, fail)
  if (value.rows !== undefined) {
    if (value.format === 'csv') {
      if (typeof value.rows !== 'string')
        return fail(`${where}.rows must be CSV text (rows: |) when format is csv`)
      return { kind: 'rows', rows: parseRows(csvRows(value.rows, separator), where, fail) }
    }
    if (!Array.isArray(value.rows)) return fail(`${where}.rows must be a list of rows`)
    return { kind: 'rows', rows: parseRows(value.rows, where, fail) }
  }
  if (value.query !== undefined) {
    if (typeof value.query !== 'string') return fail(`${where}.query must be SQL text`)
    return { kind: 'query', query: value.query }
  }
  if (value.path !== undefined) {
    if (typeof value.path !== 'string') return fail(`${where}.path must be a file relative to the project`)
    // Without format the file is a YAML document (tests.md, "Using files to populate data").
    return value.format === 'csv'
      ? { kind: 'csv', path: value.path, separator }
      : { kind: 'yaml', path: value.path }
  }
  return fail(`${where} needs rows, query or path`)
}

function csvSeparator(settings: unknown, where: string, fail: Fail): string {
  if (settings === undefined) return ','
  if (!isRecord(settings)) return fail(`${where}.csv_settings must be a mapping like { sep: ';' }`)
  const separator = settings.sep ?? settings.delimiter ?? ','
  if (typeof separator !== 'string' || separator.length !== 1)
    return fail(`${where}.csv_settings.sep must be one character`)
  return separator
}

// Inline CSV rows: a header line, then one line per row; "quoted" fields may hold the separator.
// An empty field is NULL, as pandas reads it.
function csvRows(text: string, separator: string): Record<string, unknown>[] {
  const lines = text.split(/\r?\n/).filter((line) => line.trim() !== '')
  const split = (line: string): (string | null)[] => {
    const fields: (string | null)[] = []
    let field = ''
    let quoted = false
    let wasQuoted = false
    for (let index = 0; index < line.length; index += 1) {
      const char = line[index]!
      if (quoted) {
        if (char === '"' && line[index + 1] === '"') {
          field += '"'
          index += 1
        } else if (char === '"') quoted = false
        else field += char
      } else if (char === '"') {
        quoted = true
        wasQuoted = true
      } else if (char === separator) {
        fields.push(field === '' && !wasQuoted ? null : field)
        field = ''
        wasQuoted = false
      } else field += char
    }
    fields.push(field === '' && !wasQuoted ? null : field)
    return fields
  }
  const [header, ...rows] = lines.map(split)
  const names = (header ?? []).map((name) => (name ?? '').trim())
  return rows.map((cells) => Object.fromEntries(names.map((name, index) => [name, cells[index] ?? null])))
}

function parseRows(rows: readonly unknown[], where: string, fail: Fail): Row[] {
  if (rows.length > testRowsMax)
    fail(
      `${where} has ${rows.length} rows, more than testRowsMax ${testRowsMax}; use a model run for data this size`,
    )
  return rows.map((row, i) => {
    if (!isRecord(row)) return fail(`${where} row ${i + 1} must be a mapping of column: value`)
    return Object.fromEntries(Object.entries(row).map(([key, value]) => [key.toLowerCase(), value]))
  })
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
