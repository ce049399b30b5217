// Goal: column lineage follows a column through CTEs, subqueries, `*` (with EXCLUDE), joins,
// aggregates, window functions and set operations, across models, upstream to the sources and
// downstream to every column that uses it; a bad column is named with the model's columns.
// Method: plain model records (DuckDB's real parser reads their queries), edges compared as text.
import { describe, expect, it } from 'vitest'
import { type ColumnLineage, columnGraph, columnLineage } from './column-lineage.ts'
import { makeModel, makeProject } from './testing/project-fixture.ts'

const project = makeProject(
  '/p',
  [
    makeModel({
      name: 'raw.orders',
      query: "SELECT id, item_id, amount, customer_id FROM read_csv('landing/orders.csv')",
    }),
    makeModel({
      name: 'raw.customers',
      query: "SELECT 1 AS id, 'a' AS name, 'x' AS segment",
    }),
    makeModel({
      name: 'staging.orders',
      query:
        'WITH base AS (SELECT * FROM raw.orders)\nSELECT id, amount * 2 AS amount2, customer_id FROM base WHERE item_id > 0',
    }),
    makeModel({
      name: 'cleaned.enriched',
      query: `SELECT
  o.id,
  o.amount2,
  c.name AS customer_name,
  SUM(o.amount2) OVER (PARTITION BY c.id) AS customer_total,
  (SELECT MAX(segment) FROM raw.customers) AS top_segment
FROM staging.orders AS o
JOIN (SELECT id, name FROM raw.customers) AS c ON o.customer_id = c.id`,
    }),
    makeModel({
      name: 'serving.summary',
      query:
        "SELECT customer_name, COUNT(*) AS orders, SUM(amount2) AS total FROM cleaned.enriched GROUP BY customer_name\nUNION ALL\nSELECT 'all', 1, 2",
    }),
    makeModel({
      name: 'serving.passthrough',
      query: 'SELECT * EXCLUDE (customer_total) FROM cleaned.enriched',
    }),
  ],
  {
    'staging.orders': ['raw.orders'],
    'cleaned.enriched': ['staging.orders', 'raw.customers'],
    'serving.summary': ['cleaned.enriched'],
    'serving.passthrough': ['cleaned.enriched'],
  },
)

function edges(lineage: ColumnLineage): string[] {
  return lineage.edges.map(
    (edge) => `${edge.source.model}.${edge.source.column} -> ${edge.target.model}.${edge.target.column}`,
  )
}

describe('columnLineage upstream', () => {
  it('follows an aggregate through a model, a CTE with *, an expression, to the source', async () => {
    const lineage = await columnLineage(project, 'serving.summary', 'total')
    expect(edges(lineage)).toEqual([
      'cleaned.enriched.amount2 -> serving.summary.total',
      'staging.orders.amount2 -> cleaned.enriched.amount2',
      'raw.orders.amount -> staging.orders.amount2',
      'read_csv.amount -> raw.orders.amount',
    ])
    expect(lineage.columns.at(-1)).toEqual({ model: 'read_csv', column: 'amount', isModel: false })
  })

  it('counts the window function partition and a joined subquery; a scalar subquery', async () => {
    const window = await columnLineage(project, 'cleaned.enriched', 'customer_total')
    expect(edges(window).slice(0, 2)).toEqual([
      'staging.orders.amount2 -> cleaned.enriched.customer_total',
      'raw.customers.id -> cleaned.enriched.customer_total',
    ])
    const scalar = await columnLineage(project, 'cleaned.enriched', 'top_segment')
    expect(edges(scalar)).toEqual(['raw.customers.segment -> cleaned.enriched.top_segment'])
  })

  it('reads the second branch of a set operation by position, and a column through *', async () => {
    const union = await columnLineage(project, 'serving.summary', 'customer_name')
    expect(edges(union)[0]).toBe('cleaned.enriched.customer_name -> serving.summary.customer_name')
    expect(edges(union)).toContain('raw.customers.name -> cleaned.enriched.customer_name')
    const star = await columnLineage(project, 'serving.passthrough', 'customer_name')
    expect(edges(star)[0]).toBe('cleaned.enriched.customer_name -> serving.passthrough.customer_name')
  })
})

describe('columnLineage downstream', () => {
  it('finds every column that uses a column, through * but not past EXCLUDE', async () => {
    const lineage = await columnLineage(project, 'staging.orders', 'amount2', { direction: 'downstream' })
    expect(edges(lineage).sort()).toEqual(
      [
        'staging.orders.amount2 -> cleaned.enriched.amount2',
        'staging.orders.amount2 -> cleaned.enriched.customer_total',
        'cleaned.enriched.amount2 -> serving.summary.total',
        'cleaned.enriched.amount2 -> serving.passthrough.amount2',
      ].sort(),
    )
  })
})

describe('columnLineage errors', () => {
  it('names an unknown model or column', async () => {
    await expect(columnLineage(project, 'serving.nope', 'x')).rejects.toThrow(
      'unknown model serving.nope; run materia dag for the list',
    )
    await expect(columnLineage(project, 'staging.orders', 'amount')).rejects.toThrow(
      'model staging.orders has no column amount; its columns: id, amount2, customer_id',
    )
  })
})

describe('columnGraph', () => {
  it('gives each model its columns and the direct edges into them, the first step of every lineage', async () => {
    const graph = await columnGraph(project, ['staging.orders', 'serving.passthrough'])
    expect(graph.columns.get('staging.orders')).toEqual(['id', 'amount2', 'customer_id'])
    // `* EXCLUDE` resolves through the parent's columns.
    expect(graph.columns.get('serving.passthrough')).toEqual([
      'id',
      'amount2',
      'customer_name',
      'top_segment',
    ])
    const text = graph.edges.map(
      (edge) => `${edge.source.model}.${edge.source.column} -> ${edge.target.model}.${edge.target.column}`,
    )
    expect(text).toContain('raw.orders.amount -> staging.orders.amount2')
    expect(text).toContain('cleaned.enriched.customer_name -> serving.passthrough.customer_name')
    // One step only: nothing upstream of the parents.
    expect(text.some((edge) => edge.startsWith('raw.customers.'))).toBe(false)
    const upstream = await columnLineage(project, 'staging.orders', 'amount2')
    const direct = upstream.edges.filter((edge) => edge.target.model === 'staging.orders')
    expect(text.filter((edge) => edge.endsWith('-> staging.orders.amount2'))).toEqual(
      direct.map((edge) => `${edge.source.model}.${edge.source.column} -> staging.orders.amount2`),
    )
  })

  it('refuses an unknown model by name', async () => {
    await expect(columnGraph(project, ['serving.nope'])).rejects.toThrow(/unknown model serving.nope/)
  })
})
