// Goal: publish writes each serving model as Parquet under serving/<model>/<version>/ and a
// manifest (model, version, rows, schema, sha256) that matches the files byte for byte; an empty
// database fails with a clear message; Iceberg configured but not loadable fails in one line, and
// its statements are what DuckDB's iceberg extension supports (DROP + CREATE in one transaction,
// never CREATE OR REPLACE TABLE) with the types Iceberg lacks cast.
// Method: a real DuckDB file built from the bundled genuine PSD rows, the local-folder store.
import { createHash } from 'node:crypto'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LocalLandingStore } from '../landing/local-store.ts'
import { icebergCast, icebergStatements, publishIceberg } from './iceberg.ts'
import { publishServing, type ServingManifest, versionFromViewSql } from './publish.ts'
import { workerEnvironment } from './remote-run.ts'
import { publishSite } from './site-step.ts'

const csv = join(import.meta.dirname, '../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv')
let root: string
let instance: DuckDBInstance
let connection: DuckDBConnection

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'materia-publish-test-'))
  instance = await DuckDBInstance.create(join(root, 'prod.duckdb'))
  connection = await instance.connect()
  await connection.run('CREATE SCHEMA materia__serving')
  await connection.run('CREATE SCHEMA serving')
  await connection.run(
    `CREATE TABLE materia__serving.serving__dim_country__1a2b3c AS
     SELECT DISTINCT Country_Code::VARCHAR AS country_code, Country_Name::VARCHAR AS country_name
     FROM read_csv('${csv}', all_varchar = true)`,
  )
  await connection.run(
    'CREATE VIEW serving.dim_country AS SELECT * FROM materia__serving.serving__dim_country__1a2b3c',
  )
  await connection.run(
    `CREATE TABLE serving.dim_commodity AS SELECT DISTINCT Commodity_Code::VARCHAR AS commodity_code,
     Commodity_Description::VARCHAR AS commodity_name FROM read_csv('${csv}', all_varchar = true)`,
  )
})
afterAll(async () => {
  connection?.closeSync()
  instance?.closeSync()
  await rm(root, { recursive: true, force: true })
})

