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
  | { readonly kind: 'csv'; readonly path: string } // relative to the project root
  | { readonly kind: 'query'; readonly query: string }

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

export function parseTestFile(text: string, path: string): UnitTest[] {
  const lineCounter = new LineCounter()
  const document = parseDocument(text, { lineCounter, schema: 'core', uniqueKeys: true })
  const [error] = document.errors
  if (error !== undefined) {
    const line = error.linePos?.[0].line ?? 1
    const message = error.message.split('\n')[0] ?? ''
    throw new MateriaError(
      'test',
      `${path}:${line} invalid YAML: ${message}; fix the file's indentation or quoting`,
    )
  }
  const contents = document.contents
  if (contents === null) return []
  if (!isMap(contents))
    throw new MateriaError('test', `${path}:1 a test file is a mapping of test names to tests`)
  const plain = document.toJS() as Record<string, unknown>
  return contents.items.map((item) => {
    const name = String((item.key as { value?: unknown } | null)?.value ?? item.key)
    const offset = (item.key as { range?: [number, number, number] } | null)?.range?.[0] ?? 0
    const line = lineCounter.linePos(offset).line
    const fail: Fail = (message) => {
      throw new MateriaError('test', `${path}:${line} test ${name}: ${message}`)
    }
    return parseTest(name, path, line, plain[name], fail)
  })
}

function parseTest(name: string, path: string, line: number, value: unknown, fail: Fail): UnitTest {
  if (!isRecord(value)) return fail('expected a mapping with model, inputs and outputs')
  const known = ['model', 'inputs', 'outputs', 'vars', 'description']
  const unknown = Object.keys(value).filter((key) => !known.includes(key))
  if (unknown.length > 0) fail(`unknown key ${unknown.join(', ')}; use ${known.join(', ')}`)
  if (typeof value.model !== 'string' || value.model.trim() === '') fail('needs model: schema.name')
  const inputs = value.inputs ?? {}
  if (!isRecord(inputs)) return fail('inputs must map upstream model names to fixtures')
  const outputs = value.outputs
  if (!isRecord(outputs)) return fail('needs outputs: { query: { rows: [...] } }')
  const outputKeys = Object.keys(outputs).filter((key) => key !== 'query' && key !== 'ctes')
  if (outputKeys.length > 0) fail(`unknown outputs key ${outputKeys.join(', ')}; use query or ctes`)
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
    query: outputs.query === undefined ? null : parseExpected(outputs.query, 'outputs.query', fail),
    ctes: new Map(
      Object.entries(ctes).map(([cte, expected]) => [
        cte.toLowerCase(),
        parseExpected(expected, `outputs.ctes.${cte}`, fail),
      ]),
    ),
    vars,
  }
}

function parseExpected(value: unknown, where: string, fail: Fail): ExpectedOutput {
  const partial = isRecord(value) && value.partial === true
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
  if (value.rows !== undefined) {
    if (!Array.isArray(value.rows)) return fail(`${where}.rows must be a list of rows`)
    return { kind: 'rows', rows: parseRows(value.rows, where, fail) }
  }
  if (value.query !== undefined) {
    if (typeof value.query !== 'string') return fail(`${where}.query must be SQL text`)
    return { kind: 'query', query: value.query }
  }
  if (value.format !== undefined || value.path !== undefined) {
    if (value.format !== 'csv') fail(`${where}.format must be csv`)
    if (typeof value.path !== 'string') fail(`${where} needs path: a CSV file relative to the project`)
    return { kind: 'csv', path: String(value.path) }
  }
  return fail(`${where} needs rows, query or format: csv with path`)
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
