// Goal: completion answers what the editor needs at each keystroke: after SELECT the referenced
// models' columns first, then model names, keywords and functions, at most 300; a typed prefix
// matches a label or a model's table name; `schema.` lists that schema's tables; `table.` lists the
// columns of that model. Method: complete() on a real DuckDB database holding one model's table and
// an index of two models.
import { DuckDBInstance } from '@duckdb/node-api'
import { afterAll, describe, expect, it } from 'vitest'
import { complete } from './model-analysis.ts'
import type { ModelEntry, ProjectIndex } from './project-index.ts'

const instance = await DuckDBInstance.create(':memory:')
const connection = await instance.connect()
await connection.run('CREATE SCHEMA serving; CREATE TABLE serving.obt (price DOUBLE, id INTEGER)')
afterAll(() => connection.disconnectSync())

function entry(name: string, kind: string, parents: string[]): ModelEntry {
  const [schema = '', table = ''] = name.split('.')
  return { name, schema, table, kind, grain: [], path: `models/${table}.sql`, parents, children: [] }
}

const index: ProjectIndex = {
  root: '/project',
  name: 'shop',
  files: [],
  models: new Map([
    ['staging.orders', entry('staging.orders', 'FULL', [])],
    ['serving.obt', entry('serving.obt', 'VIEW', ['staging.orders'])],
  ]),
  loadError: null,
}
const keywords = ['select', 'from', 'order']
const functionNames = Array.from({ length: 400 }, (_, position) => `fn_${String(position).padStart(3, '0')}`)

const completeAt = (text: string, offset = text.length) =>
  complete({ connection, text, offset, index, environment: 'prod', functionNames, keywords })

describe('complete', () => {
  it('lists columns, models (index order), keywords, then functions up to 300 items after SELECT', async () => {
    const items = await completeAt('SELECT  FROM serving.obt', 7)
    expect(items).toHaveLength(300)
    expect(items.slice(0, 7)).toEqual([
      { label: 'id', kind: 'column', detail: 'INTEGER · obt' },
      { label: 'price', kind: 'column', detail: 'DOUBLE · obt' },
      { label: 'staging.orders', kind: 'model', detail: 'FULL model', filterText: 'orders staging.orders' },
      { label: 'serving.obt', kind: 'model', detail: 'VIEW model', filterText: 'obt serving.obt' },
      { label: 'SELECT', kind: 'keyword', detail: 'keyword' },
      { label: 'FROM', kind: 'keyword', detail: 'keyword' },
      { label: 'ORDER', kind: 'keyword', detail: 'keyword' },
    ])
    expect(items[7]).toEqual({ label: 'fn_000', kind: 'function', detail: 'function' })
    expect(items[299]?.label).toBe('fn_292')
  })

  it('matches a prefix on the label or on a model table name, in any case', async () => {
    const items = await completeAt('SELECT * FROM Or')
    expect(items.map((item) => item.label)).toEqual(['staging.orders', 'ORDER'])
    expect(await completeAt('SELECT pr FROM serving.obt', 9)).toEqual([
      { label: 'price', kind: 'column', detail: 'DOUBLE · obt' },
    ])
  })

  it('lists a schema tables after `schema.` and a model columns after `table.`', async () => {
    expect(await completeAt('SELECT * FROM serving.')).toEqual([
      { label: 'obt', kind: 'model', detail: 'VIEW model serving.obt' },
    ])
    expect(await completeAt('SELECT obt.i FROM serving.obt', 12)).toEqual([
      { label: 'id', kind: 'column', detail: 'INTEGER · obt' },
    ])
    expect(await completeAt('SELECT nothing.x FROM staging.orders', 16)).toEqual([])
  })
})
