// Goal: a SQLMesh project written from SQLMesh's own documentation (test/fixtures/sqlmesh-project:
// every model kind, the documented properties, seeds with options, pre/post and virtual-update
// statements, an external table, a self-referencing model) works unchanged: it validates, plans
// into dev, passes its unit tests, promotes to prod, and a later run folds new data in as each kind
// says. Method: a copy of the fixture in a temp dir, the real `main` with captured output, a real
// DuckDB file holding the external table, the clock pinned by MATERIA_NOW.
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { DuckDBInstance } from '@duckdb/node-api'
import { beforeAll, describe, expect, it } from 'vitest'
import { materiaWith } from '../pipeline/cli/testing/cli-run.ts'
import { main } from '../pipeline/cli.ts'
import { temporaryDirectory } from '../pipeline/engine/testing/test-project.ts'

const fixture = new URL('./fixtures/sqlmesh-project', import.meta.url).pathname

function materia(root: string, now: string, ...argv: string[]) {
  return materiaWith({ MATERIA_NOW: now }, root, ...argv)
}

async function withDatabase<T>(
  root: string,
  body: (run: (sql: string) => Promise<unknown[][]>) => Promise<T>,
) {
  const instance = await DuckDBInstance.create(join(root, '.materia', 'local.duckdb'))
  const connection = await instance.connect()
  try {
    return await body(async (sql) => (await connection.runAndReadAll(sql)).getRowsJS())
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

describe('a SQLMesh project from the documentation', () => {
  let root: string
  beforeAll(async () => {
    root = temporaryDirectory('sqlmesh')
    cpSync(fixture, root, { recursive: true })
    mkdirSync(join(root, '.materia'))
    // The external table the project reads (external_models.yaml), made outside the project.
    await withDatabase(root, async (run) => {
      await run('CREATE SCHEMA finance')
      await run(
        "CREATE TABLE finance.exchange_rates AS SELECT * FROM (VALUES ('EUR', 1.1), ('GBP', 1.25)) AS t(currency, rate_to_usd)",
      )
    })
  })

  it('validates with one warning per property that has no effect, and nothing else', async () => {
    const result = await materia(root, '2024-01-06T12:00:00Z', 'validate')
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(result.stdout).toContain('26 models, 10 tests, 1 external table: valid')
    expect(result.stdout).toContain(
      'models/sushi/top_waiters.sql:26:3 storage_format has no effect here (DuckDB stores every table in its own format); accepted and ignored',
    )
    expect(result.stdout).toContain(
      'models/sushi/orders.sql:8 option forward_only of kind INCREMENTAL_BY_TIME_RANGE has no effect',
    )
    expect(result.stdout.match(/has no effect/g)).toHaveLength(11)
    // depends_on orders a model after one its query does not read.
    const dag = await materia(root, '2024-01-06T12:00:00Z', 'dag')
    expect(dag.stdout).toContain('sushi.audited_menu -> sushi.menu_price_changes')
  })

  it('plans into dev, passes its tests, promotes to prod', async () => {
    const dev = await materia(root, '2024-01-06T12:00:00Z', 'plan', 'dev', '--auto-apply')
    expect(dev.code, dev.stderr).toBe(0)
    expect(dev.stdout).toMatch(/applied to dev: 26 model\(s\) built/)
    const tests = await materia(root, '2024-01-06T12:00:00Z', 'test')
    expect(tests.code, tests.stdout + tests.stderr).toBe(0)
    expect(tests.stdout).toContain('10 passed, 0 failed')
    const prod = await materia(root, '2024-01-06T12:00:00Z', 'plan', 'prod', '--auto-apply')
    expect(prod.code, prod.stderr).toBe(0)
    expect(prod.stdout).toMatch(
      /applied to prod: 0 model\(s\) built, 0 row\(s\) written, 26 view\(s\) switched/,
    )
    await withDatabase(root, async (run) => {
      // The seed read with csv_settings (delimiter ';') and its declared types.
      expect(await run('SELECT id, name, price FROM raw.menu_items ORDER BY id')).toEqual([
        [1, 'Chicken Sandwich', 10.99],
        [2, 'Cheeseburger', 8.99],
        [3, 'French Fries', 4.99],
      ])
      // SCD type 2 first build: every row current, valid from 1970 (model_kinds "SCD Type 2").
      expect(
        await run(
          "SELECT count(*), min(price_valid_from) = TIMESTAMP '1970-01-01', bool_and(price_valid_to IS NULL) FROM sushi.menu_item_prices",
        ),
      ).toEqual([[3n, true, true]])
      // The self-referencing model's first build started empty: every customer is new.
      expect(
        await run('SELECT customer_id, first_order_date::VARCHAR FROM sushi.first_orders ORDER BY 1'),
      ).toEqual([
        [1, '2024-01-01'],
        [2, '2024-01-01'],
        [3, '2024-01-03'],
      ])
      // EMBEDDED logic reached its reader; customer 3 is inactive.
      expect(
        await run('SELECT customer_id, revenue FROM sushi.customer_revenue_lifetime ORDER BY 1'),
      ).toEqual([
        [1, 10.99 + 2 * 4.99 + 2 * 10.99],
        [2, 8.99 + 2 * 8.99],
      ])
      // The conditional post-statement ran for the evaluating stage only.
      expect(
        await run("SELECT comment FROM duckdb_tables() WHERE table_name LIKE '%customer_revenue_lifetime%'"),
      ).toEqual([['evaluated']])
      // ON_VIRTUAL_UPDATE_BEGIN ... END ran on each environment's view.
      expect(
        await run(
          "SELECT schema_name, comment FROM duckdb_views() WHERE view_name = 'customer_revenue_lifetime' ORDER BY 1",
        ),
      ).toEqual([
        ['sushi', 'Lifetime revenue per active customer'],
        ['sushi__dev', 'Lifetime revenue per active customer'],
      ])
      // The disabled model is not in the project, so it has no view.
      expect(await run("SELECT count(*) FROM duckdb_views() WHERE view_name = 'retired_report'")).toEqual([
        [0n],
      ])
      // SCD_TYPE_2 (the alias) with @EVAL and @SQL; @BLUEPRINT_VAR with and without a blueprint value.
      expect(
        await run('SELECT id, price_cents, valid_to IS NULL FROM sushi.menu_price_changes ORDER BY id'),
      ).toEqual([
        [1, 1099, true],
        [2, 899, true],
        [3, 499, true],
      ])
      expect(await run('SELECT DISTINCT region, currency FROM sushi.revenue_south')).toEqual([
        ['south', 'USD'],
      ])
      // @DATE_SPINE (both ends included), @DEDUPLICATE, @PIVOT and the clause operators built it.
      expect(
        await run('SELECT date_day::VARCHAR, waiter_10, waiter_11 FROM sushi.order_calendar ORDER BY 1'),
      ).toEqual([
        ['2024-01-01', 1n, 1n],
        ['2024-01-02', 0n, 1n],
        ['2024-01-03', 1n, 0n],
        ['2024-01-04', 1n, 0n],
        ['2024-01-05', 0n, 0n],
        ['2024-01-06', 0n, 0n],
        ['2024-01-07', 0n, 0n],
      ])
      expect(await run('SELECT revenue_eur FROM sushi.revenue_in_euro WHERE order_id = 101')).toEqual([
        [8.99 / 1.1],
      ])
    })
  })

  it('query prints every value as DuckDB does, and --csv / --json write every row, exactly', async () => {
    const now = '2024-01-06T12:00:00Z'
    const shown = await materia(
      root,
      now,
      'query',
      "SELECT order_date, TIMESTAMP '2024-01-02 03:04:05' AS ts FROM sushi.orders WHERE id = 100",
    )
    expect(shown.stdout).toContain('2024-01-01 | 2024-01-02 03:04:05\n')
    // Each value as DuckDB writes it: the CSV field equals DuckDB's own CAST(... AS VARCHAR) of it,
    // asked in the same query (a TIMESTAMP keeps its microseconds, a DECIMAL its scale, a TIME is
    // not a count of microseconds, an INTERVAL and a BLOB are text, a BIGINT keeps every digit).
    const values = [
      "TIMESTAMP '2024-01-02 03:04:05.123456'",
      "TIME '03:04:05.5'",
      '123.4500::DECIMAL(10,4)',
      'INTERVAL 3 DAY',
      "'x'::BLOB",
      '9007199254740993::BIGINT',
    ]
    const typed = `SELECT ${values.map((value, index) => `${value} AS v${index}, CAST(${value} AS VARCHAR) AS t${index}`).join(', ')}`
    const fields =
      (await materia(root, now, 'query', typed, '--csv')).stdout.split('\r\n')[1]?.split(',') ?? []
    expect(fields).toHaveLength(values.length * 2)
    for (let index = 0; index < values.length; index += 1)
      expect(fields[index * 2], values[index]).toBe(fields[index * 2 + 1])
    const exact = (await materia(root, now, 'query', typed, '--json')).stdout
    expect(exact).toContain('"v2": 123.4500,')
    expect(exact).toContain('"v5": 9007199254740993,')
    expect(exact).toContain('"v0": "2024-01-02 03:04:05.123456",')
    const many = "SELECT i, DATE '2024-01-01' + i::INT AS d FROM range(2500) AS t(i)"
    const csv = await materia(root, now, 'query', many, '--csv')
    const lines = csv.stdout.trimEnd().split('\r\n')
    expect(lines).toHaveLength(2501)
    expect(lines.at(-1)).toBe('2499,2030-11-04')
    const json = await materia(root, now, 'query', many, '--json')
    const rows = JSON.parse(json.stdout) as { i: number; d: string }[]
    expect(rows).toHaveLength(2500)
    expect(rows[0]).toEqual({ i: 0, d: '2024-01-01' })
    expect(csv.stderr + json.stderr).toBe('')
  })

  it('a later run appends to the unmanaged log and keeps what the self-referencing model holds', async () => {
    await withDatabase(root, async (run) => {
      await run("INSERT INTO finance.exchange_rates VALUES ('JPY', 0.007)")
    })
    const later = await materia(root, '2024-01-08T12:00:00Z', 'run', 'prod')
    expect(later.code, later.stderr).toBe(0)
    await withDatabase(root, async (run) => {
      expect(await run('SELECT run_date::VARCHAR, orders FROM sushi.order_count_log ORDER BY 1')).toEqual([
        ['2024-01-06', 5n],
        ['2024-01-08', 5n],
      ])
      expect(await run('SELECT count(*) FROM sushi.first_orders')).toEqual([[3n]])
    })
  })
})

describe('materia init', () => {
  it('reads a SQLMesh config.yaml into materia.yaml, leaving the models as they are', async () => {
    const root = temporaryDirectory('init')
    cpSync(fixture, root, { recursive: true })
    rmSync(join(root, 'materia.yaml'))
    const before = readFileSync(join(root, 'models/sushi/orders.sql'), 'utf8')
    const init = await materia(
      join(root, 'elsewhere'),
      '2024-01-06T12:00:00Z',
      'init',
      root,
      '--from-sqlmesh',
      root,
    )
    expect(init.code, init.stderr).toBe(1) // --project is not an init option
    const result = await initAt(root, ['init', '--from-sqlmesh', '.'])
    expect(result.code, result.stderr).toBe(0)
    expect(readFileSync(join(root, 'materia.yaml'), 'utf8')).toContain('path: db.duckdb')
    expect(readFileSync(join(root, 'models/sushi/orders.sql'), 'utf8')).toBe(before)
    const validate = await materia(root, '2024-01-06T12:00:00Z', 'validate')
    expect(validate.code, validate.stderr).toBe(0)
    const again = await initAt(root, ['init', '--from-sqlmesh', '.'])
    expect(again.code).toBe(1)
    expect(again.stderr).toBe(
      `materia init: ${join(root, 'materia.yaml')} exists already; edit it, or init another folder\n`,
    )
  })

  it('starts a new project, and refuses a Python-only SQLMesh configuration with one line', async () => {
    const root = temporaryDirectory('init-new')
    const fresh = await initAt(root, ['init', 'shop'])
    expect(fresh.code, fresh.stderr).toBe(0)
    expect(existsSync(join(root, 'shop/models/example/full_model.sql'))).toBe(true)
    expect((await materia(join(root, 'shop'), '2024-01-06T12:00:00Z', 'validate')).stdout).toContain(
      '1 model, 0 tests',
    )
    mkdirSync(join(root, 'py'))
    writeFileSync(join(root, 'py/config.py'), 'config = Config()\n')
    const python = await initAt(root, ['init', '--from-sqlmesh', 'py'])
    expect(python.code).toBe(1)
    expect(python.stderr).toMatch(
      /^materia init: .*py\/config\.py is a Python configuration; write it as config\.yaml/,
    )
    expect(existsSync(join(root, 'py/materia.yaml'))).toBe(false)
    // A source that cannot be read leaves no new folder behind.
    const missing = await initAt(root, ['init', 'shop2', '--from-sqlmesh', 'nope'])
    expect(missing.stderr).toMatch(
      /^materia init: no config\.yaml in .*nope; point --from-sqlmesh at the SQLMesh project folder\n$/,
    )
    expect(existsSync(join(root, 'shop2'))).toBe(false)
  })

  it('takes the config.yaml itself as well as its folder', async () => {
    const root = temporaryDirectory('init-file')
    cpSync(fixture, root, { recursive: true })
    rmSync(join(root, 'materia.yaml'))
    const result = await initAt(root, ['init', '--from-sqlmesh', 'config.yaml'])
    expect(result.code, result.stderr).toBe(0)
    expect(result.stdout).toBe(
      `wrote ${join(root, 'materia.yaml')} from ${join(root, 'config.yaml')}; run materia validate to check the models\n`,
    )
    expect(readFileSync(join(root, 'materia.yaml'), 'utf8')).toContain('path: db.duckdb')
  })
})

async function initAt(cwd: string, argv: string[]) {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(chunk.toString())
        done()
      },
    })
  const code = await main(argv, {
    cwd,
    env: { ...process.env, MATERIA_ENV: '' },
    stdout: sink((text) => {
      stdout += text
    }),
    stderr: sink((text) => {
      stderr += text
    }),
    isTTY: false,
  })
  return { code, stdout, stderr }
}
