// Goal: `materia query` only reads: a statement that would change prod (or any environment) fails
// with one line, exit 1, and prod's views, tables and rows are exactly as before; files outside the
// project and landing folders cannot be read. Method: the example project copied to a temp dir and
// applied to prod with the real `main`, then the bypass forms through `materia query`, comparing a
// digest of every view and physical table (name and rows) before and after.
import { spawn } from 'node:child_process'
import { cpSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { closedPipeExitCode } from '../cli.ts'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { databaseDigest as digest, example, materia } from './testing/cli-run.ts'

describe('materia query is read-only', () => {
  let root: string
  beforeAll(async () => {
    root = temporaryDirectory('query')
    cpSync(example, root, { recursive: true })
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
    const dev = await materia(root, 'plan', 'dev_x', '--auto-apply')
    expect(dev.code, dev.stderr).toBe(0)
  })

  it('refuses DROP VIEW on prod with one line; prod is unchanged and plan has nothing to repair', async () => {
    const before = await digest(root)
    const dropped = await materia(root, 'query', 'drop view serving.dim_country')
    expect(dropped.code).toBe(1)
    expect(dropped.stdout).toBe('')
    expect(dropped.stderr.trim().split('\n')).toHaveLength(1)
    expect(dropped.stderr).toMatch(
      /^materia query: refused "drop view serving\.dim_country": a DROP statement, not one SELECT;/,
    )
    expect(await digest(root)).toBe(before)
    const count = await materia(root, 'query', 'SELECT count(*) AS n FROM serving.dim_country', '--json')
    expect(JSON.parse(count.stdout)).toEqual([{ n: 3 }])
    expect((await materia(root, 'plan', 'prod')).stdout).toMatch(/no changes/i)
  })

  it('refuses each bypass form, in prod and in a dev environment sharing its tables', async () => {
    const before = await digest(root)
    const physical = (
      await materia(
        root,
        'query',
        "SELECT schema_name || '.' || table_name AS t FROM duckdb_tables() WHERE table_name LIKE 'serving__dim_country__%'",
        '--json',
      )
    ).stdout
    const [{ t: table }] = JSON.parse(physical) as [{ t: string }]
    const statements = [
      `DELETE FROM ${table}`,
      `SELECT 1; DELETE FROM ${table}`,
      `WITH x AS (SELECT 1) DELETE FROM ${table}`,
      `COPY ${table} TO '${root}/out.csv'`,
      `ATTACH '${root}/other.duckdb' AS other`,
      'PRAGMA enable_profiling',
      'CALL checkpoint()',
      'INSTALL json',
      'LOAD json',
      'SET threads = 1',
      'DROP VIEW serving.dim_country',
    ]
    for (const environment of ['prod', 'dev_x']) {
      for (const sql of statements) {
        const result = await materia(root, 'query', sql, '--env', environment)
        expect(result.code, sql).toBe(1)
        expect(result.stderr.trim().split('\n'), sql).toHaveLength(1)
        expect(result.stderr, sql).toMatch(/^materia query: refused "/)
      }
    }
    expect(await digest(root)).toBe(before)
  })

  it("keeps DuckDB's suggestion for a misspelt table, function or column, on the one line", async () => {
    const cases: [string, string][] = [
      [
        'SELECT * FROM serving.dim_countr',
        'Table with name dim_countr does not exist! Did you mean "dim_country"?',
      ],
      ['SELECT sume(1)', 'Scalar Function with name sume does not exist! Did you mean "sum"?'],
      ['SELECT country_nam FROM serving.dim_country', 'Candidate bindings: "country_name"'],
    ]
    for (const [sql, expected] of cases) {
      const failed = await materia(root, 'query', sql)
      expect(failed.code, sql).toBe(1)
      expect(failed.stderr, sql).toContain(expected)
      expect(failed.stderr.trim().split('\n'), sql).toHaveLength(1)
    }
  })

  it('suggests the model name in a dev environment, never its schema there', async () => {
    // Unqualified, the table is in prod's schema and in dev_x's: DuckDB offers both.
    const failed = await materia(root, 'query', 'SELECT * FROM dim_country', '--env', 'dev_x')
    expect(failed.code).toBe(1)
    expect(failed.stderr).toContain('Did you mean "serving.dim_country"?')
    expect(failed.stderr).not.toContain('__dev_x')
  })

  it('ends quietly with 141 (128 + SIGPIPE) when the reader closes the pipe early, as cat and git do', async () => {
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'materia.js')
    for (const format of ['--csv', '--json']) {
      const child = spawn(
        process.execPath,
        [bin, 'query', 'SELECT * FROM range(3000000)', format, '--project', root],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      )
      let stderr = ''
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString()
      })
      const closed = new Promise<number | null>((resolve) => child.on('close', resolve))
      await new Promise((resolve) => child.stdout.once('data', resolve))
      child.stdout.destroy()
      expect(await closed, format).toBe(closedPipeExitCode)
      expect(stderr, format).toBe('')
    }
    // The launcher's recorded --help, its pipe closed before the child writes (its start alone
    // takes longer than this test's next line).
    const help = spawn(process.execPath, [bin, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] })
    help.stdout.destroy()
    let helpErrors = ''
    help.stderr.on('data', (chunk: Buffer) => {
      helpErrors += chunk.toString()
    })
    expect(await new Promise((resolve) => help.on('close', resolve))).toBe(closedPipeExitCode)
    expect(helpErrors).toBe('')
  }, 60_000)

  it('reads files in the project, refuses /etc/passwd and files beside the project', async () => {
    writeFileSync(join(root, 'inside.csv'), 'x\n7\n')
    const inside = await materia(root, 'query', `SELECT x FROM read_csv('${root}/inside.csv')`, '--json')
    expect(JSON.parse(inside.stdout)).toEqual([{ x: 7 }])
    const passwd = await materia(root, 'query', "SELECT * FROM read_text('/etc/passwd')")
    expect(passwd.code).toBe(1)
    expect(passwd.stdout).toBe('')
    expect(passwd.stderr).toMatch(
      /^materia query: query on prod failed: Permission Error: Cannot access file "\/etc\/passwd"/,
    )
    expect(passwd.stderr.trim().split('\n')).toHaveLength(1)
  })
})
