// Goal: people's queries read and never write, whatever form the write takes, and DuckDB reads no file
// outside the project and landing folders. Method: every bypass form (from DuckDB's statement list:
// chaining, CTEs, COPY, ATTACH, PRAGMA, CALL, INSTALL/LOAD, SET, ...) through the guard, which parses
// with DuckDB itself; then the same statements against a real DuckDB file to show the guarded ones
// would have written; and a database opened with the file sandbox, read_text('/etc/passwd') refused.
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { isMateriaError } from '../errors.ts'
import { openDatabase } from './database.ts'
import { guardReadOnlyQuery, guardWorkbenchStatement } from './query-guard.ts'
import { temporaryDirectory } from './testing/test-project.ts'

async function refusal(run: () => Promise<unknown>): Promise<string> {
  try {
    await run()
  } catch (error) {
    expect(isMateriaError(error), String(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a refusal')
}

const bypasses = [
  'SELECT 1; DROP VIEW serving.dim_country',
  'SELECT 1;DELETE FROM serving.dim_country',
  'WITH x AS (SELECT 1) DELETE FROM serving.dim_country',
  'WITH x AS (SELECT 1) INSERT INTO serving.dim_country SELECT * FROM x',
  "COPY serving.dim_country TO '/tmp/out.csv'",
  "COPY serving.dim_country FROM '/tmp/in.csv'",
  "ATTACH '/tmp/other.duckdb' AS other",
  'DETACH other',
  'PRAGMA enable_profiling',
  'CALL pragma_version()',
  'CALL checkpoint()',
  'INSTALL httpfs',
  'LOAD httpfs',
  'SET threads = 1',
  'SET enable_external_access = true',
  'RESET threads',
  "SET VARIABLE x = 'y'",
  'USE materia__serving',
  'DROP VIEW serving.dim_country',
  'DELETE FROM materia__serving.serving__dim_country__0123456789ab',
  "UPDATE serving.dim_country SET country_name = 'x'",
  'CREATE TABLE serving.x AS SELECT 1',
  'ALTER VIEW serving.dim_country RENAME TO y',
  "EXPORT DATABASE '/tmp/dump'",
  'CHECKPOINT',
  'BEGIN TRANSACTION',
  "SELECT * FROM query('DROP VIEW serving.dim_country')",
  "SELECT * FROM query_table('serving.dim_country')",
  'SELECT * FROM checkpoint()',
  'SELECT * FROM force_checkpoint()',
  "SELECT nextval('s')",
]

describe('guardReadOnlyQuery', () => {
  it('accepts the SELECT-like statements', async () => {
    for (const sql of [
      'SELECT 1',
      'FROM serving.dim_country',
      'WITH x AS (SELECT 1 AS a) SELECT a FROM x',
      'VALUES (1), (2)',
      'SELECT 1 UNION ALL SELECT 2',
      'DESCRIBE serving.dim_country',
      'SUMMARIZE serving.dim_country',
      "SELECT 'a; DROP VIEW x' AS text -- ; DELETE",
    ]) {
      await expect(guardReadOnlyQuery(sql), sql).resolves.toBeUndefined()
    }
  })

  it('refuses every bypass form with one line naming the statement', async () => {
    for (const sql of bypasses) {
      const message = await refusal(() => guardReadOnlyQuery(sql))
      expect(message, sql).toMatch(/^refused "/)
      expect(message, sql).not.toContain('\n')
    }
  })

  it('says what the statement is instead of one SELECT, in the words of the query', async () => {
    const reasons: [string, string][] = [
      ['DROP VIEW serving.dim_country', 'a DROP statement'],
      ["UPDATE serving.dim_country SET country_name = 'x'", 'an UPDATE statement'],
      ['CALL checkpoint()', 'a CALL statement'],
      ['SELECT 1; DROP VIEW serving.dim_country', '2 statements'],
      ['SELECT 1; SELECT 2', '2 statements'],
      ['WITH x AS (SELECT 1) DELETE FROM serving.dim_country', 'a statement other than SELECT'],
    ]
    for (const [sql, reason] of reasons) {
      const message = await refusal(() => guardReadOnlyQuery(sql))
      expect(message, sql).toContain(`: ${reason}, not one SELECT; `)
      expect(message, sql).not.toContain('json')
    }
  })

  it('says where a syntax error is, not that the statement is refused', async () => {
    expect(await refusal(() => guardReadOnlyQuery('SELEC 1'))).toMatch(/^SQL syntax error/)
  })
})

describe('guardWorkbenchStatement', () => {
  const scratch = 'scratch_alice'

  it('accepts reads and writes to the scratch schema only', async () => {
    expect(await guardWorkbenchStatement('SELECT 1', scratch)).toEqual({ kind: 'read' })
    for (const sql of [
      'CREATE TABLE scratch_alice.t AS SELECT * FROM serving.dim_country',
      'CREATE OR REPLACE TABLE "scratch_alice"."T" AS SELECT 1 AS a',
      'CREATE VIEW scratch_alice.v AS SELECT 1 AS a',
      'INSERT INTO scratch_alice.t BY NAME SELECT 1 AS a',
      'INSERT INTO scratch_alice.t SELECT 1',
      'DELETE FROM scratch_alice.t WHERE a = 1',
      'DELETE FROM scratch_alice.t',
      'DROP TABLE IF EXISTS scratch_alice.t',
    ]) {
      expect((await guardWorkbenchStatement(sql, scratch)).kind, sql).toBe('scratch')
    }
  })

  it('refuses writes elsewhere, and scratch forms that smuggle a write or an acting function', async () => {
    for (const sql of [
      ...bypasses,
      'CREATE TABLE scratch_bob.t AS SELECT 1',
      'CREATE TABLE materia__serving.t AS SELECT 1',
      'INSERT INTO serving.dim_country SELECT * FROM serving.dim_country',
      'DELETE FROM materia__serving.serving__dim_country__0123456789ab WHERE true',
      'CREATE TABLE scratch_alice.t AS SELECT 1; DROP VIEW serving.dim_country',
      "CREATE TABLE scratch_alice.t AS SELECT * FROM query('DROP VIEW serving.dim_country')",
      'DELETE FROM scratch_alice.t WHERE true; DELETE FROM serving.dim_country',
      'DELETE FROM scratch_alice.t USING serving.dim_country',
      'CREATE TABLE scratch_alice.t (a INTEGER)',
      'CREATE TABLE scratch_alice.nested.t AS SELECT 1',
      'UPDATE scratch_alice.t SET a = 1',
    ]) {
      const message = await refusal(() => guardWorkbenchStatement(sql, scratch))
      expect(message, sql).toMatch(/^(refused "|SQL syntax error)/)
    }
  })

  it('the refused statements would have written: they run on an unguarded connection', async () => {
    const root = temporaryDirectory('guard')
    const db = await openDatabase(join(root, 'x.duckdb'))
    try {
      await db.run('CREATE SCHEMA serving; CREATE TABLE serving.dim_country AS SELECT 1 AS a')
      await db.run('SELECT 1; DELETE FROM serving.dim_country')
      expect(await db.rows('SELECT count(*)::INTEGER AS n FROM serving.dim_country')).toEqual([{ n: 0 }])
    } finally {
      db.close()
    }
  })
})

describe('file access of a query database', () => {
  it('reads the project and landing folders, refuses every other file', async () => {
    const root = temporaryDirectory('sandbox')
    const project = join(root, 'project')
    const landing = join(root, 'landing')
    mkdirSync(project)
    mkdirSync(landing)
    writeFileSync(join(landing, 'a.csv'), 'x\n1\n')
    writeFileSync(join(root, 'outside.csv'), 'x\n2\n')
    mkdirSync(join(root, 'project2'))
    writeFileSync(join(root, 'project2', 'b.csv'), 'x\n3\n')
    const db = await openDatabase(join(project, 'x.duckdb'), { allowedDirectories: [project, landing] })
    try {
      expect(await db.rows(`SELECT x FROM read_csv('${landing}/a.csv')`)).toEqual([{ x: 1n }])
      for (const sql of [
        "SELECT * FROM read_text('/etc/passwd')",
        `SELECT * FROM read_csv('${root}/outside.csv')`,
        `SELECT * FROM read_csv('${landing}/../outside.csv')`,
        `SELECT * FROM read_csv('${project}2/b.csv')`,
        "SELECT * FROM glob('/etc/*')",
        "SET allowed_directories = ['/']",
        'SET enable_external_access = true',
      ]) {
        await expect(db.rows(sql), sql).rejects.toThrow(/Permission Error|Cannot (change|enable)/)
      }
    } finally {
      db.close()
    }
  })

  it('a read-only database refuses writes whatever the statement', async () => {
    const root = temporaryDirectory('readonly')
    const path = join(root, 'x.duckdb')
    const writable = await openDatabase(path)
    await writable.run('CREATE TABLE t AS SELECT 1 AS a')
    writable.close()
    const db = await openDatabase(path, { readOnly: true })
    try {
      await expect(db.run('DELETE FROM t')).rejects.toThrow(/read-only/)
      expect(await db.rows('SELECT count(*)::INTEGER AS n FROM t')).toEqual([{ n: 1 }])
    } finally {
      db.close()
    }
  })
})
