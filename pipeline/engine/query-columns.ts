// Which input columns an output column of a query is computed from, read from DuckDB's own parse
// tree (json_serialize_sql). Follows SQL's scoping: CTEs (the WITH of this query and of the queries
// around it), subqueries in FROM, joins, `*` and `t.* EXCLUDE (...)`, set operations (by position),
// aggregates, window functions (arguments, PARTITION BY and ORDER BY all count), CASE, scalar
// subqueries and select-list aliases reused later in the list. A name read from a table is
// reported with that table's name as the query writes it, lower case.
type Node = Record<string, unknown>

interface SourceColumn {
  readonly table: string // "schema.table", or a table function's name such as read_csv
  readonly column: string // lower case
}

// What the caller knows of a table's columns; null when it does not know them.
type TableColumns = (table: string) => readonly string[] | null

interface CteDefinition {
  readonly node: Node
  readonly ctes: ReadonlyMap<string, CteDefinition> // the CTEs visible inside its own body
}

type Relation =
  | { readonly alias: string; readonly kind: 'table'; readonly table: string }
  | {
      readonly alias: string
      readonly kind: 'query'
      readonly node: Node
      readonly ctes: ReadonlyMap<string, CteDefinition>
    }

interface Scope {
  readonly relations: readonly Relation[]
  readonly ctes: ReadonlyMap<string, CteDefinition>
  readonly selectList: readonly Node[]
  readonly outer: Scope | null
}

// Nested queries deeper than this are not followed (a bound on recursion over outside input).
const depthMax = 64

function lower(value: unknown): string {
  return typeof value === 'string' ? value.toLowerCase() : ''
}

// A node sees the same CTEs wherever it is reached from: build its map once.
const ctesByNode = new WeakMap<Node, ReadonlyMap<string, CteDefinition>>()

function withCtes(node: Node, ctes: ReadonlyMap<string, CteDefinition>): ReadonlyMap<string, CteDefinition> {
  if (node.cte_map === undefined) return ctes
  const cached = ctesByNode.get(node)
  if (cached !== undefined) return cached
  const built = buildCtes(node, ctes)
  ctesByNode.set(node, built)
  return built
}

function buildCtes(node: Node, ctes: ReadonlyMap<string, CteDefinition>): ReadonlyMap<string, CteDefinition> {
  const entries = (node.cte_map as { map?: { key?: unknown; value?: { query?: { node?: Node } } }[] })?.map
  if (entries === undefined || entries.length === 0) return ctes
  const result = new Map(ctes)
  // Each CTE sees the ones before it (and itself, for WITH RECURSIVE).
  for (const entry of entries) {
    const body = entry.value?.query?.node
    if (body !== undefined) result.set(lower(entry.key), { node: body, ctes: result })
  }
  return result
}

function tableName(node: Node): string {
  return [node.schema_name, node.table_name]
    .filter((part) => typeof part === 'string' && part !== '')
    .map(lower)
    .join('.')
}

function relationsOf(from: unknown, ctes: ReadonlyMap<string, CteDefinition>): Relation[] {
  if (typeof from !== 'object' || from === null) return []
  const node = from as Node
  switch (node.type) {
    case 'BASE_TABLE': {
      const name = tableName(node)
      const alias = lower(node.alias) || lower(node.table_name)
      const cte = node.schema_name === undefined || node.schema_name === '' ? ctes.get(name) : undefined
      if (cte !== undefined) return [{ alias, kind: 'query', node: cte.node, ctes: cte.ctes }]
      return [{ alias, kind: 'table', table: name }]
    }
    case 'SUBQUERY': {
      const inner = (node.subquery as { node?: Node } | undefined)?.node
      if (inner === undefined) return []
      // (VALUES ...) AS t(a, b) and other renamed subqueries: literal rows, a source of their own.
      if (
        (inner.type !== 'SELECT_NODE' && inner.type !== 'SET_OPERATION_NODE') ||
        (node.column_name_alias !== undefined &&
          (inner.from_table as Node | undefined)?.type === 'EXPRESSION_LIST')
      )
        return [{ alias: lower(node.alias), kind: 'table', table: lower(node.alias) || 'values' }]
      return [{ alias: lower(node.alias), kind: 'query', node: inner, ctes }]
    }
    case 'JOIN':
      return [...relationsOf(node.left, ctes), ...relationsOf(node.right, ctes)]
    case 'EXPRESSION_LIST':
      return [{ alias: lower(node.alias), kind: 'table', table: 'values' }]
    case 'TABLE_FUNCTION': {
      const name = lower((node.function as Node | undefined)?.function_name)
      return [{ alias: lower(node.alias) || name, kind: 'table', table: name }]
    }
    default:
      return []
  }
}

