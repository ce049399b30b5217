// Goal: the tool commands (test, audit, format, lint, table-diff) work end to end through `main`,
// with their exit codes and printed output, on good and bad input. Method: a copy of the engine's
// example project (genuine PSD rows) in a temp folder, environments built with the real plan/apply
// into its DuckDB file, and main([...]) with captured stdout and stderr.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { applyPlan } from '../engine/apply.ts'
import { openDatabase } from '../engine/database.ts'
import { loadProject } from '../engine/load.ts'
import { buildPlan } from '../engine/plan.ts'
import { example, type Run, runMain } from './testing/cli-run.ts'

const now = new Date('2023-01-15T00:00:00Z')

function copyExample(): string {
  const root = mkdtempSync(join(tmpdir(), 'materia-tools-'))
  cpSync(example, root, { recursive: true, filter: (source) => !source.includes('.materia') })
  mkdirSync(join(root, 'tests'), { recursive: true })
  mkdirSync(join(root, '.materia'), { recursive: true })
  return root
}

function run(argv: string[], cwd: string, env: Record<string, string> = {}): Promise<Run> {
  return runMain(argv, { cwd, env })
}

async function build(root: string, environment: string): Promise<void> {
  const project = await loadProject(root, { env: {} })
  const db = await openDatabase(join(root, '.materia', 'local.duckdb'))
  try {
    await applyPlan(db, project, await buildPlan(db, project, { environment, now }))
  } finally {
    db.close()
  }
}

const balanceTest = `test_coffee_balance:
  model: cleaned.coffee_balance
  inputs:
    staging.stg_psd_coffee:
      rows:
        - { country_code: BR, market_year: 2021, attribute_name: Production, unit_description: (1000 60 KG BAGS), value: 69900 }
        - { country_code: BR, market_year: 2021, attribute_name: Exports, unit_description: (1000 60 KG BAGS), value: 45675 }
  outputs:
    query:
      partial: true
      rows: [{ country_code: BR, market_year: 2021, production: 69900, exports: 45675 }]
`

describe('materia test', () => {
  it('exits 0 when tests pass and 1 with the row diff when one fails', async () => {
    const root = copyExample()
    writeFileSync(join(root, 'tests', 'test_balance.yaml'), balanceTest, { flag: 'w' })
    const passed = await run(['test'], root)
    expect(passed.stderr).toBe('')
    expect(passed.stdout).toMatch(
      /^PASS test_coffee_balance \(cleaned\.coffee_balance, \d+ ms\)\n1 passed, 0 failed\n$/,
    )
    writeFileSync(
      join(root, 'tests', 'test_balance.yaml'),
      balanceTest.replace('exports: 45675 }', 'exports: 45000 }'),
    )
    const failed = await run(['test', 'test_coffee_balance', '--project', root], tmpdir())
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain('FAIL test_coffee_balance')
    expect(failed.stdout).toMatch(
      /- 1 expected rows missing:\n +country_code \| market_year \| production \| exports\n +BR +\| 2021 +\| 69900 +\| 45000\n/,
    )
    expect(failed.stdout).toMatch(/\+ 1 unexpected rows:\n.*\n +BR +\| 2021 +\| 69900 +\| 45675\n/)
    const unknown = await run(['test', 'test_nope'], root)
    expect(unknown).toMatchObject({
      code: 1,
      stderr: 'materia test: no test named test_nope; run materia test to list them\n',
    })
  })
})

