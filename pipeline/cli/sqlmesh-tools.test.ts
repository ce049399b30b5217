// Goal: `materia lineage` and `materia create-test` work end to end through `main` on a project
// written from SQLMesh's documentation (tests.md's seed and incremental models): lineage prints the
// upstream tree, --downstream and --json; create-test writes tests/test_<model>.yaml from a dev
// environment's rows, which `materia test` then passes; bad input exits 1 with one line.
// Method: a temp project, the real plan/apply into its DuckDB file, main([...]) with captured output.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { type Run, runMain } from './testing/cli-run.ts'

function run(argv: string[], cwd: string): Promise<Run> {
  return runMain(argv, { cwd, env: {} })
}

const root = mkdtempSync(join(tmpdir(), 'materia-sqlmesh-tools-'))

beforeAll(async () => {
  mkdirSync(join(root, 'models'), { recursive: true })
  writeFileSync(
    join(root, 'materia.yaml'),
    "name: sqlmesh_example\nmodel_defaults: { start: '2020-01-01', cron: '@daily' }\n",
  )
  writeFileSync(
    join(root, 'models', 'seed_model.sql'),
    `MODEL (name sqlmesh_example.seed_model, kind FULL, grain (id, event_date));
SELECT id::INTEGER AS id, item_id::INTEGER AS item_id, event_date::DATE AS event_date
FROM (VALUES (1, 2, '2020-01-01'), (2, 1, '2020-01-01'), (3, 3, '2020-01-03'), (4, 1, '2020-01-07')) AS t(id, item_id, event_date)`,
  )
  writeFileSync(
    join(root, 'models', 'incremental_model.sql'),
    `MODEL (
  name sqlmesh_example.incremental_model,
  kind INCREMENTAL_BY_TIME_RANGE (
    time_column event_date
  ),
  start '2020-01-01',
  cron '@daily',
  grain (id, event_date)
);

SELECT
  id,
  item_id,
  event_date,
FROM
  sqlmesh_example.seed_model
WHERE
  event_date BETWEEN @start_date AND @end_date`,
  )
  mkdirSync(join(root, 'audits'), { recursive: true })
  writeFileSync(
    join(root, 'audits', 'standalone.sql'),
    "AUDIT (\n  name seed_ids_positive,\n  standalone TRUE,\n  depends_on (sqlmesh_example.seed_model)\n);\nSELECT * FROM sqlmesh_example.seed_model WHERE id <= 0;\n\nAUDIT (name seed_dates_2020, standalone true);\nSELECT * FROM sqlmesh_example.seed_model WHERE event_date >= DATE '2020-01-05';\n",
  )
  const planned = await run(['plan', 'dev', '--auto-apply', '--end', '2020-01-10'], root)
  expect(planned.code).toBe(0)
  // Standalone audits run after apply and never block (audits.md): one passes, one reports a row.
  const output = planned.stdout + planned.stderr
  expect(output).toContain('standalone audit seed_ids_positive: passed')
  expect(output).toContain('non-blocking audit seed_dates_2020 failed on audit.seed_dates_2020: 1 bad row')
})

describe('materia lineage', () => {
  it('prints upstream and downstream columns, and JSON', async () => {
    const upstream = await run(['lineage', 'sqlmesh_example.incremental_model.item_id'], root)
    expect(upstream).toMatchObject({ code: 0, stderr: '' })
    expect(upstream.stdout).toBe(
      'sqlmesh_example.incremental_model.item_id\n  <- sqlmesh_example.seed_model.item_id\n    <- t.item_id (source)\n',
    )
    const downstream = await run(['lineage', 'sqlmesh_example.seed_model.id', '--downstream', '--json'], root)
    expect(downstream.code).toBe(0)
    expect(JSON.parse(downstream.stdout).edges).toEqual([
      {
        source: { model: 'sqlmesh_example.seed_model', column: 'id', isModel: true },
        target: { model: 'sqlmesh_example.incremental_model', column: 'id', isModel: true },
      },
    ])
  })

  it('exits 1 with one line for a bad argument or column', async () => {
    const bad = await run(['lineage', 'sqlmesh_example.seed_model.nope'], root)
    expect(bad.code).toBe(1)
    expect(bad.stderr).toBe(
      'materia lineage: model sqlmesh_example.seed_model has no column nope; its columns: id, item_id, event_date\n',
    )
    const shape = await run(['lineage', 'seed_model'], root)
    expect(shape.code).toBe(1)
    expect(shape.stderr).toContain('"seed_model" is not schema.model.column')
  })
})

describe('materia create-test', () => {
  it("writes SQLMesh's test from dev rows, and the test passes", async () => {
    const created = await run(
      [
        'create-test',
        'sqlmesh_example.incremental_model',
        '--query',
        'sqlmesh_example.seed_model',
        "SELECT * FROM sqlmesh_example.seed_model WHERE event_date BETWEEN '2020-01-01' AND '2020-01-04' ORDER BY id LIMIT 3",
        '--var',
        'start',
        '2020-01-01',
        '--var',
        'end',
        '2020-01-04',
        '--env',
        'dev',
      ],
      root,
    )
    expect(created).toMatchObject({ code: 0, stderr: '' })
    expect(created.stdout).toBe('wrote tests/test_incremental_model.yaml: 3 expected rows\n')
    const written = parse(readFileSync(join(root, 'tests', 'test_incremental_model.yaml'), 'utf8'))
    expect(written.test_incremental_model.model).toBe('sqlmesh_example.incremental_model')
    expect(written.test_incremental_model.inputs['sqlmesh_example.seed_model']).toHaveLength(3)
    expect(written.test_incremental_model.vars).toEqual({ start: '2020-01-01', end: '2020-01-04' })
    const tested = await run(['test'], root)
    expect(tested.stdout).toContain('PASS test_incremental_model')
    expect(tested.code).toBe(0)
    const again = await run(
      [
        'create-test',
        'sqlmesh_example.incremental_model',
        '--query',
        'sqlmesh_example.seed_model',
        'SELECT 1',
      ],
      root,
    )
    expect(again.code).toBe(1)
    expect(again.stderr).toContain('tests/test_incremental_model.yaml exists; pass --name')
  })
})