// The name of a select-list expression's column, or null when DuckDB would invent one.
function outputName(expression: Node): string | null {
  if (typeof expression.alias === 'string' && expression.alias !== '') return expression.alias.toLowerCase()
  if (expression.class === 'COLUMN_REF') return lower((expression.column_names as unknown[]).at(-1))
  return null
}

export interface QueryColumns {
  // The output column names of a query; null when a `*` over an unknown table hides some.
  readonly outputNames: (node: Node) => string[] | null
  // The input columns `column` of the query is computed from.
  readonly sources: (node: Node, column: string) => SourceColumn[]
}

export function queryColumns(tableColumns: TableColumns): QueryColumns {
  // A node sits at one place in its tree, so the CTEs it sees are always the same: its output
  // names and its FROM relations are computed once per node.
  const namesByNode = new WeakMap<Node, string[] | null>()
  const relationsByNode = new WeakMap<Node, Relation[]>()
  const relationsAt = (node: Node, visible: ReadonlyMap<string, CteDefinition>): Relation[] => {
    let relations = relationsByNode.get(node)
    if (relations === undefined) {
      relations = relationsOf(node.from_table, visible)
      relationsByNode.set(node, relations)
    }
    return relations
  }

  function outputNames(
    node: Node,
    ctes: ReadonlyMap<string, CteDefinition> = new Map(),
    depth = 0,
  ): string[] | null {
    if (namesByNode.has(node)) return namesByNode.get(node)!
    const names = computeOutputNames(node, ctes, depth)
    namesByNode.set(node, names)
    return names
  }

  function computeOutputNames(
    node: Node,
    ctes: ReadonlyMap<string, CteDefinition>,
    depth: number,
  ): string[] | null {
    if (depth > depthMax) return null
    const visible = withCtes(node, ctes)
    if (node.type === 'SET_OPERATION_NODE') return outputNames(node.left as Node, visible, depth + 1)
    if (node.type !== 'SELECT_NODE') return null
    const relations = relationsAt(node, visible)
    const names: string[] = []
    for (const expression of (node.select_list as Node[] | undefined) ?? []) {
      if (expression.class !== 'STAR') {
        names.push(outputName(expression) ?? '')
        continue
      }
      const excluded = new Set(((expression.exclude_list as unknown[]) ?? []).map(lower))
      const qualifier = lower(expression.relation_name)
      for (const relation of relations) {
        if (qualifier !== '' && relation.alias !== qualifier) continue
        const columns = relationNames(relation, depth)
        if (columns === null) return null
        names.push(...columns.filter((column) => !excluded.has(column)))
      }
    }
    return names
  }

  function relationNames(relation: Relation, depth: number): readonly string[] | null {
    if (relation.kind === 'table') return tableColumns(relation.table)
    return outputNames(relation.node, relation.ctes, depth + 1)
  }

  function output(
    node: Node,
    column: string,
    ctes: ReadonlyMap<string, CteDefinition>,
    outer: Scope | null,
    depth: number,
  ): SourceColumn[] {
    if (depth > depthMax) return []
    const visible = withCtes(node, ctes)
    if (node.type === 'SET_OPERATION_NODE') {
      const left = node.left as Node
      const right = node.right as Node
      // Set operations match columns by position: the right side's column at the left one's place.
      const position = outputNames(left, visible, depth + 1)?.indexOf(column) ?? -1
      const rightName =
        position === -1 ? column : (outputNames(right, visible, depth + 1)?.[position] ?? column)
      return [
        ...output(left, column, visible, outer, depth + 1),
        ...output(right, rightName, visible, outer, depth + 1),
      ]
    }
    if (node.type !== 'SELECT_NODE') return []
    const scope: Scope = {
      relations: relationsAt(node, visible),
      ctes: visible,
      selectList: (node.select_list as Node[] | undefined) ?? [],
      outer,
    }
    const named = scope.selectList.find((item) => item.class !== 'STAR' && outputName(item) === column)
    if (named !== undefined) return expressionSources(named, scope, depth)
    const found: SourceColumn[] = []
    for (const star of scope.selectList.filter((item) => item.class === 'STAR')) {
      const excluded = new Set(((star.exclude_list as unknown[]) ?? []).map(lower))
      if (excluded.has(column)) continue
      const qualifier = lower(star.relation_name)
      const relations = scope.relations.filter((relation) => qualifier === '' || relation.alias === qualifier)
      found.push(...fromRelations(relations, column, depth))
    }
    return found
  }

  // Every column an expression reads, through the scope.
  function expressionSources(value: unknown, scope: Scope, depth: number): SourceColumn[] {
    if (Array.isArray(value)) return value.flatMap((item) => expressionSources(item, scope, depth))
    if (typeof value !== 'object' || value === null) return []
    const node = value as Node
    if (node.class === 'COLUMN_REF')
      return columnRef((node.column_names as unknown[]).map(lower), scope, depth)
    if (node.class === 'SUBQUERY') {
      const inner = (node.subquery as { node?: Node } | undefined)?.node
      if (inner === undefined) return []
      return [...expressionSources(node.child, scope, depth), ...firstColumn(inner, scope, depth + 1)]
    }
    const found: SourceColumn[] = []
    for (const [key, child] of Object.entries(node)) {
      if (key === 'alias' || key === 'query_location') continue
      if (typeof child === 'object' && child !== null) found.push(...expressionSources(child, scope, depth))
    }
    return found
  }

  // The inputs of a scalar subquery's one column (which often has no name, e.g. MAX(x)).
  function firstColumn(node: Node, outer: Scope, depth: number): SourceColumn[] {
    if (depth > depthMax) return []
    const visible = withCtes(node, outer.ctes)
    if (node.type === 'SET_OPERATION_NODE')
      return [
        ...firstColumn(node.left as Node, { ...outer, ctes: visible }, depth + 1),
        ...firstColumn(node.right as Node, { ...outer, ctes: visible }, depth + 1),
      ]
    if (node.type !== 'SELECT_NODE') return []
    const selectList = (node.select_list as Node[] | undefined) ?? []
    const scope: Scope = {
      relations: relationsAt(node, visible),
      ctes: visible,
      selectList,
      outer,
    }
    return selectList[0] === undefined ? [] : expressionSources(selectList[0], scope, depth)
  }

  function columnRef(names: readonly string[], scope: Scope, depth: number): SourceColumn[] {
    const column = names.at(-1)!
    if (names.length >= 2) {
      const qualifier = names.at(-2)!
      for (let current: Scope | null = scope; current !== null; current = current.outer) {
        const relation = current.relations.find((item) => item.alias === qualifier)
        if (relation !== undefined) return fromRelations([relation], column, depth)
      }
      // A struct field (s.field): read the first name as the column.
      return columnRef([names[0]!], scope, depth)
    }
    if (depth > depthMax) return []
    // A table's column wins over a select-list alias of the same name, as in DuckDB.
    for (let current: Scope | null = scope; current !== null; current = current.outer) {
      const known = current.relations.filter((relation) => relationNames(relation, depth)?.includes(column))
      if (known.length > 0) return fromRelations(known, column, depth)
      const unknown = current.relations.filter((relation) => relationNames(relation, depth) === null)
      if (unknown.length > 0) return fromRelations(unknown, column, depth)
      const alias = current.selectList.find((item) => item.class !== 'STAR' && outputName(item) === column)
      if (alias !== undefined && alias.class !== 'COLUMN_REF')
        return expressionSources(alias, current, depth + 1)
    }
    return []
  }

  function fromRelations(relations: readonly Relation[], column: string, depth: number): SourceColumn[] {
    return relations.flatMap((relation) =>
      relation.kind === 'table'
        ? [{ table: relation.table, column }]
        : output(relation.node, column, relation.ctes, null, depth + 1),
    )
  }

  return {
    outputNames: (node) => outputNames(node),
    sources: (node, column) => unique(output(node, column.toLowerCase(), new Map(), null, 0)),
  }
}

function unique(columns: readonly SourceColumn[]): SourceColumn[] {
  const seen = new Set<string>()
  return columns.filter((item) => {
    const key = `${item.table}\u0000${item.column}`
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
}
