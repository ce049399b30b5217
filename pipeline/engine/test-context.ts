// What a unit test renders its model with: the time range and execution time from `vars` (SQLMesh's
// start, end, execution_time; end is an inclusive date as in SQLMesh) and any other `vars` as
// @VAR values; and how one CTE of the model's query is selected for `outputs.ctes`.
import type { DuckDBConnection } from '@duckdb/node-api'
import type { Project } from './project.ts'
import type { RenderContext } from './render.ts'
import { quoteIdentifier, quoteLiteral } from './sql-quote.ts'
import { tokenize } from './sql-tokens.ts'
import type { UnitTest } from './test-file.ts'
import type { Fail } from './test-fixture.ts'

const dayMs = 86_400_000
const timeVars = ['start', 'end', 'execution_time']

function parseTime(value: unknown, name: string, fail: Fail): { date: Date; dateOnly: boolean } {
  const text = value instanceof Date ? value.toISOString() : String(value)
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text)
  const date = new Date(dateOnly ? `${text}T00:00:00Z` : text)
  if (Number.isNaN(date.getTime()))
    fail(`vars.${name} "${text}" is not a date; write YYYY-MM-DD or an ISO timestamp`)
  return { date, dateOnly }
}

// Defaults: start is the model's start (or the project's), the range is one day, and the
// execution time is the end of the range. Fixed values keep tests independent of the clock.
export function testContext(project: Project, test: UnitTest, fail: Fail): RenderContext {
  const model = project.models.get(test.model)
  // vars with an end and no start: SQLMesh renders start as the epoch, 1970-01-01 (its renderer's
  // `start or c.EPOCH`). With neither, the model's own start, one day.
  const startText =
    test.vars.start ??
    (test.vars.end !== undefined ? '1970-01-01' : (model?.start ?? project.config.modelDefaults.start))
  const start = parseTime(startText, 'start', fail).date
  let end = new Date(start.getTime() + dayMs)
  if (test.vars.end !== undefined) {
    const parsed = parseTime(test.vars.end, 'end', fail)
    end = parsed.dateOnly ? new Date(parsed.date.getTime() + dayMs) : parsed.date
  }
  if (end.getTime() <= start.getTime()) fail('vars.end is before vars.start')
  const executionTime =
    test.vars.execution_time === undefined
      ? end
      : parseTime(test.vars.execution_time, 'execution_time', fail).date
  return { start, end, executionTime }
}

export function testProject(project: Project, test: UnitTest): Project {
  const overrides = Object.entries(test.vars).filter(([name]) => !timeVars.includes(name))
  if (overrides.length === 0) return project
  const variables = { ...project.config.variables }
  for (const [name, value] of overrides) {
    variables[name] =
      value === null || ['string', 'number', 'boolean'].includes(typeof value)
        ? (value as string)
        : JSON.stringify(value)
  }
  return { ...project, config: { ...project.config, variables } }
}

// The model's query with its final SELECT replaced by `SELECT * FROM cte`: DuckDB parses the query,
// the CTE definitions are moved onto a fresh `SELECT * FROM cte`, and DuckDB prints it back.
export async function ctesQuery(
  connection: DuckDBConnection,
  sql: string,
  cte: string,
  fail: Fail,
): Promise<string> {
  const tree = await serialize(connection, sql)
  const node = tree.statements?.[0]?.node
  const ctes = node?.cte_map?.map ?? []
  const names = ctes.map((entry) => String(entry.key).toLowerCase())
  if (!names.includes(cte))
    fail(
      `outputs.ctes names ${cte}, which the query does not define (it has ${names.join(', ') || 'no CTEs'})`,
    )
  const replacement = await serialize(connection, `SELECT * FROM ${quoteIdentifier(cte)}`)
  const target = replacement.statements?.[0]?.node
  if (target === undefined || node === undefined) return fail('the query could not be parsed')
  target.cte_map = node.cte_map
  const reader = await connection.runAndReadAll(
    `SELECT json_deserialize_sql(${quoteLiteral(JSON.stringify(replacement))}::JSON) AS sql`,
  )
  return String(reader.getRowObjectsJson()[0]?.sql)
}

interface SerializedTree {
  statements?: { node?: { cte_map?: { map?: { key: unknown }[] } } & Record<string, unknown> }[]
  error?: boolean
  error_message?: string
}

// Source positions are dropped: an unknown one is 2^64-1, which a JavaScript number cannot hold, and
// json_deserialize_sql then refuses the rounded value (a CTE holding UNNEST(...) AS t(c) has one).
async function serialize(connection: DuckDBConnection, sql: string): Promise<SerializedTree> {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`)
  const tree = JSON.parse(String(reader.getRowObjectsJson()[0]?.tree), (key, value: unknown) =>
    key === 'query_location' ? undefined : value,
  ) as SerializedTree
  if (tree.error === true) throw new Error(tree.error_message ?? 'the query could not be parsed')
  return tree
}

// With vars.execution_time set, CURRENT_TIMESTAMP, CURRENT_DATE and now() read that time (tests.md,
// "Freezing time"); words inside strings and comments stay.
export function freezeTime(sql: string, test: UnitTest, fail: Fail): string {
  if (test.vars.execution_time === undefined) return sql
  const at = parseTime(test.vars.execution_time, 'execution_time', fail).date
  // A time zone in execution_time is applied: expected values are written without one (tests.md).
  const text = at.toISOString().replace('T', ' ').replace('Z', '')
  const timestamp = `CAST(${quoteLiteral(text)} AS TIMESTAMP)`
  const frozen: Record<string, string> = {
    current_timestamp: timestamp,
    current_date: `CAST(${quoteLiteral(text.slice(0, 10))} AS DATE)`,
    localtimestamp: timestamp,
  }
  const tokens = tokenize(sql, test.path)
  let output = ''
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!
    const word = token.kind === 'word' ? token.text.toLowerCase() : ''
    const call = tokens[index + 1]?.text === '(' && tokens[index + 2]?.text === ')'
    if (frozen[word] !== undefined) {
      output += frozen[word]
      if (call) index += 2
    } else if ((word === 'now' || word === 'get_current_timestamp') && call) {
      output += timestamp
      index += 2
    } else output += token.text
  }
  return output
}
