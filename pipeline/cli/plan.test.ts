// Goal: the engine commands end to end on the example project (genuine PSD rows): plan into dev,
// edit files, promote to prod, query, list, invalidate, and the bad inputs. Method: a copy of
// pipeline/engine/testdata/example in a temp dir, the real `main` with captured output, a real
// DuckDB file, the clock pinned by MATERIA_NOW.
import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it } from 'vitest'
import { openDatabase } from '../engine/database.ts'
import { readState } from '../engine/state.ts'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { example, materiaWith, type Run } from './testing/cli-run.ts'

const holdChild = new URL('../engine/testing/apply-child.ts', import.meta.url).pathname

function materia(root: string, ...argv: string[]): Promise<Run> {
  return materiaAt('2024-03-01T12:00:00Z', root, ...argv)
}

function materiaAt(now: string, root: string, ...argv: string[]): Promise<Run> {
  return materiaWith({ MATERIA_NOW: now }, root, ...argv)
}

function editFile(root: string, path: string, from: string, to: string): void {
  const file = join(root, path)
  const text = readFileSync(file, 'utf8')
  expect(text).toContain(from)
  writeFileSync(file, text.replace(from, to))
}

async function builtVersions(root: string): Promise<number> {
  const db = await openDatabase(join(root, '.materia', 'local.duckdb'))
  try {
    return (await readState(db)).snapshots.size
  } finally {
    db.close()
  }
}

