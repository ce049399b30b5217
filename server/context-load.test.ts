// Goal: a project with a broken model still opens in the workbench with every other model usable,
// the problems shown as the load error, and plans refused until they are fixed. Method: loadIndex
// on a real project folder with one good and one broken model.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'
import { loadIndex } from './context.ts'

describe('loadIndex with a broken model', () => {
  it('keeps the models that load and reports the broken one', async () => {
    const root = temporaryDirectory('workbench-partial')
    mkdirSync(join(root, 'models'))
    writeFileSync(join(root, 'materia.yaml'), 'name: partial\n')
    writeFileSync(join(root, 'models/good.sql'), 'MODEL (name shop.good, kind FULL);\nSELECT 1 AS x')
    writeFileSync(
      join(root, 'models/bad.sql'),
      'MODEL (name shop.bad, kind FULL, colour red);\nSELECT 1 AS x',
    )
    const { project, index } = await loadIndex(root, {})
    expect([...(project?.models.keys() ?? [])]).toEqual(['shop.good'])
    expect(index.loadError).toMatch(/^models\/bad\.sql:1:34 unknown property "colour"; use name \| kind/)
    expect(index.loadError).toMatch(/1 problem in the project; fix them and run again$/)
    expect(project?.unavailable?.get('shop.bad')).toMatch(/unknown property "colour"/)
  })
})
