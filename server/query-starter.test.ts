// Goal: the query page of a project without saved tabs opens on a query over the project's data,
// one that runs: the first rows of a model no other model reads, in the environment's own views
// (a new dev environment is a copy of prod's); a project whose environment has no views yet opens on
// a query that needs no table; saved tabs win. Method: the fixture project (raw -> staging ->
// serving.obt_commodity_metrics -> serving.agg_world_balance) with the workbench in-process on port
// 0: GET /query and its first tab's SQL, POST /query/run with that SQL, and the rows it returns.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { environmentCookie } from './environments.ts'
import { tokenCookieName } from './security.ts'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject | undefined
let workbench: Workbench | undefined

afterEach(async () => {
  await workbench?.close()
  project?.remove()
  workbench = undefined
  project = undefined
})

function cookie(open: Workbench, environment: string): string {
  return `${tokenCookieName(open.port)}=${open.token}; ${environmentCookie}=${environment}`
}

// The first tab's SQL as the page hands it to the editor (data-tabs, HTML-escaped JSON).
async function firstTabSql(open: Workbench, environment: string): Promise<string> {
  const reply = await fetch(`${open.baseUrl}/query`, { headers: { cookie: cookie(open, environment) } })
  expect(reply.status).toBe(200)
  const attribute = /data-tabs="([^"]*)"/.exec(await reply.text())?.[1] ?? ''
  const json = attribute.replaceAll('&quot;', '"').replaceAll('&lt;', '<').replaceAll('&amp;', '&')
  return (JSON.parse(json) as { tabs: { sql: string }[] }).tabs[0]?.sql ?? ''
}

// The run's rows (the page draws rows in the browser from the rows endpoint).
async function run(open: Workbench, sql: string, environment: string): Promise<unknown[][]> {
  const reply = await fetch(`${open.baseUrl}/query/run`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      origin: open.baseUrl,
      cookie: cookie(open, environment),
    },
    body: new URLSearchParams({ sql, runId: 'starter' }).toString(),
  })
  const html = await reply.text()
  const id = /data-result-id="(\d+)"/.exec(html)?.[1]
  if (id === undefined) throw new Error(`no result: ${html.replace(/<[^>]+>/g, ' ').slice(0, 300)}`)
  const rows = await fetch(`${open.baseUrl}/api/query/${id}/rows?offset=0&limit=1000`, {
    headers: { cookie: cookie(open, environment) },
  })
  return ((await rows.json()) as { rows: unknown[][] }).rows
}

describe('the first query tab', () => {
  it("reads the project's last model in a new dev environment, and runs", async () => {
    project = createFixtureProject()
    await buildEnvironment(project.root, 'prod')
    workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'starter' } })
    const sql = await firstTabSql(workbench, 'dev_starter')
    expect(sql).toBe('SELECT *\nFROM serving.agg_world_balance\nLIMIT 100\n')
    // The fixture's coffee rows: one world balance per market year, 2020 to 2022.
    const rows = await run(workbench, sql, 'dev_starter')
    expect(rows.map((row) => row[0])).toEqual(['0711100', '0711100', '0711100'])
  })

  it('is a query that needs no table while the environment has no views, and saved tabs win', async () => {
    project = createFixtureProject()
    workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'starter' } })
    const sql = await firstTabSql(workbench, 'prod')
    expect(sql).toBe('SELECT 42 AS answer\n')
    expect(await run(workbench, sql, 'prod')).toEqual([[42]])

    writeFileSync(
      join(project.root, '.materia', 'query-tabs.json'),
      JSON.stringify({ tabs: [{ title: 'Mine', sql: 'SELECT 7 AS mine' }], active: 0 }),
    )
    await expect(firstTabSql(workbench, 'prod')).resolves.toBe('SELECT 7 AS mine')
  })
})
