// Unit-test files whose tests all passed and have not changed since: `materia plan` neither parses
// nor runs them (--rerun-tests runs them all). A test's key hashes everything its outcome depends
// on: its test file's bytes, the CSV files its fixtures name, the data fingerprint of the model it
// tests (which covers the model's query, kind, declared columns, seed bytes and, through the
// parents' fingerprints, every upstream model), the DuckDB library version and this cache's format.
// A file is unchanged when its bytes hash as recorded and each of its tests' keys recomputes equal.
// The cache is one JSON file in the project's state folder, written whole (write, then rename).
//
// A test whose inputs are typed from outside data gets no key, and its file always runs: an
// ancestor that is neither a seed nor declares its columns, and reads no model, takes its schema
// from files the fingerprint does not see (say, a landing folder's CSV header).
import { createHash } from 'node:crypto'
import { readFileSync, renameSync, writeFileSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { version as duckdbVersion } from '@duckdb/node-api'
import type { Fingerprint } from './fingerprint.ts'
import { ancestorsInOrder } from './model-schema.ts'
import type { Project } from './project.ts'
import type { UnitTest } from './test-file.ts'

// Bump when what a test checks changes (the runner's comparison, fixture typing): older passes
// then no longer count.
const cacheFormat = '1'

export interface CachedTest {
  readonly name: string
  readonly model: string
  readonly line: number
  readonly csvFiles: readonly string[] // fixtures' CSV files, relative to the project root
  readonly key: string
}

export interface CachedFile {
  readonly sha256: string
  readonly tests: readonly CachedTest[]
}

type TestCache = ReadonlyMap<string, CachedFile> // by test file path, e.g. tests/test_x.yaml

export function testCachePath(project: Project): string {
  return join(project.root, '.materia', 'unit-tests-passed.json')
}

export function sha256(bytes: string | Buffer): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export function csvFiles(test: UnitTest): string[] {
  const expected = [test.query, ...test.ctes.values()].flatMap((output) => (output === null ? [] : [output]))
  const fixtures = [...test.inputs.values(), ...expected.map((output) => output.fixture)]
  return fixtures.flatMap((fixture) => (fixture.kind === 'csv' ? [fixture.path] : []))
}

function typedFromOutside(project: Project, name: string): boolean {
  const model = project.models.get(name)
  if (model === undefined || model.kind.name === 'SEED' || (model.columns ?? []).length > 0) return false
  return (project.parents.get(name) ?? []).length === 0
}

// Computes test keys against one project state; CSV files are hashed once each.
export function testKeyer(
  project: Project,
  fingerprints: ReadonlyMap<string, Fingerprint>,
): (fileSha256: string, test: Pick<CachedTest, 'name' | 'model' | 'csvFiles'>) => string | null {
  const csvHashes = new Map<string, string | null>()
  const csvHash = (relative: string): string | null => {
    if (!csvHashes.has(relative)) {
      let hash: string | null = null
      try {
        hash = sha256(readFileSync(join(project.root, relative)))
      } catch {
        hash = null // missing: the test runs and reports it
      }
      csvHashes.set(relative, hash)
    }
    return csvHashes.get(relative) ?? null
  }
  return (fileSha256, test) => {
    const fingerprint = fingerprints.get(test.model)
    if (fingerprint === undefined) return null
    if (ancestorsInOrder(project, [test.model]).some((name) => typedFromOutside(project, name))) return null
    const csv = test.csvFiles.map((path) => [path, csvHash(path)])
    if (csv.some(([, hash]) => hash === null)) return null
    return sha256(
      JSON.stringify([cacheFormat, duckdbVersion(), fileSha256, test.name, fingerprint.dataHash, csv]),
    )
  }
}

function isCachedTest(value: unknown): value is CachedTest {
  const test = value as Partial<CachedTest> | null
  return (
    typeof test?.name === 'string' &&
    typeof test.model === 'string' &&
    typeof test.line === 'number' &&
    typeof test.key === 'string' &&
    Array.isArray(test.csvFiles) &&
    test.csvFiles.every((path) => typeof path === 'string')
  )
}

// An absent or unreadable cache is empty: every test runs.
export async function readTestCache(path: string): Promise<TestCache> {
  let parsed: { format?: unknown; files?: unknown }
  try {
    parsed = JSON.parse(await readFile(path, 'utf8')) as typeof parsed
  } catch {
    return new Map()
  }
  if (parsed.format !== cacheFormat || typeof parsed.files !== 'object' || parsed.files === null) {
    return new Map()
  }
  const files = new Map<string, CachedFile>()
  for (const [file, entry] of Object.entries(parsed.files as Record<string, CachedFile>)) {
    if (typeof entry?.sha256 === 'string' && Array.isArray(entry.tests) && entry.tests.every(isCachedTest))
      files.set(file, entry)
  }
  return files
}

export async function writeTestCache(path: string, files: TestCache): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  const temporary = `${path}.${process.pid}.tmp`
  const sorted = Object.fromEntries([...files].sort(([left], [right]) => left.localeCompare(right)))
  writeFileSync(temporary, `${JSON.stringify({ format: cacheFormat, files: sorted })}\n`)
  renameSync(temporary, path)
}
