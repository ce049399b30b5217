// A small transform project for the workbench's tests and benchmark, over the genuine USDA PSD
// coffee rows bundled in assets/data (Brazil, Vietnam, Colombia 2020-2022). `buildEnvironment`
// materializes its models into an environment's schemas the way the engine's views expose them
// with the engine (prod at <schema>.<table>, others at <schema>__<env>.<table>), so pages that read
// environments have real data to show.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { applyPlan } from '../../pipeline/engine/apply.ts'
import { openDatabase } from '../../pipeline/engine/database.ts'
import { loadProject } from '../../pipeline/engine/load.ts'
import { buildPlan } from '../../pipeline/engine/plan.ts'

export const sampleCsvPath = fileURLToPath(
  new URL('../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url),
)

// Models in dependency order: [relative path, text].
export function fixtureModels(csvPath: string = sampleCsvPath): [string, string][] {
  return [
    [
      'models/raw/psd_coffee.sql',
      `MODEL (name raw.psd_coffee, kind FULL);
SELECT
  *
FROM read_csv('${csvPath}', header = true, all_varchar = true)
`,
    ],
    [
      'models/staging/stg_psd_coffee.sql',
      `MODEL (name staging.stg_psd_coffee, kind FULL, grain (commodity_code, country_code, market_year, attribute_id));
SELECT
  Commodity_Code::VARCHAR AS commodity_code,
  Commodity_Description::VARCHAR AS commodity_name,
  Country_Code::VARCHAR AS country_code,
  Country_Name::VARCHAR AS country_name,
  Market_Year::INTEGER AS market_year,
  Attribute_ID::VARCHAR AS attribute_id,
  Attribute_Description::VARCHAR AS attribute_name,
  Unit_Description::VARCHAR AS unit_description,
  Value::DOUBLE AS value
FROM raw.psd_coffee
`,
    ],
    [
      'models/serving/obt_commodity_metrics.sql',
      `MODEL (name serving.obt_commodity_metrics, kind FULL, grain (commodity_code, country_code, market_year));
WITH pivoted AS (
  SELECT
    commodity_code,
    any_value(commodity_name) AS commodity_name,
    country_code,
    any_value(country_name) AS country_name,
    market_year,
    sum(value) FILTER (WHERE attribute_id = '028') AS production,
    sum(value) FILTER (WHERE attribute_id = '125') AS domestic_consumption,
    sum(value) FILTER (WHERE attribute_id = '088') AS exports,
    sum(value) FILTER (WHERE attribute_id = '176') AS ending_stocks
  FROM staging.stg_psd_coffee
  GROUP BY commodity_code, country_code, market_year
)
SELECT
  commodity_code,
  commodity_name,
  country_code,
  country_name,
  market_year,
  production,
  domestic_consumption,
  exports,
  ending_stocks,
  production / sum(production) OVER (PARTITION BY commodity_code, market_year) AS world_production_share
FROM pivoted
`,
    ],
    [
      'models/serving/agg_world_balance.sql',
      `MODEL (name serving.agg_world_balance, kind FULL, grain (commodity_code, market_year));
SELECT
  commodity_code,
  any_value(commodity_name) AS commodity_name,
  market_year,
  count(*) AS country_count,
  sum(production) AS production,
  sum(exports) AS exports,
  sum(domestic_consumption) AS domestic_consumption,
  sum(ending_stocks) AS ending_stocks,
  sum(ending_stocks) / nullif(sum(domestic_consumption) + sum(exports), 0) AS stocks_to_use
FROM serving.obt_commodity_metrics
GROUP BY commodity_code, market_year
`,
    ],
  ]
}

export interface FixtureProject {
  readonly root: string
  remove(): void
}

export function createFixtureProject(): FixtureProject {
  const root = mkdtempSync(join(tmpdir(), 'materia-workbench-'))
  writeFileSync(
    join(root, 'materia.yaml'),
    'name: coffee_fixture\ngateways:\n  local:\n    type: duckdb\n    path: .materia/local.duckdb\nmodel_defaults:\n  start: "2020-01-01"\n',
  )
  // The rows live inside the project: the workbench's DuckDB reads files in the project and landing
  // folders only.
  const csvPath = join(root, 'data', 'psd_coffee.csv')
  mkdirSync(join(root, 'data'), { recursive: true })
  cpSync(sampleCsvPath, csvPath)
  for (const [path, text] of fixtureModels(csvPath)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  mkdirSync(join(root, 'tests'), { recursive: true })
  writeFileSync(
    join(root, 'tests', 'test_world_balance.yaml'),
    'test_world_balance:\n  model: serving.agg_world_balance\n',
  )
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

export function copyProject(source: string): FixtureProject {
  const root = mkdtempSync(join(tmpdir(), 'materia-workbench-'))
  cpSync(source, root, { recursive: true, filter: (path) => !path.includes('/.materia') })
  return { root, remove: () => rmSync(root, { recursive: true, force: true }) }
}

// Plans and applies the project to an environment with the engine, as `materia plan ENV
// --auto-apply` does. Opens and closes its own database: call it before the workbench opens the file.
export async function buildEnvironment(root: string, environment: string): Promise<void> {
  const project = await loadProject(root, { env: {} })
  mkdirSync(join(root, '.materia'), { recursive: true })
  const db = await openDatabase(join(root, '.materia', 'local.duckdb'))
  try {
    const plan = await buildPlan(db, project, { environment })
    await applyPlan(db, project, plan)
  } finally {
    db.close()
  }
}
