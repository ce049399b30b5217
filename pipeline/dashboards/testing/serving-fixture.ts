// A DuckDB file whose serving tables follow sql/CONTRACT.md, computed with plain SQL from the genuine
// USDA PSD coffee snapshot bundled in assets/data. Tests and the bench use it to exercise dashboards
// against real figures without depending on the transform project.
import { mkdtemp } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { quoteLiteral } from '../../engine/index.ts'
import { unzipToGzip } from '../../extract/psd/unzip.ts'

const repositoryRoot = join(import.meta.dirname, '..', '..', '..')
export const snapshotZipPath = join(repositoryRoot, 'assets', 'data', 'psd_coffee_csv_2022-12.zip')
// The snapshot month of the bundled file, as the landing manifest would record it.
const snapshotIngestDate = '2022-12-01'

// Attribute ids from the PSD attribute table, one column each in the wide metrics table.
const attributeColumns: ReadonlyArray<readonly [id: string, column: string]> = [
  ['020', 'beginning_stocks'],
  ['028', 'production'],
  ['029', 'arabica_production'],
  ['053', 'robusta_production'],
  ['056', 'other_production'],
  ['057', 'imports'],
  ['058', 'bean_imports'],
  ['075', 'roast_ground_imports'],
  ['082', 'soluble_imports'],
  ['086', 'total_supply'],
  ['088', 'exports'],
  ['090', 'bean_exports'],
  ['107', 'roast_ground_exports'],
  ['114', 'soluble_exports'],
  ['125', 'domestic_consumption'],
  ['141', 'roast_ground_consumption'],
  ['154', 'soluble_consumption'],
  ['176', 'ending_stocks'],
  ['178', 'total_distribution'],
]

/** Unzips the bundled snapshot into a temp folder, through the extractor's checked unzip (entry
 * count, size and CRC-32 limits), and returns the path of the gzipped CSV DuckDB reads. */
export async function extractSnapshotCsv(): Promise<string> {
  const folder = await mkdtemp(join(tmpdir(), 'materia-psd-'))
  const csvPath = join(folder, 'psd_coffee.csv.gz')
  await unzipToGzip(snapshotZipPath, 'psd_coffee.csv', csvPath, snapshotZipPath)
  return csvPath
}

/** Creates schema `serving` with the contract's five tables from a PSD CSV file. */
export async function createServingTables(connection: DuckDBConnection, csvPath: string): Promise<void> {
  const pivot = attributeColumns
    .map(([id, column]) => `SUM(value) FILTER (WHERE attribute_id = '${id}') AS ${column}`)
    .join(',\n      ')
  const statements = [
    'CREATE SCHEMA IF NOT EXISTS serving',
    `CREATE TEMP TABLE psd AS SELECT
      Commodity_Code AS commodity_code, Commodity_Description AS commodity_name,
      Country_Code AS country_code, Country_Name AS country_name, Market_Year::INTEGER AS market_year,
      Attribute_ID AS attribute_id, Attribute_Description AS attribute_name,
      Unit_Description AS unit_description, Value::DOUBLE AS value, DATE '${snapshotIngestDate}' AS ingest_date
    FROM read_csv(${quoteLiteral(csvPath)}, header = true, all_varchar = true)`,
    `CREATE TABLE serving.dim_country AS SELECT DISTINCT country_code, country_name,
      NULL::VARCHAR AS iso3, NULL::VARCHAR AS region FROM psd ORDER BY country_code`,
    `CREATE TABLE serving.dim_commodity AS SELECT DISTINCT commodity_code, commodity_name,
      unit_description FROM psd ORDER BY commodity_code`,
    `CREATE TEMP TABLE wide AS SELECT commodity_code, commodity_name, country_code, country_name,
      NULL::VARCHAR AS region, market_year, ingest_date, unit_description,
      ${pivot}
    FROM psd GROUP BY ALL`,
    metricsSql,
    worldSql,
    revisionsSql,
  ]
  for (const statement of statements) await connection.run(statement)
}

const metricsSql = `CREATE TABLE serving.obt_commodity_metrics AS SELECT *,
  ending_stocks / NULLIF(domestic_consumption + exports, 0) AS stocks_to_use,
  total_supply - total_distribution AS supply_distribution_gap,
  production / NULLIF(LAG(production) OVER country_years, 0) - 1 AS production_yoy,
  domestic_consumption / NULLIF(LAG(domestic_consumption) OVER country_years, 0) - 1 AS consumption_yoy,
  production / NULLIF(SUM(production) OVER (PARTITION BY commodity_code, market_year), 0) AS world_production_share,
  arabica_production / NULLIF(production, 0) AS arabica_share
FROM wide
WINDOW country_years AS (PARTITION BY commodity_code, country_code ORDER BY market_year)
ORDER BY commodity_code, country_code, market_year`

const worldSql = `CREATE TABLE serving.agg_world_balance AS SELECT commodity_code, commodity_name, market_year,
  MAX(ingest_date) AS ingest_date, COUNT(DISTINCT country_code) AS country_count,
  SUM(beginning_stocks) AS beginning_stocks, SUM(production) AS production,
  SUM(arabica_production) AS arabica_production, SUM(robusta_production) AS robusta_production,
  SUM(imports) AS imports, SUM(total_supply) AS total_supply, SUM(exports) AS exports,
  SUM(domestic_consumption) AS domestic_consumption, SUM(ending_stocks) AS ending_stocks,
  SUM(total_distribution) AS total_distribution,
  SUM(ending_stocks) / NULLIF(SUM(domestic_consumption) + SUM(exports), 0) AS stocks_to_use
FROM serving.obt_commodity_metrics GROUP BY commodity_code, commodity_name, market_year
ORDER BY commodity_code, market_year`

// A revision pairs each value with the same key's value in the previous snapshot; one snapshot
// alone therefore yields no rows, as USDA has revised nothing against it.
const revisionsSql = `CREATE TABLE serving.fct_psd_revisions AS WITH ordered AS (
  SELECT *, LAG(ingest_date) OVER keys AS previous_ingest_date, LAG(value) OVER keys AS previous_value
  FROM psd WINDOW keys AS (PARTITION BY commodity_code, country_code, market_year, attribute_id ORDER BY ingest_date))
SELECT commodity_code, commodity_name, country_code, country_name, market_year, attribute_id, attribute_name,
  unit_description, ingest_date, previous_ingest_date, value, previous_value, value - previous_value AS change,
  (value - previous_value) / NULLIF(previous_value, 0) AS change_pct
FROM ordered WHERE previous_ingest_date IS NOT NULL AND value IS DISTINCT FROM previous_value`
