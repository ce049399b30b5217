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

  it('indexes loaded and broken models with their parents and children', async () => {
    const root = temporaryDirectory('workbench-index')
    mkdirSync(join(root, 'models'))
    writeFileSync(join(root, 'materia.yaml'), 'name: indexed\n')
    writeFileSync(join(root, 'models/base.sql'), 'MODEL (name shop.base, kind FULL);\nSELECT 1 AS x')
    writeFileSync(
      join(root, 'models/left.sql'),
      'MODEL (name shop.left, kind VIEW);\nSELECT x FROM shop.base',
    )
    writeFileSync(
      join(root, 'models/right.sql'),
      'MODEL (name shop.right, kind VIEW);\nSELECT x FROM shop.base',
    )
    writeFileSync(
      join(root, 'models/broken.sql'),
      'MODEL (name shop.broken, kind FULL);\nSELECT x FROM shop.left JOIN shop.right USING (x) WHERE',
    )
    const { index } = await loadIndex(root, {})
    const entry = (name: string) => {
      const model = index.models.get(name)
      return model && { kind: model.kind, path: model.path, parents: model.parents, children: model.children }
    }
    expect([...index.models.keys()].sort()).toEqual(['shop.base', 'shop.broken', 'shop.left', 'shop.right'])
    expect(entry('shop.base')).toEqual({
      kind: 'FULL',
      path: 'models/base.sql',
      parents: [],
      children: ['shop.left', 'shop.right'],
    })
    expect(entry('shop.left')).toEqual({
      kind: 'VIEW',
      path: 'models/left.sql',
      parents: ['shop.base'],
      children: ['shop.broken'],
    })
    // The broken model is not in the engine's project: its header and parents come from its text.
    expect(entry('shop.broken')).toEqual({
      kind: 'FULL',
      path: 'models/broken.sql',
      parents: ['shop.left', 'shop.right'],
      children: [],
    })
  })
})
