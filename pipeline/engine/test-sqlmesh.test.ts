// Goal: unit tests written in SQLMesh's YAML format (docs/concepts/tests.md) run unchanged: rows,
// `rows: |` CSV with csv_settings, `query:` inputs, a YAML file as `path`, outputs.ctes,
// outputs.partial, vars with only `end` (start is then 1970-01-01, as SQLMesh's renderer defaults
// it), the model's own table as an input (empty when not given), and a malformed test failing alone.
// Method: the documentation's example models and tests in a temp project, run on DuckDB.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadProject } from './load.ts'
import type { Project } from './project.ts'
import { runTests, type TestResult } from './test-runner.ts'

const root = join(tmpdir(), `materia-test-sqlmesh-${process.pid}`)

const models: Record<string, string> = {
  'seed_model.sql': `MODEL (name sqlmesh_example.seed_model, kind FULL);
SELECT 1::INTEGER AS id, 1::INTEGER AS item_id, DATE '2020-01-01' AS event_date`,
  'incremental_model.sql': `MODEL (
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
  'full_model.sql': `MODEL (
  name sqlmesh_example.full_model,
  kind FULL,
  cron '@daily',
  grain item_id,
);

WITH filtered_orders_cte AS (
  SELECT
    id,
    item_id
  FROM
    sqlmesh_example.incremental_model
  WHERE
    item_id = 1
)
SELECT
  item_id,
  COUNT(DISTINCT id) AS num_orders,
FROM
  filtered_orders_cte
GROUP BY item_id`,
  'colors.sql': `MODEL (
  name colors.colors,
  kind FULL
);

SELECT
  'Yellow' AS color,
  CURRENT_TIMESTAMP AS created_at`,
  'totals.sql': `MODEL (
  name sqlmesh_example.totals,
  kind FULL,
  columns (item_id INTEGER, orders BIGINT)
);
SELECT item_id, COUNT(*) AS orders FROM sqlmesh_example.incremental_model GROUP BY item_id
UNION ALL
SELECT item_id, orders FROM sqlmesh_example.totals`,
}

const inputs = `    sqlmesh_example.incremental_model:
      rows:
      - id: 1
        item_id: 1
      - id: 2
        item_id: 1
      - id: 3
        item_id: 2`

const tests: Record<string, string> = {
  'test_full_model.yaml': `test_example_full_model:
  model: sqlmesh_example.full_model
  description: the CTE example of tests.md
  inputs:
${inputs}
  outputs:
    ctes:
      filtered_orders_cte:
        rows:
          - id: 1
            item_id: 1
          - id: 2
            item_id: 1
    query:
      rows:
      - item_id: 1
        num_orders: 2

test_full_model_csv:
  model: sqlmesh_example.full_model
  inputs:
    sqlmesh_example.incremental_model:
      format: csv
      csv_settings:
        sep: "#"
      rows: |
        id#item_id
        1#1
        2#1
        3#2
  outputs:
    query:
      rows:
      - item_id: 1
        num_orders: 2

test_full_model_query:
  model: sqlmesh_example.full_model
  inputs:
    sqlmesh_example.incremental_model:
      query: |
        SELECT 1 AS id, 1 AS item_id
        UNION ALL
        SELECT 2 AS id, 1 AS item_id
        UNION ALL
        SELECT 3 AS id, 2 AS item_id
  outputs:
    partial: true
    query:
      rows:
      - num_orders: 2

test_full_model_file:
  model: sqlmesh_example.full_model
  inputs:
    sqlmesh_example.incremental_model:
      path: tests/incremental_rows.yaml
  outputs:
    query:
      - item_id: 1
        num_orders: 2
`,
  'test_incremental_model.yaml': `test_incremental_model:
  model: sqlmesh_example.incremental_model
  inputs:
    sqlmesh_example.seed_model:
    - id: 1
      item_id: 2
      event_date: 2019-12-31
    - id: 2
      item_id: 1
      event_date: 2020-01-04
    - id: 3
      item_id: 3
      event_date: 2020-01-05
  outputs:
    query:
    - id: 1
      item_id: 2
      event_date: 2019-12-31
    - id: 2
      item_id: 1
      event_date: 2020-01-04
  vars:
    end: '2020-01-04'
`,
  'test_totals.yaml': `test_totals_previous_rows:
  model: sqlmesh_example.totals
  inputs:
    sqlmesh_example.incremental_model:
      - id: 1
        item_id: 7
    sqlmesh_example.totals:
      - item_id: 9
        orders: 4
  outputs:
    query:
      - item_id: 7
        orders: 1
      - item_id: 9
        orders: 4

test_totals_first_build:
  model: sqlmesh_example.totals
  inputs:
    sqlmesh_example.incremental_model:
      - id: 1
        item_id: 7
  outputs:
    query:
      - item_id: 7
        orders: 1
`,
  'test_colors.yaml': `test_colors:
  model: colors.colors
  outputs:
    query:
      - color: "Yellow"
        created_at: "2023-01-01 12:05:03"
  vars:
    execution_time: "2023-01-01 12:05:03"

test_colors_utc_plus_2:
  model: colors.colors
  outputs:
    query:
      - color: "Yellow"
        created_at: "2023-01-01 10:05:03"
  vars:
    execution_time: "2023-01-01 12:05:03+02:00"
`,
  'test_broken.yaml': `test_broken:
  model: sqlmesh_example.full_model
  outputs:
    query:
      rows: 12
`,
  'test_broken_yaml.yaml': 'test_x:\n  model: [unclosed\n',
}

let project: Project
let results: Map<string, TestResult>

beforeAll(async () => {
  rmSync(root, { recursive: true, force: true })
  mkdirSync(join(root, 'models'), { recursive: true })
  mkdirSync(join(root, 'tests'), { recursive: true })
  writeFileSync(join(root, 'materia.yaml'), 'name: sqlmesh_tests\n')
  for (const [file, text] of Object.entries(models)) writeFileSync(join(root, 'models', file), text)
  for (const [file, text] of Object.entries(tests)) writeFileSync(join(root, 'tests', file), text)
  writeFileSync(
    join(root, 'tests', 'incremental_rows.yaml'),
    '- id: 1\n  item_id: 1\n- id: 2\n  item_id: 1\n- id: 3\n  item_id: 2\n',
  )
  project = await loadProject(root, { env: {} })
  results = new Map((await runTests(project)).map((result) => [result.name, result]))
})

afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('SQLMesh unit tests', () => {
  it('passes the documented examples: rows, ctes, CSV text, query inputs, a YAML file, partial', () => {
    for (const name of [
      'test_example_full_model',
      'test_full_model_csv',
      'test_full_model_query',
      'test_full_model_file',
    ]) {
      expect(results.get(name), name).toMatchObject({ passed: true, message: '' })
    }
  })

  it('renders with start 1970-01-01 when vars give only end', () => {
    expect(results.get('test_incremental_model')).toMatchObject({ passed: true, message: '' })
  })

  it('freezes CURRENT_TIMESTAMP at vars.execution_time, time zone applied', () => {
    expect(results.get('test_colors')).toMatchObject({ passed: true, message: '' })
    expect(results.get('test_colors_utc_plus_2')).toMatchObject({ passed: true, message: '' })
  })

  it("reads the model's own table from the test, empty when not given", () => {
    expect(results.get('test_totals_previous_rows')).toMatchObject({ passed: true, message: '' })
    expect(results.get('test_totals_first_build')).toMatchObject({ passed: true, message: '' })
  })

  it('fails a malformed test and a malformed file alone, naming file:line', () => {
    expect(results.get('test_broken')).toMatchObject({
      passed: false,
      message: 'tests/test_broken.yaml:1 test test_broken: outputs.query.rows must be a list of rows',
    })
    const file = results.get('tests/test_broken_yaml.yaml')
    expect(file?.passed).toBe(false)
    expect(file?.message).toMatch(/^tests\/test_broken_yaml\.yaml:3 invalid YAML: /)
    expect([...results.values()].filter((result) => result.passed)).toHaveLength(9)
  })
})
