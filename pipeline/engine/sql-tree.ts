// Walking the JSON parse tree of `json_serialize_sql` for table references. The walk is generic
// (every object and array is visited), so new node types (PIVOT, QUALIFY, lambdas, table functions'
// arguments) are covered without a case each. Only two node shapes matter:
// - a node with a `cte_map`: its CTE names shadow tables for the rest of that node, and each CTE's
//   own query sees the CTEs defined before it (and itself when recursive);
// - a BASE_TABLE node: a table reference, unless it is an unqualified name of a CTE in scope.

export interface TableNode {
  readonly parts: readonly string[] // lower case [catalog?, schema?, table]
  readonly location: number | null // byte offset in the query, null when DuckDB has none
}

// DuckDB writes "no location" as the largest uint64, which JSON.parse rounds to 2^64.
const locationMax = 2 ** 53

type JsonObject = { readonly [key: string]: unknown }

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function cteEntries(node: JsonObject): { name: string; query: unknown }[] {
  const cteMap = node.cte_map
  if (!isObject(cteMap) || !Array.isArray(cteMap.map)) return []
  return cteMap.map.filter(isObject).map((entry) => {
    const value = isObject(entry.value) ? entry.value : {}
    return { name: String(entry.key).toLowerCase(), query: value.query }
  })
}

function isRecursive(query: unknown): boolean {
  return isObject(query) && isObject(query.node) && query.node.type === 'RECURSIVE_CTE_NODE'
}

function baseTable(node: JsonObject, scope: ReadonlySet<string>): TableNode | null {
  const parts = [node.catalog_name, node.schema_name, node.table_name]
    .map((part) => (typeof part === 'string' ? part.toLowerCase() : ''))
    .filter((part) => part !== '')
  const table = parts.at(-1)
  if (table === undefined) return null
  if (parts.length === 1 && scope.has(table)) return null
  const location =
    typeof node.query_location === 'number' && node.query_location < locationMax ? node.query_location : null
  return { parts, location }
}

export function collectTableNodes(node: unknown, scope: ReadonlySet<string>, out: TableNode[]): void {
  if (Array.isArray(node)) {
    for (const item of node) collectTableNodes(item, scope, out)
    return
  }
  if (!isObject(node)) return
  // Leaves that never hold a table: skipping them halves the walk.
  if (node.class === 'CONSTANT' || node.class === 'COLUMN_REF') return
  if (node.type === 'BASE_TABLE') {
    const table = baseTable(node, scope)
    if (table !== null) out.push(table)
    return
  }
  const ctes = node.cte_map === undefined ? [] : cteEntries(node)
  let bodyScope = scope
  if (ctes.length > 0) {
    const names: string[] = []
    for (const cte of ctes) {
      const cteScope = new Set([...scope, ...names, ...(isRecursive(cte.query) ? [cte.name] : [])])
      collectTableNodes(cte.query, cteScope, out)
      names.push(cte.name)
    }
    bodyScope = new Set([...scope, ...names])
  }
  for (const key in node) {
    const value = node[key]
    if (key !== 'cte_map' && typeof value === 'object' && value !== null)
      collectTableNodes(value, bodyScope, out)
  }
}
