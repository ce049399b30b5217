// Goal: when state and database disagree (a view dropped, a physical table dropped, a table altered
// outside plan/apply), `materia doctor` lists each problem and exits 1, and `materia plan` says what
// it repairs and repairs it, after which prod reads the same rows as before. Method: the example
// project applied to prod with the real `main`, then the damage done on the DuckDB file directly,
// as a hand-run statement or an older tool would.
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../engine/database.ts'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { example, materia } from './testing/cli-run.ts'

async function damage(root: string): Promise<{ dropped: string; altered: string }> {
  const db = await openDatabase(join(root, '.materia', 'local.duckdb'))
  try {
    const table = async (pattern: string) => {
      const rows = await db.rows(
        `SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE table_name LIKE '${pattern}'`,
      )
      expect(rows).toHaveLength(1)
      return String(rows[0]?.t)
    }
    const dropped = await table('cleaned__coffee_balance__%')
    const altered = await table('serving__dim_country__%')
    // The view over the dropped table goes first (DuckDB tracks no dependency, but keep it honest).
    await db.run('DROP VIEW serving.dim_country')
    await db.run('DROP VIEW cleaned.coffee_balance')
    await db.run(`DROP TABLE ${dropped}`)
    await db.run(`ALTER TABLE ${altered} ADD COLUMN extra INTEGER`)
    return { dropped, altered }
  } finally {
    db.close()
  }
}

async function rows(root: string, sql: string): Promise<unknown> {
  const result = await materia(root, 'query', sql, '--json')
  expect(result.code, result.stderr).toBe(0)
  return JSON.parse(result.stdout)
}

describe('state against the database', () => {
  let root: string
  beforeAll(async () => {
    root = temporaryDirectory('doctor')
    cpSync(example, root, { recursive: true })
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
  })

  it('doctor agrees on a healthy file, lists every problem after damage, and plan repairs them', async () => {
    const healthy = await materia(root, 'doctor')
    expect(healthy.code, healthy.stderr).toBe(0)
    expect(healthy.stdout).toMatch(
      /^state and database agree: 6 table\(s\), 6 environment view\(s\) in 1 environment\(s\)/,
    )
    const balance = 'SELECT * FROM cleaned.coffee_balance ORDER BY ALL'
    const countries = 'SELECT * FROM serving.dim_country ORDER BY ALL'
    const before = [await rows(root, balance), await rows(root, countries)]

    const { dropped, altered } = await damage(root)
    const report = await materia(root, 'doctor')
    expect(report.code).toBe(1)
    expect(report.stdout).toContain(`${dropped} (cleaned.coffee_balance@`)
    expect(report.stdout).toMatch(
      new RegExp(`${altered.replace('.', '\\.')} .*has columns \\(.*extra INTEGER\\), state recorded`),
    )
    expect(report.stdout).toContain(
      'view serving.dim_country of environment prod (serving.dim_country) is missing',
    )
    expect(report.stdout).toContain(
      'view cleaned.coffee_balance of environment prod (cleaned.coffee_balance) is missing',
    )
    expect(report.stdout.trim().split('\n')).toHaveLength(4)
    expect(report.stderr).toBe('4 problem(s) between state and database; materia plan prod repairs them\n')

    const plan = await materia(root, 'plan', 'prod')
    expect(plan.code, plan.stderr).toBe(0)
    expect(plan.stdout).not.toMatch(/no changes/i)
    expect(plan.stdout).toMatch(
      /repair: .*cleaned__coffee_balance__.* is in state but not in the database: built again/,
    )
    expect(plan.stdout).toMatch(
      /repair: view serving\.dim_country of environment prod .* is missing: re-created/,
    )
    expect(plan.stdout).toContain(`${dropped}: create (repair)`)

    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
    expect((await materia(root, 'doctor')).code).toBe(0)
    expect([await rows(root, balance), await rows(root, countries)]).toEqual(before)
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
  })
})
