// Goal: a CSV already in the landing folder that DuckDB cannot read (landed before extract checked
// files, or copied in by hand) makes every raw query fail with `Error when sniffing file ""`,
// naming no file. Through `materia query` and `materia plan`, the error is one line on stderr that
// names the landed file and says what to do, the exit code is 1, no stack trace, and prod (and the
// landing) are left as they were.
// Method: a project whose raw view reads the landing the way sql/models/raw/psd_alldata.sql does
// (read_csv over a glob, all_varchar, union_by_name), applied to prod with one genuine gzipped PSD
// file; then a second file with mixed line endings (CRLF and LF alternating, as in issue 17) lands
// beside it, and the real CLI runs in-process on it.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { beforeAll, describe, expect, it } from 'vitest'
import { temporaryDirectory } from '../engine/testing/test-project.ts'
import { databaseDigest, materia } from './testing/cli-run.ts'

const genuineLines = readFileSync(
  new URL('../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url),
  'utf8',
)
  .split(/\r?\n/)
  .filter((line) => line !== '')

function writeProject(root: string): void {
  const files: Record<string, string> = {
    'materia.yaml':
      'name: landed\ngateways:\n  local: { type: duckdb, path: .materia/local.duckdb }\nmodel_defaults: { start: "2024-01-01" }\nlanding: landing\n',
    'models/raw/psd.sql': `MODEL (name raw.psd, kind VIEW);
SELECT
  *
FROM read_csv(@VAR('landing_dir') || '/psd/*/*.csv.gz', all_varchar = true, filename = true, union_by_name = true, header = true)
`,
    'models/serving/rows.sql': `MODEL (name serving.rows, kind FULL);
SELECT
  count(*)::INTEGER AS n
FROM raw.psd
`,
  }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  mkdirSync(join(root, 'landing', 'psd', '2022-10'), { recursive: true })
  writeFileSync(
    join(root, 'landing', 'psd', '2022-10', 'good.csv.gz'),
    gzipSync(`${genuineLines.join('\r\n')}\r\n`),
  )
}

// One line naming the landed file, with what to do; nothing else (no stack trace, no DuckDB hints).
function expectNamesBadFile(stderr: string, command: string, badPath: string): void {
  expect(stderr.split('\n')).toHaveLength(2) // the line and the final newline
  expect(stderr.startsWith(`materia ${command}: `)).toBe(true)
  expect(stderr).toContain(`landed file ${badPath} is not readable as CSV by DuckDB`)
  expect(stderr).toMatch(
    /; move it out of the landing folder .* and land that month again with materia extract\n$/,
  )
  expect(stderr).not.toContain('file ""')
  expect(stderr).not.toMatch(/\n\s+at /)
}

describe('a landed CSV DuckDB cannot read', () => {
  let root: string
  let badPath: string
  let prodBefore: string
  beforeAll(async () => {
    root = temporaryDirectory('landed-read-error')
    writeProject(root)
    const applied = await materia(root, 'plan', 'prod', '--auto-apply')
    expect(applied.code, applied.stderr).toBe(0)
    prodBefore = await databaseDigest(root, { views: 'definitions' })
    badPath = join(root, 'landing', 'psd', '2022-11', 'mixed.csv.gz')
    mkdirSync(join(badPath, '..'))
    const mixed = genuineLines.map((line, index) => `${line}${index % 2 === 0 ? '\r\n' : '\n'}`).join('')
    writeFileSync(badPath, gzipSync(mixed))
  })

  it('query: one line naming the file, exit 1', async () => {
    const run = await materia(root, 'query', 'SELECT count(*) FROM raw.psd')
    expect(run.code).toBe(1)
    expect(run.stdout).toBe('')
    expectNamesBadFile(run.stderr, 'query', badPath)
  })

  it('plan that rebuilds over it: one line naming the file, exit 1, prod untouched', async () => {
    const run = await materia(root, 'plan', 'prod', '--restate', 'serving.rows', '--auto-apply')
    expect(run.code).toBe(1)
    expectNamesBadFile(run.stderr, 'plan', badPath)
    expect(await databaseDigest(root, { views: 'definitions' })).toBe(prodBefore)
    // The landing is reported, never changed: the bad file stays where it was.
    expect(readFileSync(badPath).length).toBeGreaterThan(0)
  })

  it('once the file is moved out, the same plan succeeds', async () => {
    const quarantine = join(root, 'landing', '_quarantine', 'psd', '2022-11')
    mkdirSync(quarantine, { recursive: true })
    writeFileSync(join(quarantine, 'mixed.csv.gz'), readFileSync(badPath))
    rmSync(badPath)
    const run = await materia(root, 'plan', 'prod', '--restate', 'serving.rows', '--auto-apply')
    expect(run.code, run.stderr).toBe(0)
    const rows = await materia(root, 'query', 'SELECT n FROM serving.rows', '--json')
    expect(JSON.parse(rows.stdout)).toEqual([{ n: genuineLines.length - 1 }])
  })
})