describe('materia audit and table-diff', () => {
  let root: string
  beforeAll(async () => {
    root = copyExample()
    await build(root, 'prod')
    // dev_x drops Vietnam from the staging layer: every downstream model loses its rows.
    const staging = join(root, 'models', 'staging', 'stg_psd_coffee.sql')
    writeFileSync(
      staging,
      readFileSync(staging, 'utf8').replace(
        "AND commodity_description = @VAR('commodity_name')",
        "AND commodity_description = @VAR('commodity_name')\n  AND country_code <> 'VM'",
      ),
    )
    await build(root, 'dev_x')
  })

  it('passes on a built environment and fails on a blocking audit with the bad rows', async () => {
    const good = await run(['audit', 'prod'], root)
    expect(good.stderr).toBe('')
    expect(good.code).toBe(0)
    expect(good.stdout).toContain('PASS cleaned.coffee_balance assert_non_negative')
    expect(good.stdout).toMatch(/\d+ audits in prod: 0 failed, 0 non-blocking failed\n$/)
    const model = join(root, 'models', 'serving', 'dim_country.sql')
    const original = readFileSync(model, 'utf8')
    writeFileSync(
      model,
      original.replace(
        'audits (unique_values(columns := (country_code)))',
        "audits (accepted_values(column := country_code, is_in := ('BR', 'CO')))",
      ),
    )
    const bad = await run(['audit', 'prod', 'serving.dim_country'], root)
    expect(bad.code).toBe(1)
    expect(bad.stdout).toMatch(
      /FAIL blocking audit accepted_values failed on serving\.dim_country: 1 bad row:\n +country_code \| country_name \| iso3\n +VM +\| Vietnam +\| VNM\n/,
    )
    writeFileSync(model, original)
  })

  it('rejects an unknown model, an environment that does not exist and a missing database', async () => {
    expect(await run(['audit', 'prod', 'serving.nope'], root)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/^materia audit: unknown model serving\.nope/),
    })
    // A whole environment that does not exist was "0 audits in dev_none: 0 failed", exit 0.
    for (const argv of [
      ['audit', 'dev_none', 'serving.dim_country'],
      ['audit', 'dev_none'],
    ]) {
      expect(await run(argv, root), argv.join(' ')).toEqual({
        code: 1,
        stdout: '',
        stderr:
          'materia audit: no environment dev_none (environments: dev_x, prod); create it with materia plan dev_none\n',
      })
    }
    expect((await run(['audit', 'PROD'], root)).stderr).toMatch(
      /^materia audit: environment "PROD" is not a valid name/,
    )
    expect(await run(['audit'], copyExample())).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no database at .*local\.duckdb; run materia plan first/),
    })
  })

  it('diffs a model between environments on its grain or --on columns', async () => {
    const diff = await run(['table-diff', 'prod:dev_x', 'cleaned.coffee_balance'], root)
    expect(diff.stderr).toBe('')
    expect(diff.stdout).toContain('cleaned.coffee_balance: prod -> dev_x on (country_code, market_year)')
    expect(diff.stdout).toContain('only in prod: 2   only in dev_x: 0')
    expect(diff.stdout).toContain('matched keys: 4   changed: 0')
    expect(diff.stdout).toMatch(/- only in prod: country_code \| market_year \| country_name/)
    const json = JSON.parse(
      (await run(['table-diff', 'prod:dev_x', 'serving.dim_country', '--on', 'country_code', '--json'], root))
        .stdout,
    )
    expect(json).toMatchObject({ onlyInSource: 1, onlyInTarget: 0, matched: 2, changed: 0 })
    expect(await run(['table-diff', 'prod', 'serving.dim_country'], root)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/"prod" is not SOURCE:TARGET/),
    })
  })

  it('names an environment that does not exist, and the ones that do', async () => {
    const missing = await run(['table-diff', 'dev_nobody:prod', 'serving.dim_country'], root)
    expect(missing.code).toBe(1)
    expect(missing.stdout).toBe('')
    expect(missing.stderr).toBe(
      'materia table-diff: no environment dev_nobody (environments: dev_x, prod); create it with materia plan dev_nobody\n',
    )
  })
})

