// Goal: the DAG page carries the laid-out graph the browser draws (every model once, with its
// position, kind and file, and an edge for each model it reads), the same drawing while the
// project is unchanged, and a new one after a save changes what a model reads; a model name can
// never end the data block early. Method: the real workbench in-process on port 0 over a temporary
// fixture project, pages read with fetch (no browser), a save through the editor's PUT /api/file.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { jsonData } from './html.ts'
import type { DagGraph } from './routes/dag.ts'
import { createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench

const headers = () => ({ authorization: `Bearer ${workbench.token}`, origin: workbench.baseUrl })

async function dagPage(): Promise<string> {
  const reply = await fetch(`${workbench.baseUrl}/dag`, { headers: headers() })
  expect(reply.status).toBe(200)
  return reply.text()
}

function graphOf(page: string): DagGraph {
  const block = /<template id="dag-graph">([^<&]*)<\/template>/.exec(page)
  if (block === null) throw new Error('no dag-graph data block in the DAG page')
  return JSON.parse(block[1] ?? '') as DagGraph
}

// The edges as "parent -> child" names, sorted.
function edgesOf(graph: DagGraph): string[] {
  return graph.from
    .map((source, edge) => `${graph.names[source]} -> ${graph.names[graph.to[edge] ?? -1]}`)
    .sort()
}

beforeAll(async () => {
  project = createFixtureProject()
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'test' } })
})

afterAll(async () => {
  await workbench?.close()
  project?.remove()
})

describe('DAG graph', () => {
  it('sends every model with its position and an edge for each model it reads', async () => {
    const page = await dagPage()
    const graph = graphOf(page)
    expect([...graph.names].sort()).toEqual([
      'raw.psd_coffee',
      'serving.agg_world_balance',
      'serving.obt_commodity_metrics',
      'staging.stg_psd_coffee',
    ])
    const at = (name: string) => graph.names.indexOf(name)
    expect(graph.paths[at('serving.agg_world_balance')]).toBe('models/serving/agg_world_balance.sql')
    expect(graph.kinds[at('serving.agg_world_balance')]).toBe('FULL')
    // Left to right by layer: each model sits right of the one it reads.
    const xs = [
      'raw.psd_coffee',
      'staging.stg_psd_coffee',
      'serving.obt_commodity_metrics',
      'serving.agg_world_balance',
    ].map((name) => graph.x[at(name)] ?? Number.NaN)
    expect(xs).toEqual([...xs].sort((left, right) => left - right))
    expect(new Set(xs).size).toBe(4)
    expect(edgesOf(graph)).toEqual([
      'raw.psd_coffee -> staging.stg_psd_coffee',
      'serving.obt_commodity_metrics -> serving.agg_world_balance',
      'staging.stg_psd_coffee -> serving.obt_commodity_metrics',
    ])
    // The drawing's frame is as big as the layout.
    const width = Number(/id="dag-svg" viewBox="0 0 (\d+) (\d+)"/.exec(page)?.[1])
    expect(width).toBeGreaterThanOrEqual(Math.max(...xs) + graph.nodeWidth)
    // Unchanged project, same drawing.
    expect(graphOf(await dagPage())).toEqual(graph)
  })

  it('draws the new edges after a save changes what a model reads', async () => {
    const path = 'models/serving/agg_world_balance.sql'
    const text = readFileSync(join(project.root, path), 'utf8')
    const mtime = await fetch(`${workbench.baseUrl}/api/file/mtime?path=${encodeURIComponent(path)}`, {
      headers: headers(),
    })
    const { mtimeMs } = (await mtime.json()) as { mtimeMs: number }
    const saved = await fetch(`${workbench.baseUrl}/api/file`, {
      method: 'PUT',
      headers: { ...headers(), 'content-type': 'application/json' },
      body: JSON.stringify({
        path,
        text: text.replace('FROM serving.obt_commodity_metrics', 'FROM staging.stg_psd_coffee'),
        baseMtimeMs: mtimeMs,
      }),
    })
    expect(saved.status).toBe(200)
    expect(edgesOf(graphOf(await dagPage()))).toEqual([
      'raw.psd_coffee -> staging.stg_psd_coffee',
      'staging.stg_psd_coffee -> serving.agg_world_balance',
      'staging.stg_psd_coffee -> serving.obt_commodity_metrics',
    ])
  })

  it('writes a data block no value can end early', () => {
    const value = { name: '</template><img src=x onerror=alert(1)>', comment: '<!-- x --> &amp; &lt;' }
    const block = jsonData('data', value).text
    expect(block.match(/</g)?.length).toBe(2) // the block's own tags only
    const body = /^<template id="data">([^<&]*)<\/template>$/.exec(block)?.[1] ?? ''
    expect(JSON.parse(body)).toEqual(value)
  })
})
