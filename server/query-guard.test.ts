// Goal: the workbench's query editor reads model objects and never changes them, in prod and in a dev
// environment whose views share prod's physical tables; tables of one's own go to the scratch
// schema; DuckDB reads no file outside the project and landing folders. Method: a fixture project
// applied to prod and to dev_test with the engine, the workbench started in-process on port 0, the
// editor's POST /query/run called with fetch, and the rows of prod's physical table counted directly.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { environmentCookie } from './environments.ts'
import { tokenCookieName } from './security.ts'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench
let runs = 0

async function runQuery(sql: string, environment: string): Promise<string> {
  runs += 1
  const reply = await fetch(`http://127.0.0.1:${workbench.port}/query/run`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: `http://127.0.0.1:${workbench.port}`,
      cookie: `${tokenCookieName(workbench.port)}=${workbench.token}; ${environmentCookie}=${environment}`,
    },
    body: new URLSearchParams({ sql, runId: `run-${runs}` }).toString(),
  })
  expect(reply.status).toBe(200)
  return reply.text()
}

// The first cell of a run's result, read through the grid's rows endpoint (the page draws rows in
// the browser).
async function firstValue(html: string): Promise<string> {
  const id = /data-result-id="(\d+)"/.exec(html)?.[1]
  if (id === undefined) return `no result: ${html.slice(0, 300)}`
  const reply = await fetch(`http://127.0.0.1:${workbench.port}/api/query/${id}/rows?offset=0&limit=1`, {
    headers: { cookie: `${tokenCookieName(workbench.port)}=${workbench.token}` },
  })
  const body = (await reply.json()) as { rows: unknown[][] }
  return String(body.rows[0]?.[0])
}

function rowCount(html: string): number | null {
  const match = /data-row-count="(\d+)"/.exec(html)
  return match === null ? null : Number(match[1])
}

beforeAll(async () => {
  project = createFixtureProject()
  await buildEnvironment(project.root, 'prod')
  await buildEnvironment(project.root, 'dev_test')
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
})

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('workbench queries are read-only against model objects', () => {
  it('a dev query cannot DELETE from the physical table prod shares, in any form', async () => {
    const tableHtml = await runQuery(
      "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE table_name LIKE 'serving__agg_world_balance__%'",
      'prod',
    )
    const table = /materia__serving\.serving__agg_world_balance__[0-9a-f]{12}/.exec(
      await firstValue(tableHtml),
    )?.[0]
    expect(table).toBeDefined()
    const count = `SELECT count(*) AS n FROM ${table}`
    const before = await runQuery(`SELECT * FROM ${table}`, 'prod')
    const rows = rowCount(before)
    expect(rows).toBeGreaterThan(0)
    for (const sql of [
      `DELETE FROM ${table}`,
      `DELETE FROM ${table} WHERE true`,
      `SELECT 1; DELETE FROM ${table}`,
      `WITH x AS (SELECT 1) DELETE FROM ${table}`,
      `UPDATE ${table} SET production = 0`,
      'DROP VIEW serving.agg_world_balance',
      'DELETE FROM serving.agg_world_balance',
      `CREATE OR REPLACE TABLE ${table} AS SELECT 1 AS a`,
      `COPY ${table} TO '${project.root}/out.csv'`,
      "ATTACH ':memory:' AS other",
      'SET threads = 1',
      'CALL checkpoint()',
    ]) {
      for (const environment of ['dev_test', 'prod']) {
        const html = await runQuery(sql, environment)
        expect(html, `${environment}: ${sql}`).toContain('data-error')
        expect(html, `${environment}: ${sql}`).toMatch(/refused &quot;|refused "/)
      }
    }
    expect(rowCount(await runQuery(`SELECT * FROM ${table}`, 'prod'))).toBe(rows)
    expect(await firstValue(await runQuery(count, 'dev_test'))).toBe(String(rows))
  })

  it('keeps tables of one own in the scratch schema, in any environment', async () => {
    const created = await runQuery(
      'CREATE TABLE scratch_test.balance AS SELECT * FROM serving.agg_world_balance; SELECT count(*) AS n FROM scratch_test.balance',
      'dev_test',
    )
    expect(created, created).not.toContain('data-error')
    expect(rowCount(created), created.slice(0, 600)).toBe(1)
    const deleted = await runQuery('DELETE FROM scratch_test.balance WHERE true', 'prod')
    expect(deleted).toContain('result-message')
    expect(await firstValue(await runQuery('SELECT count(*) AS n FROM scratch_test.balance', 'prod'))).toBe(
      '0',
    )
    const other = await runQuery('CREATE TABLE scratch_bob.x AS SELECT 1 AS a', 'dev_test')
    expect(other).toMatch(/only tables in your scratch schema scratch_test can be written/)
  })

  it('reads files in the project only: /etc/passwd is refused', async () => {
    const passwd = await runQuery("SELECT * FROM read_text('/etc/passwd')", 'dev_test')
    expect(passwd).toContain('data-error')
    expect(passwd).toMatch(
      /Permission Error: Cannot access file &quot;\/etc\/passwd&quot;|Cannot access file "\/etc\/passwd"/,
    )
    const inside = await runQuery(
      `SELECT count(*) AS n FROM read_csv('${project.root}/data/psd_coffee.csv')`,
      'prod',
    )
    expect(inside).not.toContain('data-error')
  })
})
