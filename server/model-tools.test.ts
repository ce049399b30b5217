// Goal: the model editor's lineage, preview and the DAG's column mode answer good requests from the
// engine and bad ones in one line: an unknown model, a file that is no model and a query DuckDB
// cannot read each say what failed. Method: the real workbench in-process on port 0 over a
// temporary project with genuine PSD rows built into prod, requests with fetch (no browser).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { buildEnvironment, createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench

function call(path: string, form?: Record<string, string>): Promise<Response> {
  return fetch(`${workbench.baseUrl}${path}`, {
    method: form === undefined ? 'GET' : 'POST',
    headers: {
      authorization: `Bearer ${workbench.token}`,
      origin: workbench.baseUrl,
      'hx-request': 'true',
      ...(form === undefined ? {} : { 'content-type': 'application/x-www-form-urlencoded' }),
    },
    body: form === undefined ? undefined : new URLSearchParams(form).toString(),
  })
}

beforeAll(async () => {
  project = createFixtureProject()
  writeFileSync(join(project.root, 'models/serving/notes.txt'), 'not a model\n')
  await buildEnvironment(project.root, 'prod')
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
})

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('model tools', () => {
  it('gives the lineage of a column of the model or of a model it reads', async () => {
    const own = await (await call('/api/lineage?model=serving.agg_world_balance&word=Stocks_To_Use')).json()
    expect(own.model).toBe('serving.agg_world_balance')
    expect(own.column).toBe('stocks_to_use')
    expect(own.upstream).toContain('<- serving.obt_commodity_metrics.ending_stocks')
    // country_code is no output of agg_world_balance; its parent obt_commodity_metrics has it.
    const parent = await (await call('/api/lineage?model=serving.agg_world_balance&word=country_code')).json()
    expect(parent.model).toBe('serving.obt_commodity_metrics')
    expect(parent.upstream).toContain('<- staging.stg_psd_coffee.country_code')
  })

  it('previews a model in the dev environment, and refuses what is no model or does not parse', async () => {
    const text =
      'MODEL (name serving.agg_world_balance, kind FULL);\nSELECT market_year FROM serving.obt_commodity_metrics'
    const good = await (
      await call('/models/preview', { path: 'models/serving/agg_world_balance.sql', text, offset: '0' })
    ).text()
    expect(good).toContain('data-row-count="9"')
    expect(good).toContain('first 100 rows in dev_test')
    const notModel = await (
      await call('/models/preview', { path: 'models/serving/notes.txt', text: 'x', offset: '0' })
    ).text()
    expect(notModel).toContain('models/serving/notes.txt is not a model of this project')
    const broken = await (
      await call('/models/preview', {
        path: 'models/serving/agg_world_balance.sql',
        text: 'MODEL (name serving.agg_world_balance, kind FULL);\nSELECT FROM FROM',
        offset: '60',
      })
    ).text()
    expect(broken).toContain('data-error')
    expect(broken).toMatch(/syntax error/i)
    expect(broken).not.toMatch(/\n\s+at /) // no stack trace
  })

  it('draws the column mode from the engine and names an unknown lineage model in one line', async () => {
    const page = await (await call('/dag?mode=columns')).text()
    expect(page).toContain('data-key="serving.agg_world_balance.stocks_to_use"')
    expect(page).toContain(
      'data-from="staging.stg_psd_coffee.value" data-to="serving.obt_commodity_metrics.production"',
    )
    const reply = await fetch(`${workbench.baseUrl}/api/lineage?model=serving.none&word=x`, {
      headers: { authorization: `Bearer ${workbench.token}`, origin: workbench.baseUrl },
    })
    expect(reply.status).toBe(400)
    expect((await reply.json()).error).toBe('unknown model "serving.none"; open a model file to see lineage')
  })
})
