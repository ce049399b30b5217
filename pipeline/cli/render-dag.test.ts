// Goal: `materia render` prints the expanded query with model references pointing at prod views
// (or --env's), `materia dag` prints layers and edges or JSON, and bad arguments fail with one
// line. Method: call main() in-process with captured stdout/stderr on the example project.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { example, type Run, runMain } from './testing/cli-run.ts'

function run(argv: string[], cwd = example): Promise<Run> {
  return runMain(argv, { cwd, env: {} })
}

describe('materia render', () => {
  it('expands macros and points model references at prod views', async () => {
    const result = await run([
      'render',
      'cleaned.psd_coffee_snapshots',
      '--start',
      '2022-01-01',
      '--end',
      '2022-01-31',
    ])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(`SELECT
  country_code AS country_code,
  market_year AS market_year,
  attribute_id AS attribute_id,
  ingest_date AS ingest_date,
  value AS value
FROM "staging"."stg_psd_coffee"
WHERE ingest_date BETWEEN '2022-01-01' AND '2022-01-31'
`)
  })

  it('names the file of a SEED model', async () => {
    const result = await run(['render', 'raw.psd_coffee'])
    expect(result).toEqual({
      code: 0,
      stdout: '-- raw.psd_coffee is a SEED model: its rows come from seeds/psd_coffee.csv\n',
      stderr: '',
    })
  })

  it('takes --project from elsewhere and --env for the views', async () => {
    const result = await run(
      ['render', 'serving.coffee_stocks_to_use', '--project', example, '--env=dev_alice'],
      '/',
    )
    expect(result.code).toBe(0)
    expect(result.stdout).toContain(
      'FROM "cleaned__dev_alice"."coffee_balance" AS balance\nJOIN "serving__dev_alice"."dim_country" AS country',
    )
  })

  it('fails with one line on bad arguments', async () => {
    expect(await run(['render', 'serving.nope'])).toEqual({
      code: 1,
      stdout: '',
      stderr: 'materia render: unknown model serving.nope; run materia dag for the list\n',
    })
    expect((await run(['render'])).stderr).toMatch(
      /^materia render: give one model name; usage: materia render MODEL/,
    )
    expect((await run(['render', 'serving.dim_country', '--start', '2022-02-30'])).stderr).toMatch(
      /^materia render: --start "2022-02-30" is not a date like 2024-01-31/,
    )
    expect((await run(['render', 'serving.dim_country', '--env', 'PROD'])).stderr).toMatch(
      /^materia render: environment "PROD" is not a valid name; use prod or lower-case letters/,
    )
    expect((await run(['render', 'serving.dim_country', '--colour'])).stderr).toMatch(
      /^materia render: unknown option --colour; usage:/,
    )
    const missing = await run(['render', 'serving.dim_country'], '/tmp')
    expect(missing.code).toBe(1)
    expect(missing.stderr).toBe(
      'materia render: /tmp/sql/materia.yaml not found; run from a project folder or pass --project DIR\n',
    )
  })
})

describe('materia dag', () => {
  it('prints layers and edges', async () => {
    const result = await run(['dag'])
    expect(result.code).toBe(0)
    expect(result.stdout).toBe(`layer 0: raw.psd_coffee
layer 1: staging.stg_psd_coffee
layer 2: cleaned.coffee_balance, cleaned.psd_coffee_snapshots, serving.dim_country
layer 3: serving.coffee_stocks_to_use

raw.psd_coffee -> staging.stg_psd_coffee
staging.stg_psd_coffee -> cleaned.coffee_balance
staging.stg_psd_coffee -> cleaned.psd_coffee_snapshots
staging.stg_psd_coffee -> serving.dim_country
cleaned.coffee_balance -> serving.coffee_stocks_to_use
serving.dim_country -> serving.coffee_stocks_to_use
`)
  })

  it('fails with one line naming the file on a broken project, changing nothing', async () => {
    const root = mkdtempSync(join(tmpdir(), 'materia-dag-'))
    try {
      cpSync(example, root, { recursive: true })
      const raw = join(root, 'models/raw/psd_coffee.sql')
      writeFileSync(raw, 'MODEL (name raw.psd_coffee, kind FULL);\nSELECT * FROM serving.dim_country')
      const before = readFileSync(raw, 'utf8')
      const result = await run(['dag', '--project', root])
      expect(result).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'materia dag: models/raw/psd_coffee.sql: dependency cycle raw.psd_coffee -> staging.stg_psd_coffee -> serving.dim_country -> raw.psd_coffee; remove one of these references\n',
      })
      expect(readFileSync(raw, 'utf8')).toBe(before)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })

  it('prints nodes and edges as JSON', async () => {
    const result = await run(['dag', '--json'])
    expect(result.code).toBe(0)
    const dag = JSON.parse(result.stdout) as {
      nodes: { name: string; kind: string; path: string; layer: number }[]
      edges: unknown[]
    }
    expect(dag.nodes[0]).toEqual({
      name: 'raw.psd_coffee',
      kind: 'SEED',
      path: 'models/raw/psd_coffee.sql',
      layer: 0,
    })
    expect(dag.nodes.map((node) => node.name).at(-1)).toBe('serving.coffee_stocks_to_use')
    expect(dag.edges).toHaveLength(6)
    expect(dag.edges).toContainEqual({ from: 'serving.dim_country', to: 'serving.coffee_stocks_to_use' })
  })
})
