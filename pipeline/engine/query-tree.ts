// Facts the linter reads from DuckDB's parse tree of a query (json_serialize_sql): where `*` is
// selected, which CTEs are defined, and which unqualified table names are read (CTE uses among them).
import type { DuckDBConnection } from '@duckdb/node-api'
import { quoteLiteral } from './sql-quote.ts'

export interface QueryTree {
  readonly stars: readonly number[] // query_location of each * (or t.*, COLUMNS(*)) expression
  readonly ctes: readonly string[] // lower case
  readonly tableNames: readonly string[] // unqualified base-table names read anywhere, lower case
}

// Null when DuckDB cannot parse the query; load and plan report that with its position.
export async function parsedTree(connection: DuckDBConnection, sql: string): Promise<QueryTree | null> {
  const reader = await connection.runAndReadAll(`SELECT json_serialize_sql(${quoteLiteral(sql)}) AS tree`)
  const tree = JSON.parse(String(reader.getRowObjectsJson()[0]?.tree)) as { error?: boolean }
  if (tree.error === true) return null
  const facts = { stars: [] as number[], ctes: [] as string[], tableNames: [] as string[] }
  collect(tree, facts)
  return facts
}

type Node = Record<string, unknown>

function collect(value: unknown, facts: { stars: number[]; ctes: string[]; tableNames: string[] }): void {
  if (Array.isArray(value)) {
    for (const item of value) collect(item, facts)
    return
  }
  if (typeof value !== 'object' || value === null) return
  const node = value as Node
  if (node.class === 'STAR')
    facts.stars.push(typeof node.query_location === 'number' ? node.query_location : -1)
  if (node.type === 'BASE_TABLE' && node.schema_name === '' && typeof node.table_name === 'string') {
    facts.tableNames.push(node.table_name.toLowerCase())
  }
  const cteMap = node.cte_map as { map?: { key?: unknown }[] } | undefined
  for (const entry of cteMap?.map ?? []) facts.ctes.push(String(entry.key).toLowerCase())
  for (const child of Object.values(node)) collect(child, facts)
}
