// Test helpers over the bundled genuine PSD sample (171 rows: Brazil, Vietnam, Colombia, 2020-2022).
// Tests load it into real DuckDB tables instead of inventing rows.
import { fileURLToPath } from 'node:url'
import type { DuckDBConnection } from '@duckdb/node-api'
import { quoteLiteral } from '../sql-quote.ts'

export const psdSamplePath = fileURLToPath(
  new URL('../../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url),
)

// The sample as typed, lower-case columns, the way the staging layer shapes it.
export const psdSampleSelect = `SELECT
  Commodity_Code::VARCHAR AS commodity_code,
  Country_Code::VARCHAR AS country_code,
  Country_Name::VARCHAR AS country_name,
  Market_Year::INTEGER AS market_year,
  Attribute_ID::VARCHAR AS attribute_id,
  Attribute_Description::VARCHAR AS attribute_name,
  Unit_Description::VARCHAR AS unit_description,
  Value::DOUBLE AS value
FROM read_csv(${quoteLiteral(psdSamplePath)}, header = true, all_varchar = true)`

export async function createPsdSampleTable(connection: DuckDBConnection, table: string): Promise<void> {
  await connection.run(`CREATE TABLE ${table} AS ${psdSampleSelect}`)
}