describe('materia format and lint', () => {
  it('--check names files that would change and exits 1; format fixes them; the project still loads', async () => {
    const root = copyExample()
    const before = await run(['format', '--check'], root)
    expect(before.code).toBe(1)
    expect(before.stdout).toMatch(/would reformat models\/cleaned\/coffee_balance\.sql\n/)
    const formatted = await run(['format'], root)
    expect(formatted).toMatchObject({ code: 0, stderr: '' })
    expect(await run(['format', '--check'], root)).toMatchObject({ code: 0 })
    const project = await loadProject(root, { env: {} })
    expect(project.models.get('cleaned.coffee_balance')?.grain).toEqual(['country_code', 'market_year'])
    expect((await run(['format', 'models/nope.sql'], root)).stderr).toMatch(
      /models\/nope\.sql: cannot read the file/,
    )
    // A folder that is not a project: what every other command says of it.
    const models = join(root, 'models')
    expect((await run(['format', '--project', models], root)).stderr).toBe(
      `materia format: ${join(models, 'materia.yaml')} not found; run from a project folder or pass --project DIR\n`,
    )
  })

  it('reports every file it cannot format at its file:line:column, and formats the rest', async () => {
    const root = copyExample()
    await run(['format'], root)
    const broken = [
      [
        'models/serving/broken_a.sql',
        'MODEL (name serving.broken_a, kind FULL);\nSELECT a, FROM (SELECT 1 AS a\n',
      ],
      [
        'models/serving/broken_b.sql',
        'MODEL (name serving.broken_b, kind FULL);\n\nSELECT 1 AS x;\n\nSELECT (;\n',
      ],
    ] as const
    for (const [path, text] of broken) writeFileSync(join(root, path), text)
    writeFileSync(
      join(root, 'models/serving/loose.sql'),
      'MODEL (name serving.loose, kind FULL);\nselect   1   as  y\n',
    )
    const problems = [
      'materia format: models/serving/broken_a.sql:2:30 cannot format the query: Parse error at token: «EOF»; fix the SQL or format it by hand',
      'models/serving/broken_b.sql:5:9 cannot format the query: Parse error at token: ;; fix the SQL or format it by hand',
    ]
    const checked = await run(['format', '--check'], root)
    expect(checked.code).toBe(1)
    expect(checked.stdout).toMatch(
      /^would reformat models\/serving\/loose\.sql\n1 of \d+ files would be reformatted\n$/,
    )
    // The example project's 6 models and the 3 files above.
    const stderr = `${problems.join('\n')}\n2 of 9 files cannot be formatted; fix them, then format again\n`
    expect(checked.stderr).toBe(stderr)
    const formatted = await run(['format'], root)
    expect(formatted.code).toBe(1)
    expect(formatted.stdout).toMatch(/^formatted models\/serving\/loose\.sql\n/)
    expect(formatted.stderr).toBe(stderr)
    expect(readFileSync(join(root, 'models/serving/loose.sql'), 'utf8')).toContain('SELECT\n  1 AS y')
    for (const [path, text] of broken) expect(readFileSync(join(root, path), 'utf8')).toBe(text)
  })

  it('prints findings and exits 1 only when a rule is set to error', async () => {
    const root = copyExample()
    const warned = await run(['lint'], root)
    expect(warned.code).toBe(0)
    expect(warned.stdout).toMatch(/0 errors, \d+ warnings\n$/)
    writeFileSync(
      join(root, 'models', 'serving', 'everything.sql'),
      "MODEL (name serving.everything, kind VIEW, description 'all');\nSELECT * FROM serving.dim_country\n",
    )
    writeFileSync(
      join(root, 'materia.yaml'),
      readFileSync(join(root, 'materia.yaml'), 'utf8').replace(
        'lint: { select_star: warn }',
        'lint: { select_star: error }',
      ),
    )
    const failed = await run(['lint'], root)
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain(
      'models/serving/everything.sql:2 error select_star: SELECT * in a non-raw model',
    )
    expect(failed.stdout).toContain('models/serving/everything.sql:1 warn missing_grain')
  })

  it('validate parses every audit a model uses: a syntax error is found before an apply runs it', async () => {
    const root = copyExample()
    writeFileSync(
      join(root, 'audits', 'no_future_years.sql'),
      'AUDIT (name no_future_years);\nSELEC * FROM @this_model\n',
    )
    for (const model of ['models/serving/dim_country.sql', 'models/cleaned/coffee_balance.sql']) {
      const path = join(root, model)
      writeFileSync(path, readFileSync(path, 'utf8').replace('audits (', 'audits (no_future_years, '))
    }
    const validated = await run(['validate'], root)
    expect(validated.code).toBe(1)
    // One line for the audit, though two models use it.
    expect(validated.stderr).toMatch(
      /^audits\/no_future_years\.sql: audit no_future_years \(for [a-z_.]+\): SQL syntax error: syntax error at or near "SELEC"; fix the audit query\n[^\n]+: 1 problem\n$/,
    )
  })

  it('counts a file that does not load as an error, and lints the rest', async () => {
    const root = copyExample()
    writeFileSync(
      join(root, 'models', 'serving', 'bad_kind.sql'),
      'MODEL (\n  name serving.bad_kind,\n  kind FULLY\n);\nSELECT 1 AS x\n',
    )
    writeFileSync(
      join(root, 'models', 'serving', 'everything.sql'),
      "MODEL (name serving.everything, kind VIEW, description 'all');\nSELECT * FROM serving.dim_country\n",
    )
    const linted = await run(['lint'], root)
    expect(linted.code).toBe(1)
    expect(linted.stderr).toBe('')
    expect(linted.stdout).toContain('models/serving/everything.sql:1 warn missing_grain')
    expect(linted.stdout).toMatch(
      /^models\/serving\/bad_kind\.sql:3 error load: unknown kind "FULLY"; use FULL \| VIEW/m,
    )
    expect(linted.stdout).toMatch(/^1 errors, [1-9]\d* warnings\n$/m)
  })
})