describe('publish', () => {
  it('exports serving models as Parquet with a manifest that matches the files', async () => {
    const bucket = join(root, 'bucket')
    const log: string[] = []
    const fixed = new Date('2026-01-02T03:04:05Z')
    await publishServing(connection, new LocalLandingStore(bucket), (line) => log.push(line), {
      now: () => fixed,
    })
    const manifest = JSON.parse(
      await readFile(join(bucket, 'serving/manifest.json'), 'utf8'),
    ) as ServingManifest
    expect(manifest.published_at).toBe('2026-01-02T03:04:05.000Z')
    expect(manifest.models.map((model) => model.model)).toEqual([
      'serving.dim_commodity',
      'serving.dim_country',
    ])
    const country = manifest.models[1]!
    expect(country.version).toBe('1a2b3c')
    expect(country.key).toBe('serving/dim_country/1a2b3c/dim_country.parquet')
    expect(country.rows).toBe(3) // Brazil, Vietnam, Colombia
    expect(country.schema).toEqual([
      { name: 'country_code', type: 'VARCHAR' },
      { name: 'country_name', type: 'VARCHAR' },
    ])
    for (const model of manifest.models) {
      const bytes = await readFile(join(bucket, model.key))
      expect(createHash('sha256').update(bytes).digest('hex')).toBe(model.sha256)
      const read = await connection.runAndReadAll(
        `SELECT count(*) AS n FROM read_parquet('${join(bucket, model.key)}')`,
      )
      expect(Number(read.getRowObjectsJson()[0]!.n)).toBe(model.rows)
    }
    expect(manifest.models[0]!.version).toBe(manifest.models[0]!.sha256.slice(0, 16))
    expect(log.at(-1)).toMatch(/manifest.json \(2 models\)/)
  })

  it('fails clearly when the database has no serving models', async () => {
    const empty = await DuckDBInstance.create(':memory:')
    const emptyConnection = await empty.connect()
    await expect(
      publishServing(emptyConnection, new LocalLandingStore(join(root, 'empty')), () => {}),
    ).rejects.toThrow(/no serving\.\* models in the database; run transform before publish/)
    emptyConnection.closeSync()
    empty.closeSync()
  })

  it('builds the static site from the prod database and uploads it under site/', async () => {
    const pages = join(root, 'site-project/dashboards/pages')
    await mkdir(pages, { recursive: true })
    await mkdir(join(root, 'site-project/sql'), { recursive: true })
    await writeFile(join(root, 'site-project/sql/materia.yaml'), 'name: site\n')
    await writeFile(
      join(pages, 'countries.md'),
      '---\ntitle: Countries\ndescription: The sample countries.\npublic: true\n---\n\n```sql countries\nSELECT country_code, country_name FROM serving.dim_country ORDER BY country_code\n```\n\n<DataTable data={countries} />\n',
    )
    await writeFile(
      join(pages, 'paid.md'),
      '---\ntitle: Paid\naccess: subscribers\n---\n\n```sql countries\nSELECT country_name FROM serving.dim_country\n```\n\n<DataTable data={countries} />\n',
    )
    const bucket = join(root, 'site-bucket')
    const log: string[] = []
    // As a worker gets them: workerEnvironment passes the price ids on beside the client token.
    const env = workerEnvironment({
      PADDLE_CLIENT_TOKEN: 'test_e2e01',
      PADDLE_PRICE_IDS: 'Monthly=pri_01e2e',
      HETZNER_TOKEN: 'x',
    })
    expect(env).toEqual({ PADDLE_CLIENT_TOKEN: 'test_e2e01', PADDLE_PRICE_IDS: 'Monthly=pri_01e2e' })
    const files = await publishSite(connection, {
      projectRoot: join(root, 'site-project/sql'),
      store: new LocalLandingStore(bucket),
      env,
      log: (line) => log.push(line),
    })
    // The public bucket gets the site's files only: no subscriber page, no state, no data.
    const listing = (await readdir(bucket, { recursive: true, withFileTypes: true }))
      .filter((entry) => entry.isFile())
      .map((entry) => join(entry.parentPath, entry.name).slice(bucket.length + 1))
    expect(listing.every((path) => path.startsWith('site/') && /\.(html|css|js|svg)$/.test(path))).toBe(true)
    expect(listing.some((path) => path.includes('paid'))).toBe(false)
    expect(await readFile(join(bucket, 'site/pricing.html'), 'utf8')).toContain('data-price-id="pri_01e2e"')
    expect(files).toBeGreaterThan(1)
    expect(log[0]).toMatch(/^site: 1 dashboards, \d+ files uploaded under .*\/site\/$/)
    const page = await readFile(join(bucket, 'site/dashboards/countries/index.html'), 'utf8').catch(
      async () => readFile(join(bucket, 'site/dashboards/countries.html'), 'utf8'),
    )
    expect(page).toContain('Vietnam')
    const none: string[] = []
    expect(
      await publishSite(connection, {
        projectRoot: join(root, 'nowhere/sql'),
        store: new LocalLandingStore(bucket),
        env: {},
        log: (line) => none.push(line),
      }),
    ).toBe(0)
    expect(none[0]).toMatch(/^site: no dashboard pages at .*; no site built$/)
  })

  it('reads the version from the prod view', () => {
    expect(versionFromViewSql('SELECT * FROM materia__serving.serving__obt__9f8e', 'obt')).toBe('9f8e')
    expect(versionFromViewSql(null, 'obt')).toBeNull()
  })

  it('fails in one line when iceberg is configured but cannot load, and skips when not configured', async () => {
    const env = {
      MATERIA_ICEBERG_CATALOG_URI: 'https://catalog.invalid/acct/bucket',
      MATERIA_ICEBERG_WAREHOUSE: 'acct_bucket',
    }
    const table = { name: 'dim_country', columns: [{ name: 'country_code', type: 'VARCHAR' }] }
    await expect(publishIceberg(connection, env, [table], () => {})).rejects.toThrow(
      /^iceberg: MATERIA_ICEBERG_CATALOG_URI is set but the DuckDB iceberg extension cannot be loaded \(.*\); the manifest was left as it was; unset MATERIA_ICEBERG_CATALOG_URI to publish Parquet only$/,
    )
    expect(await publishIceberg(connection, {}, [table], () => {})).toBe('skipped: not configured')
  })

  it('builds the iceberg statements: DROP + CREATE in one transaction, unsupported types cast', () => {
    const statements = icebergStatements(
      { uri: 'https://catalog.example/a/b', warehouse: 'a_b', tokenVariable: 'MATERIA_ICEBERG_TOKEN' },
      "to'ken",
      [
        {
          name: 'dim_country',
          columns: [
            { name: 'country_code', type: 'VARCHAR' },
            { name: 'total', type: 'HUGEINT' },
            { name: 'rank', type: 'UTINYINT' },
            { name: 'count', type: 'UBIGINT' },
            { name: 'kind', type: "ENUM('a', 'b')" },
          ],
        },
      ],
    )
    expect(statements).toEqual([
      'INSTALL iceberg',
      'LOAD iceberg',
      "CREATE OR REPLACE SECRET materia_iceberg (TYPE iceberg, TOKEN 'to''ken')",
      "ATTACH 'a_b' AS materia_catalog (TYPE iceberg, SECRET materia_iceberg, ENDPOINT 'https://catalog.example/a/b')",
      'CREATE SCHEMA IF NOT EXISTS materia_catalog.serving',
      'BEGIN TRANSACTION',
      'DROP TABLE IF EXISTS materia_catalog.serving."dim_country"',
      'CREATE TABLE materia_catalog.serving."dim_country" AS SELECT "country_code", CAST("total" AS DECIMAL(38,0)) AS "total", CAST("rank" AS INTEGER) AS "rank", CAST("count" AS DECIMAL(20,0)) AS "count", CAST("kind" AS VARCHAR) AS "kind" FROM "serving"."dim_country"',
      'COMMIT',
      'DETACH materia_catalog',
    ])
    expect(statements.some((statement) => statement.includes('CREATE OR REPLACE TABLE'))).toBe(false)
  })

  it('casts run in DuckDB: a HUGEINT total reads back as DECIMAL(38,0)', async () => {
    const cast = icebergCast('HUGEINT')!
    const reader = await connection.runAndReadAll(
      `SELECT typeof(CAST(170141183460469231731687303715884105727::HUGEINT AS ${cast})) AS t`,
    )
    expect(reader.getRowObjectsJson()[0]?.t).toBe('DECIMAL(38,0)')
  })
})
