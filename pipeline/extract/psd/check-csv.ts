// Reads a landed PSD CSV the way the transform project will, before it lands: DuckDB's read_csv with
// the options of sql/models/raw/psd_alldata.sql, then the casts staging makes. A file DuckDB cannot
// sniff (mixed line endings), that holds no data rows, or whose numeric columns hold text would
// otherwise land fine and break every later query; here it is refused with a reason naming the file
// and the first bad line, so the caller can quarantine it.
import { DuckDBInstance } from '@duckdb/node-api'
import { quoteIdentifier, quoteLiteral } from '../../engine/index.ts'

// The read_csv options of raw.psd_alldata (all text, header row, file name column, the published
// dialect, a 1 MB read buffer), so a file that passes here reads there; test/psd-raw-read.test.ts
// holds the two alike.
export const readOptions =
  "all_varchar = true, filename = true, union_by_name = true, header = true, delim = ',', quote = '\"', escape = '\"', buffer_size = 1048576"

// The columns staging casts, with the type it casts them to (stg_psdalldata__commodity.sql).
const typedColumns = [
  ['Market_Year', 'INTEGER'],
  ['Calendar_Year', 'INTEGER'],
  ['Month', 'INTEGER'],
  ['Value', 'DOUBLE'],
] as const

// Returns why DuckDB would fail on the file (one line naming it), or undefined when it reads cleanly.
export async function csvProblem(path: string, name: string): Promise<string | undefined> {
  const instance = await DuckDBInstance.create(':memory:')
  const connection = await instance.connect()
  try {
    const bad = (column: string, type: string) =>
      `${quoteIdentifier(column)} IS NOT NULL AND TRY_CAST(TRIM(${quoteIdentifier(column)}) AS ${type}) IS NULL`
    const columns = typedColumns.map(
      ([column, type]) =>
        `MIN(line) FILTER (WHERE ${bad(column, type)}) AS ${quoteIdentifier(`${column}_line`)}, ` +
        `ARG_MIN(${quoteIdentifier(column)}, line) FILTER (WHERE ${bad(column, type)}) AS ${quoteIdentifier(`${column}_text`)}`,
    )
    const sql = `WITH numbered AS (
        SELECT ROW_NUMBER() OVER () + 1 AS line, * FROM read_csv(${quoteLiteral(path)}, ${readOptions})
      )
      SELECT COUNT(*) AS rows, ${columns.join(', ')} FROM numbered`
    let row: Record<string, unknown>
    try {
      const reader = await connection.runAndReadAll(sql)
      row = reader.getRowObjectsJS()[0] as Record<string, unknown>
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!.replace('file ""', () => `file "${name}"`)
      return `${name} is not readable as CSV by DuckDB (${message}); check line endings and quoting`
    }
    if (Number(row.rows) === 0) return `${name} holds no data rows (header only or empty)`
    for (const [column, type] of typedColumns) {
      const line = row[`${column}_line`]
      if (line === null || line === undefined) continue
      const text = String(row[`${column}_text`]).slice(0, 40)
      return `${name} line ${line}: ${column} "${text}" is not ${type === 'DOUBLE' ? 'a number' : 'an integer'}`
    }
    return undefined
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}