describe('materia plan with unit tests, lint and audits', () => {
  it('runs tests first, prints lint warnings, and a failing audit leaves the environment as it was', async () => {
    const root = copyExample()
    writeFileSync(join(root, 'tests', 'test_balance.yaml'), balanceTest)
    writeFileSync(
      join(root, 'models', 'serving', 'everything.sql'),
      "MODEL (name serving.everything, kind VIEW, grain country_code, description 'all');\nSELECT * FROM serving.dim_country\n",
    )
    const env = { MATERIA_NOW: now.toISOString() }
    const first = await run(['plan', 'dev_x', '--auto-apply'], root, env)
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    expect(first.stdout).toContain('unit tests: 1 passed\n')
    expect(first.stdout).toContain(
      'lint: models/serving/everything.sql:2 select_star: SELECT * in a non-raw model',
    )

    writeFileSync(
      join(root, 'tests', 'test_balance.yaml'),
      balanceTest.replace('exports: 45675 }', 'exports: 45000 }'),
    )
    const refused = await run(['plan', 'dev_x', '--auto-apply'], root, env)
    expect(refused.code).toBe(1)
    expect(refused.stderr).toMatch(
      /^FAIL test_coffee_balance \(tests\/test_balance\.yaml:1\) on cleaned\.coffee_balance\n/,
    )
    expect(refused.stderr).toContain(
      'materia plan: 1 unit test(s) failed; fix them or plan with --skip-tests',
    )

    // A data change that breaks an audit: Vietnam's ISO code written wrong.
    const model = join(root, 'models', 'serving', 'dim_country.sql')
    writeFileSync(
      model,
      readFileSync(model, 'utf8')
        .replace("WHEN 'VM' THEN 'VNM'", "WHEN 'VM' THEN 'VN'")
        .replace(
          'audits (unique_values(columns := (country_code)))',
          "audits (accepted_values(column := iso3, is_in := ('BRA', 'COL', 'VNM')))",
        ),
    )
    const blocked = await run(['plan', 'dev_x', '--auto-apply', '--skip-tests'], root, env)
    expect(blocked.code).toBe(1)
    expect(blocked.stderr).toMatch(
      /materia plan: models\/serving\/dim_country\.sql: blocking audit accepted_values failed on serving\.dim_country: 1 bad row:\n +country_code \| country_name \| iso3\n +VM +\| Vietnam +\| VN\nno environment view changed\n/,
    )
    const db = await openDatabase(join(root, '.materia', 'local.duckdb'))
    try {
      expect(await db.rows("SELECT iso3 FROM serving__dev_x.dim_country WHERE country_code = 'VM'")).toEqual([
        { iso3: 'VNM' },
      ])
    } finally {
      db.close()
    }
  })
})
