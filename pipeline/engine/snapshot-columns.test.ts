// Goal: the columns apply records for each built table and view (state's snapshot rows, which plan
// compares and the workbench lists) are exactly what DuckDB describes: names as written, quoted ones
// included, and full type names (DECIMAL precision, STRUCT and list types). apply reads them from the
// catalog (duckdb_columns()), which does not bind a view's query again as DESCRIBE does.
// Method: a FULL table and a VIEW over it, with awkward names and types, applied to prod on a real
// DuckDB file; each snapshot's columns against DESCRIBE of its physical table.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { applyPlan } from './apply.ts'
import { type Database, openDatabase } from './database.ts'
import { buildPlan } from './plan.ts'
import { quoteQualified } from './sql-quote.ts'
import { readState } from './state.ts'
import { makeProject, setupRoot } from './testing/test-project.ts'

describe('the columns recorded for a built model', () => {
  let db: Database
  let root: string
  beforeEach(async () => {
    root = setupRoot()
    db = await openDatabase(join(root, 'warehouse.duckdb'))
  })
  afterEach(() => db.close())

  it('are the names and full type names DuckDB describes, for a table and for a view', async () => {
    const project = makeProject(root, [
      {
        name: 'staging.odd',
        query: `SELECT 1.5::DECIMAL(18,3) AS "Value", {'x': 1, 'y': ['a']} AS "two words", 7::UHUGEINT AS hkey, DATE '2024-01-01' AS day`,
      },
      {
        name: 'serving.odd_view',
        kind: { name: 'VIEW' },
        query: `SELECT "Value", "two words", hkey, day, 1 AS one FROM staging.odd`,
      },
    ])
    const plan = await buildPlan(db, project, { environment: 'prod', now: new Date('2024-01-06T12:00:00Z') })
    await applyPlan(db, project, plan)

    const snapshots = [...(await readState(db)).snapshots.values()]
    expect(snapshots.map((snapshot) => snapshot.name).sort()).toEqual(['serving.odd_view', 'staging.odd'])
    for (const snapshot of snapshots) {
      const described = (await db.rows(`DESCRIBE ${quoteQualified(snapshot.physicalTable)}`)).map((row) => ({
        name: String(row.column_name),
        type: String(row.column_type),
      }))
      expect(snapshot.columns).toEqual(described)
    }
    const view = snapshots.find((snapshot) => snapshot.name === 'serving.odd_view')
    expect(view?.columns).toEqual([
      { name: 'Value', type: 'DECIMAL(18,3)' },
      { name: 'two words', type: 'STRUCT(x INTEGER, y VARCHAR[])' },
      { name: 'hkey', type: 'UHUGEINT' },
      { name: 'day', type: 'DATE' },
      { name: 'one', type: 'INTEGER' },
    ])
  })
})
