// Goal: the location at the start of every loading message can be read back for editor markers.
// Method: real messages from loading a broken copy of the example project, plus literal ones.
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { errorLocation } from './error-location.ts'
import { loadProject } from './load.ts'

describe('errorLocation', () => {
  it('reads path, line and column', () => {
    expect(errorLocation('models/serving/x.sql:4:18 SQL syntax error: at "c"; fix the query')).toEqual({
      path: 'models/serving/x.sql',
      line: 4,
      column: 18,
    })
    expect(errorLocation('materia.yaml:3 unknown key "x"')).toEqual({
      path: 'materia.yaml',
      line: 3,
      column: null,
    })
    expect(errorLocation('models/a.sql: dependency cycle a.x -> a.y -> a.x')).toEqual({
      path: 'models/a.sql',
      line: null,
      column: null,
    })
    expect(errorLocation('duplicate model name a.b in models/a.sql and models/b.sql')).toBeNull()
  })

  it('reads the location of a real loading error', async () => {
    const root = mkdtempSync(join(tmpdir(), 'materia-location-'))
    try {
      cpSync(join(import.meta.dirname, 'testdata', 'example'), root, { recursive: true })
      writeFileSync(join(root, 'models/serving/extra.sql'), 'MODEL (name serving.extra);\nSELECT 1 AS a b')
      const error = await loadProject(root, { env: {} }).then(
        () => null,
        (caught: Error) => caught,
      )
      expect(errorLocation(error!.message)).toEqual({ path: 'models/serving/extra.sql', line: 2, column: 15 })
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
