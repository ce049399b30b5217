// Loading a unit test's fixture (rows, a CSV file or a query) into a table typed with a model's
// output schema. Columns a fixture leaves out stay NULL of the right type; a column the schema does
// not have is an error naming the test. Values are cast by DuckDB, so '2020-01-01' becomes a DATE
// where the model outputs one.
import { existsSync, readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { parse } from 'yaml'
import type { ColumnSchema } from './model-schema.ts'
import { createEmptyTable } from './model-schema.ts'
import { quoteIdentifier, quoteLiteral, quoteQualified } from './sql-quote.ts'
import type { Fixture, Row } from './test-file.ts'

export type Fail = (message: string) => never

function sqlValue(value: unknown): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : quoteLiteral(String(value))
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (typeof value === 'bigint') return value.toString()
  if (value instanceof Date) return quoteLiteral(value.toISOString())
  if (typeof value === 'string') return quoteLiteral(value)
  return quoteLiteral(JSON.stringify(value))
}

// The schema's column for a fixture column (DuckDB matches names without regard to case).
function checkColumns(
  names: readonly string[],
  columns: readonly ColumnSchema[],
  what: string,
  fail: Fail,
): void {
  const known = new Set(columns.map((c) => c.name.toLowerCase()))
  const unknown = names.filter((n) => !known.has(n.toLowerCase()))
  if (unknown.length > 0) {
    const list = columns.map((c) => c.name).join(', ')
    fail(`${what} has column ${unknown.join(', ')}, which it does not output (it has ${list})`)
  }
}

export async function loadFixture(
  connection: DuckDBConnection,
  table: string,
  columns: readonly ColumnSchema[],
  fixture: Fixture,
  options: { root: string; what: string; fail: Fail },
): Promise<void> {
  const { root, what, fail } = options
  await createEmptyTable(connection, table, columns)
  const target = quoteQualified(table)
  const filePath = (path: string) => (isAbsolute(path) ? path : join(root, path))
  try {
    const rows =
      fixture.kind === 'rows'
        ? fixture.rows
        : fixture.kind === 'yaml'
          ? yamlRows(filePath(fixture.path), what, fail)
          : null
    if (rows !== null) {
      checkColumns([...new Set(rows.flatMap((row) => Object.keys(row)))], columns, what, fail)
      if (rows.length > 0) await connection.run(insertRowsSql(target, columns, rows))
      return
    }
    const source =
      fixture.kind === 'csv'
        ? `read_csv(${quoteLiteral(filePath(fixture.path))}, header = true, all_varchar = true, delim = ${quoteLiteral(fixture.separator)})`
        : fixture.kind === 'query'
          ? `(${fixture.query.trim().replace(/;$/, '')})`
          : fail(`${what}: unknown fixture`)
    const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)
    checkColumns(
      described.getRowObjectsJson().map((row) => String(row.column_name)),
      columns,
      what,
      fail,
    )
    await connection.run(`INSERT INTO ${target} BY NAME SELECT * FROM ${source}`)
  } catch (error) {
    if (error instanceof Error && error.name === 'MateriaError') throw error
    const message = error instanceof Error ? (error.message.split('\n')[0] ?? '') : String(error)
    fail(`${what} could not be loaded: ${message}`)
  }
}

// A YAML file of rows: a list of mappings, or { rows: [...] }.
function yamlRows(path: string, what: string, fail: Fail): Row[] {
  if (!existsSync(path)) return fail(`${what}: file not found: ${path}`)
  const document = parse(readFileSync(path, 'utf8')) as unknown
  const list = Array.isArray(document) ? document : (document as { rows?: unknown } | null)?.rows
  if (
    !Array.isArray(list) ||
    list.some((row) => typeof row !== 'object' || row === null || Array.isArray(row))
  )
    return fail(`${what}: ${path} must hold a YAML list of rows (column: value)`)
  return list.map((row) =>
    Object.fromEntries(
      Object.entries(row as Record<string, unknown>).map(([key, value]) => [key.toLowerCase(), value]),
    ),
  )
}

function insertRowsSql(target: string, columns: readonly ColumnSchema[], rows: readonly Row[]): string {
  const byName = new Map(columns.map((c) => [c.name.toLowerCase(), c]))
  const names = [...new Set(rows.flatMap((row) => Object.keys(row)))]
  const values = rows.map((row) => {
    const cells = names.map(
      (name) => `CAST(${sqlValue(row[name])} AS ${byName.get(name)?.type ?? 'VARCHAR'})`,
    )
    return `(${cells.join(', ')})`
  })
  const list = names.map((name) => quoteIdentifier(byName.get(name)?.name ?? name)).join(', ')
  return `INSERT INTO ${target} (${list}) VALUES ${values.join(', ')}`
}
