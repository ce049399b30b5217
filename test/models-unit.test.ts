// Goal: the transform project's YAML unit tests (sql/tests/test_*.yaml) pass and its models are
// lint-clean, so `materia test` and `materia lint` stay green on the project analysts open.
// Method: load sql/ with the engine and run every unit test through the engine's test runner (fresh
// in-memory DuckDB per test, fixtures typed from the models' real output schemas) and the linter.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lintProject } from '../pipeline/engine/lint.ts'
import { loadProject } from '../pipeline/engine/load.ts'
import { runTests } from '../pipeline/engine/test-runner.ts'

const sqlRoot = join(import.meta.dirname, '..', 'sql')

describe('sql/ transform project', () => {
  it('passes every YAML unit test, one or more per non-raw model', async () => {
    const project = await loadProject(sqlRoot, { env: { ...process.env, MATERIA_LANDING: '/nonexistent' } })
    const results = await runTests(project)
    const failures = results.filter((result) => !result.passed).map((result) => result.message)
    expect(failures).toEqual([])
    const tested = new Set(results.map((result) => result.model))
    const untested = [...project.models.values()]
      .filter((model) => model.schema !== 'raw' && model.kind.name !== 'SEED')
      .map((model) => model.name)
      .filter((name) => !tested.has(name))
    expect(untested).toEqual([])
  })

  it('has no lint finding', async () => {
    const project = await loadProject(sqlRoot, { env: process.env })
    const findings = await lintProject(project)
    expect(
      findings.map((finding) => `${finding.path}:${finding.line} ${finding.rule} ${finding.message}`),
    ).toEqual([])
  })
})