describe('materia plan / query / environments / invalidate', () => {
  let root: string
  beforeEach(() => {
    root = temporaryDirectory('cli')
    cpSync(example, root, { recursive: true })
  })

  it('plans without applying unless asked, applies, re-plans changes, promotes to prod for free', async () => {
    const preview = await materia(root, 'plan', 'dev_x')
    expect(preview.code).toBe(0)
    expect(preview.stdout).toMatch(/added \(6\):/)
    expect(preview.stdout).toContain('not applied; to apply run: materia plan dev_x --auto-apply')
    expect((await materia(root, 'environments')).stdout).toContain('no environments yet')

    const applied = await materia(root, 'plan', 'dev_x', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
    expect(applied.stdout).toMatch(/applied to dev_x: 6 model\(s\) built/)
    const countries = await materia(
      root,
      'query',
      'SELECT country_code FROM serving.dim_country ORDER BY 1',
      '--env',
      'dev_x',
      '--json',
    )
    expect(JSON.parse(countries.stdout)).toEqual([
      { country_code: 'BR' },
      { country_code: 'CO' },
      { country_code: 'VM' },
    ])

    editFile(
      root,
      'models/staging/stg_psd_coffee.sql',
      'value::DOUBLE AS value',
      '(value * 1000)::DOUBLE AS value',
    )
    const breaking = await materia(root, 'plan', 'dev_x', '--json')
    const plan = JSON.parse(breaking.stdout) as {
      models: { name: string; change: string; category: string | null }[]
      steps: { kind: string; model: string }[]
    }
    const changes = Object.fromEntries(
      plan.models.map((model) => [model.name, [model.change, model.category]]),
    )
    expect(changes['staging.stg_psd_coffee']).toEqual(['directly_modified', 'BREAKING'])
    expect(changes['cleaned.coffee_balance']).toEqual(['indirectly_modified', 'BREAKING'])
    expect(changes['raw.psd_coffee']).toEqual(['unchanged', null])
    expect(changes['serving.dim_country']?.[0]).toBe('indirectly_modified')
    expect(plan.steps.some((step) => step.model === 'raw.psd_coffee')).toBe(false)
    expect((await materia(root, 'plan', 'dev_x', '--auto-apply')).code).toBe(0)

    editFile(
      root,
      'models/cleaned/coffee_balance.sql',
      'AS ending_stocks\n',
      'AS ending_stocks,\n  count(*) AS attribute_rows\n',
    )
    const nonBreaking = await materia(root, 'plan', 'dev_x', '--auto-apply')
    expect(nonBreaking.stdout).toMatch(
      /cleaned\.coffee_balance \[NON_BREAKING\]: non-breaking.*; adds attribute_rows/,
    )
    expect(nonBreaking.stdout).toMatch(
      /serving\.coffee_stocks_to_use \[NON_BREAKING\]: upstream only added columns: the view is re-created/,
    )
    // Only coffee_balance computes rows (6); the view is re-created; nothing else is built.
    expect(nonBreaking.stdout).toMatch(/applied to dev_x: 2 model\(s\) built, 6 row\(s\) written/)

    const versionsBefore = await builtVersions(root)
    const prod = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(prod.stdout).toContain('tables to build: none')
    expect(prod.stdout).toMatch(
      /applied to prod: 0 model\(s\) built, 0 row\(s\) written, 6 view\(s\) switched/,
    )
    expect(await builtVersions(root)).toBe(versionsBefore)
    const total = await materia(
      root,
      'query',
      'SELECT sum(attribute_rows)::INTEGER AS n FROM cleaned.coffee_balance',
      '--csv',
    )
    expect(total.stdout.split('\r\n')[0]).toBe('n')
    expect(Number(total.stdout.split('\r\n')[1])).toBeGreaterThan(0)

    const list = await materia(root, 'environments')
    expect(list.stdout).toMatch(/prod\s+\| 6/)
    expect(list.stdout).toMatch(/dev_x\s+\| 6/)
    const info = await materia(root, 'info')
    expect(info.stdout).toMatch(/models\s+6 /)
    expect(info.stdout).toContain(join(root, '.materia', 'local.duckdb'))

    expect((await materia(root, 'invalidate', 'dev_x')).code).toBe(0)
    const gone = await materia(root, 'query', 'SELECT * FROM serving.dim_country', '--env', 'dev_x')
    expect(gone.code).toBe(1)
    expect((await materia(root, 'invalidate', 'prod')).stderr).toContain('prod cannot be invalidated')
    expect((await materia(root, 'query', 'SELECT count(*) AS n FROM serving.dim_country')).stdout).toMatch(
      /\n3\s*\n/,
    )
  })

  it('answers bad input with one line and changes nothing', async () => {
    expect((await materia(root, 'plan', 'dev_x', '--auto-apply')).code).toBe(0)
    // Bad arguments fail before the unit tests run: nothing on stdout.
    for (const option of ['--restate', '--select']) {
      const unknown = await materia(root, 'plan', 'dev_x', option, 'cleaned.nope')
      expect(unknown.code, option).toBe(1)
      expect(unknown.stderr, option).toMatch(
        new RegExp(`^materia plan: ${option} cleaned\\.nope: no such model`),
      )
      expect(unknown.stdout, option).toBe('')
    }
    const badEnv = await materia(root, 'plan', 'Dev-X')
    expect(badEnv.stderr).toMatch(/^materia plan: environment "Dev-X" is not a valid name[^\n]*\n$/)
    expect(badEnv.stdout).toBe('')
    const badDate = await materia(root, 'plan', 'dev_x', '--start', '2024-13-01')
    expect(badDate.stderr).toMatch(/^materia plan: --start "2024-13-01" is not a date[^\n]*\n$/)
    expect(badDate.stdout).toBe('')
    const badQuery = await materia(root, 'query', 'SELEC 1')
    expect(badQuery.code).toBe(1)
    expect(badQuery.stderr.trim().split('\n')).toHaveLength(1)

    const production = "sum(value) FILTER (WHERE attribute_name = 'Production')"
    editFile(root, 'models/cleaned/coffee_balance.sql', production, `-${production}`)
    const audited = await materia(root, 'plan', 'dev_x', '--auto-apply')
    expect(audited.code).toBe(1)
    expect(audited.stderr).toMatch(
      /models\/cleaned\/coffee_balance\.sql: blocking audit assert_non_negative failed on cleaned\.coffee_balance/,
    )
    expect(audited.stderr).toMatch(/no environment view changed/)
    const unchanged = await materia(
      root,
      'query',
      'SELECT min(production) >= 0 AS ok FROM cleaned.coffee_balance',
      '--env',
      'dev_x',
      '--json',
    )
    expect(JSON.parse(unchanged.stdout)).toEqual([{ ok: true }])
    editFile(root, 'models/cleaned/coffee_balance.sql', `-${production}`, production)

    editFile(
      root,
      'models/cleaned/coffee_balance.sql',
      'sum(value) FILTER',
      'sum(value / no_such_column) FILTER',
    )
    const failing = await materia(root, 'plan', 'dev_x', '--auto-apply')
    expect(failing.code).toBe(1)
    expect(failing.stdout).toMatch(
      /warning: models\/cleaned\/coffee_balance\.sql: cleaned\.coffee_balance will fail at apply: .*no_such_column/,
    )
    expect(failing.stderr).toMatch(
      /models\/cleaned\/coffee_balance\.sql: model cleaned\.coffee_balance failed: .*no_such_column/,
    )
    const still = await materia(
      root,
      'query',
      'SELECT count(*) AS n FROM cleaned.coffee_balance',
      '--env',
      'dev_x',
      '--json',
    )
    expect(JSON.parse(still.stdout)).toEqual([{ n: 6 }])
  })

  it('runs what is due by cron, then the janitor removes an invalidated environment', async () => {
    expect((await materia(root, 'plan', 'dev_x', '--auto-apply')).code).toBe(0)
    const idle = await materia(root, 'run', 'dev_x')
    expect(idle.stdout).toBe('dev_x: nothing is due\n')
    const later = await materiaAt('2024-05-02T06:00:00Z', root, 'run', 'dev_x')
    expect(later.code, later.stderr).toBe(0)
    expect(later.stdout).toMatch(/cleaned\.psd_coffee_snapshots: batch 1\/1/)
    expect(later.stdout).toMatch(/dev_x: \d+ model\(s\) evaluated/)
    expect((await materiaAt('2024-05-02T07:00:00Z', root, 'run', 'dev_x')).stdout).toBe(
      'dev_x: nothing is due\n',
    )
    expect((await materia(root, 'run', 'dev_nobody')).stderr).toMatch(
      /^materia run: no environment dev_nobody \(environments: [a-z_, ]*dev_x[a-z_, ]*\); create it with materia plan dev_nobody\n$/,
    )

    expect((await materia(root, 'janitor')).stdout).toContain(
      'janitor: 0 environment(s) removed, 0 table(s) dropped',
    )
    const nobody = await materia(root, 'invalidate', 'dev_nobody')
    expect(nobody.code).toBe(1)
    expect(nobody.stderr).toMatch(
      /^materia invalidate: no environment dev_nobody \(environments: [a-z_, ]*dev_x[a-z_, ]*\); nothing to drop\n$/,
    )
    expect((await materia(root, 'invalidate', 'dev_x')).code).toBe(0)
    const swept = await materia(root, 'janitor', '--ignore-ttl')
    expect(swept.stdout).toContain('removed environment dev_x')
    expect(swept.stdout).toContain('janitor: 1 environment(s) removed, 6 table(s) dropped')
    expect((await materia(root, 'environments')).stdout).toContain('no environments yet')
  })

  it('skips unit tests unchanged since they passed, and a dry run reads beside another reader', async () => {
    mkdirSync(join(root, 'tests'))
    writeFileSync(
      join(root, 'tests', 'test_balance.yaml'),
      `test_balance:
  model: cleaned.coffee_balance
  inputs:
    staging.stg_psd_coffee:
      rows:
        - { country_code: BR, market_year: 2021, attribute_name: Production, unit_description: (1000 60 KG BAGS), value: 69900 }
  outputs:
    query: { partial: true, rows: [{ country_code: BR, production: 69900 }] }
`,
    )
    const first = await materia(root, 'plan', 'dev_x', '--auto-apply')
    expect(first.stdout).toContain('unit tests: 1 passed\n')
    const again = await materia(root, 'plan', 'dev_x', '--dry-run')
    expect(again.stdout).toContain(
      'unit tests: 1 passed (1 unchanged since they passed; --rerun-tests runs them)\n',
    )
    const forced = await materia(root, 'plan', 'dev_x', '--dry-run', '--rerun-tests')
    expect(forced.stdout).toContain('unit tests: 1 passed\n')

    const database = join(root, '.materia', 'local.duckdb')
    const reader = spawn(
      process.execPath,
      ['--import', 'tsx', holdChild, JSON.stringify({ mode: 'hold_read_only', database })],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    try {
      await new Promise<void>((resolve, reject) => {
        reader.stdout?.on('data', (chunk: Buffer) => {
          if (chunk.toString().includes('ready')) resolve()
        })
        reader.on('exit', (code) => reject(new Error(`reader exited ${code}`)))
      })
      const dryRun = await materia(root, 'plan', 'dev_x', '--dry-run')
      expect(dryRun.code, dryRun.stderr).toBe(0)
      expect(dryRun.stdout).toContain('no changes')
      // The read-only commands open the file read-only too: beside another reader, not locked out.
      for (const argv of [['info'], ['environments'], ['audit', 'dev_x']]) {
        const readOnly = await materia(root, ...argv)
        expect(readOnly.code, `${argv.join(' ')}: ${readOnly.stderr}`).toBe(0)
      }
      const apply = await materia(root, 'plan', 'dev_x', '--auto-apply')
      expect(apply.code).toBe(1)
      expect(apply.stderr).toContain(`${database} is in use by process ${reader.pid}`)
    } finally {
      reader.kill('SIGKILL')
    }
  })
})
