// Goal: the benchmark project generator (bench/generate-project.ts), which the load and plan
// benchmarks rely on, writes a valid, layered, deterministic project. Method: generate a small one
// into a temp folder and load it with the real loader.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateProject } from '../bench/generate-project.ts'
import { loadProject } from '../pipeline/engine/load.ts'

const roots: string[] = []

function generated(models: number) {
  const root = mkdtempSync(join(tmpdir(), 'materia-generate-'))
  roots.push(root)
  return generateProject(root, { models })
}

afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true })
})

describe('generateProject', () => {
  it('writes a loadable four-layer project where each model reads 1-3 models of the layer before', async () => {
    const result = generated(60)
    expect(result.models).toHaveLength(60)
    const project = await loadProject(result.root, { env: {} })
    expect(project.models.size).toBe(60)
    const layerOf = (name: string) => ['raw', 'staging', 'cleaned', 'serving'].indexOf(name.split('.')[0]!)
    for (const name of result.models) {
      const parents = project.parents.get(name)!
      if (layerOf(name) === 0) expect(parents).toEqual([])
      else {
        expect(parents.length).toBeGreaterThanOrEqual(1)
        expect(parents.length).toBeLessThanOrEqual(3)
        for (const parent of parents) expect(layerOf(parent)).toBe(layerOf(name) - 1)
      }
    }
    for (const leaf of result.leaves) expect(project.children.get(leaf)).toEqual([])
    const fanOut = Math.max(...[...project.children.values()].map((children) => children.length))
    expect(fanOut).toBeGreaterThan(3)
  })

  it('is deterministic', () => {
    const first = generated(30)
    const second = generated(30)
    expect(first.models).toEqual(second.models)
    for (const name of first.models) {
      const [layer, table] = name.split('.') as [string, string]
      const path = join('models', layer, `${table}.sql`)
      expect(readFileSync(join(first.root, path), 'utf8')).toBe(readFileSync(join(second.root, path), 'utf8'))
    }
  })
})
