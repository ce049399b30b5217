// Loading a unit test's fixture (rows, a CSV file or a query) into a table typed with a model's
// output schema. Columns a fixture leaves out stay NULL of the right type; a column the schema does
// not have is an error naming the test. Values are cast by DuckDB, so '2020-01-01' becomes a DATE
// where the model outputs one.
import { isAbsolute, join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
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
  try {
    if (fixture.kind === 'rows') {
      checkColumns([...new Set(fixture.rows.flatMap((row) => Object.keys(row)))], columns, what, fail)
      if (fixture.rows.length > 0) await connection.run(insertRowsSql(target, columns, fixture.rows))
      return
    }
    const source =
      fixture.kind === 'csv'
        ? `read_csv(${quoteLiteral(isAbsolute(fixture.path) ? fixture.path : join(root, fixture.path))}, header = true, all_varchar = true)`
        : `(${fixture.query.trim().replace(/;$/, '')})`
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
