// Goal: `materia extract psd` lands the newest PSD snapshot verified and byte-exact, transfers no
// body when nothing changed, and on every bad answer from the source prints one line naming the
// URL, exits non-zero and leaves the landing as it was (quarantining what failed verification).
// Method: the real CLI in-process against a local node:http stand-in for USDA serving the genuine
// 2022-12 coffee zip (and broken variants of it), landing into a temp folder.
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { landBundledSnapshot } from './land.ts'
import { addMonths, monthOf } from './locate.ts'
import { landingId, type Manifest } from './manifest.ts'
import { fingerprint, genuineCsvSha256, gunzipFile, runCli, sha256 } from './testing/harness.ts'
import { genuineZip, type PsdServer, startPsdServer } from './testing/psd-server.ts'
import { zipWithChangedHeader, zipWithWrongCrc } from './testing/zips.ts'

const thisMonth = monthOf(new Date())
const published = addMonths(thisMonth, -2)
const [publishedYear, publishedMonth] = published.split('-')

let server: PsdServer
let landing: string
let env: Record<string, string>

beforeEach(async () => {
  server = await startPsdServer({ publishedThrough: published })
  landing = mkdtempSync(join(tmpdir(), 'materia-landing-'))
  env = {
    MATERIA_PSD_BASE_URL: server.baseUrl,
    MATERIA_HTTP_BACKOFF_MS: '5',
    MATERIA_HTTP_TIMEOUT_MS: '3000',
    MATERIA_HTTP_TOTAL_MS: '20000',
  }
})
afterEach(async () => {
  await server.close()
})

function extract(...args: string[]) {
  return runCli(['extract', 'psd', '--dataset', 'coffee', '--landing', landing, ...args], env, landing)
}

function landedManifests(): Manifest[] {
  const keys = Object.keys(fingerprint(landing, '_quarantine')).filter((key) => key.endsWith('.json'))
  return keys.map((key) => JSON.parse(readFileSync(join(landing, key), 'utf8')) as Manifest)
}

describe('extract psd against a local USDA stand-in', () => {
  it('falls back past unpublished months, lands byte-exact, and a rerun transfers no body', async () => {
    const first = await extract()
    expect(first.stderr).toBe('')
    expect(first.code).toBe(0)
    const archive = `/psdonline/downloads/archives/${publishedYear}/${publishedMonth}/psd_coffee_csv.zip`
    expect(server.state.requests.map((request) => request.url)).toEqual([
      `/psdonline/downloads/archives/${thisMonth.replace('-', '/')}/psd_coffee_csv.zip`,
      `/psdonline/downloads/archives/${addMonths(thisMonth, -1).replace('-', '/')}/psd_coffee_csv.zip`,
      archive,
    ])
    expect(first.stdout).toContain('skipped')
    expect(first.stdout).toMatch(/landed psd\/coffee\/.* \(77,957 rows\)/)
    const [manifest] = landedManifests()
    const etag = `"${sha256(genuineZip).slice(0, 20)}"`
    expect(manifest).toMatchObject({
      dataset: 'coffee',
      month: published,
      etag,
      id: landingId(etag, sha256(genuineZip)),
      last_modified: 'Tue, 20 Dec 2022 15:02:00 GMT',
      zip_sha256: sha256(genuineZip),
      zip_bytes: genuineZip.length,
      csv_name: 'psd_coffee.csv',
      csv_sha256: genuineCsvSha256,
      csv_bytes: 8_271_017,
      rows: 77_957,
      duplicate_of: null,
    })
    expect(manifest!.source_url).toBe(
      `${server.baseUrl}/archives/${publishedYear}/${publishedMonth}/psd_coffee_csv.zip`,
    )
    const csv = gunzipFile(
      join(landing, `psd/coffee/${publishedYear}/${publishedMonth}/${manifest!.id}.csv.gz`),
    )
    expect(sha256(csv)).toBe(genuineCsvSha256)

    const before = fingerprint(landing)
    const servedBefore = server.state.bodyBytesServed
    expect(servedBefore).toBe(genuineZip.length)
    const second = await extract()
    expect(second.code).toBe(0)
    expect(second.stdout).toMatch(/unchanged coffee .* 0 B of body transferred/)
    expect(server.state.bodyBytesServed).toBe(servedBefore)
    expect(server.state.requests.at(-1)?.ifNoneMatch).toBe(etag)
    expect(fingerprint(landing)).toEqual(before)
  })

  it('retries a 500 and lands on the next attempt', async () => {
    server.state.mode = 'fail_then_ok'
    server.state.failuresLeft = 2
    const run = await extract()
    expect(run.code).toBe(0)
    expect(server.state.requests.filter((request) => request.url.includes(publishedMonth!)).length).toBe(3)
    expect(landedManifests()).toHaveLength(1)
  })

  it('uses the current file when no recent archive is published', async () => {
    server.state.publishedThrough = '2006-01'
    const run = await extract()
    expect(run.code).toBe(0)
    expect(server.state.requests.at(-1)?.url).toBe('/psdonline/downloads/psd_coffee_csv.zip')
    // No vintage in the URL: the month comes from Last-Modified.
    expect(landedManifests()[0]?.month).toBe('2022-12')
  })

  it('fails with one line naming the URLs when nothing is published', async () => {
    server.state.publishedThrough = '2006-01'
    server.state.currentFile = false
    const run = await extract()
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^materia extract: no coffee snapshot found: http:\/\/127\.0\.0\.1:\d+\/.* answered 404/,
    )
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(fingerprint(landing)).toEqual({})
  })

  describe('bad answers leave the landing unchanged', () => {
    // A landing holding the bundled snapshot, landed once and copied into each case's landing.
    let seed: string
    beforeAll(async () => {
      seed = mkdtempSync(join(tmpdir(), 'materia-seed-'))
      expect((await landBundledSnapshot(seed)).status).toBe('landed')
    })

    async function seedThenBreak(): Promise<Record<string, string>> {
      cpSync(seed, landing, { recursive: true })
      const before = fingerprint(landing)
      expect(Object.keys(before)).toHaveLength(2)
      return before
    }

    const cases: [string, () => void | Promise<void>, RegExp][] = [
      [
        'always 500',
        () => {
          server.state.mode = 'always_500'
        },
        /: HTTP 500 after 4 attempts; the source may be down/,
      ],
      [
        'a truncated body',
        () => {
          server.state.mode = 'truncated'
        },
        /: body cut short \(connection closed: other side closed\) after 4 attempts/,
      ],
      [
        'a slow body',
        () => {
          server.state.mode = 'slow'
          env.MATERIA_HTTP_TIMEOUT_MS = '300'
        },
        /: no complete answer within 300 ms after 4 attempts/,
      ],
    ]
    for (const [name, breakServer, message] of cases) {
      it(`${name}: clear error, exit 1, nothing landed or quarantined`, async () => {
        const before = await seedThenBreak()
        await breakServer()
        const run = await extract()
        expect(run.code).toBe(1)
        expect(run.stderr.trim().split('\n')).toHaveLength(1)
        expect(run.stderr).toContain(
          `materia extract: ${server.baseUrl}/archives/${publishedYear}/${publishedMonth}/psd_coffee_csv.zip`,
        )
        expect(run.stderr).toMatch(message)
        expect(fingerprint(landing)).toEqual(before)
      })
    }

    const rejected: [string, () => Promise<Buffer>, RegExp][] = [
      ['a corrupt zip (CRC)', async () => zipWithWrongCrc(), /psd_coffee.csv fails its CRC-32 check/],
      ['a changed CSV header', zipWithChangedHeader, /CSV header changed: expected ".*", found ".*,Amount"/],
      [
        'an HTML page instead of a zip',
        async () => Buffer.from('<html>maintenance</html>'),
        /not a readable zip/,
      ],
    ]
    for (const [name, makeBody, reason] of rejected) {
      it(`${name}: quarantined with the reason, exit 1, landing otherwise unchanged`, async () => {
        const before = await seedThenBreak()
        const body = await makeBody()
        server.state.body = body
        const run = await extract()
        expect(run.code).toBe(1)
        expect(run.stderr.trim().split('\n')).toHaveLength(1)
        expect(run.stderr).toContain(
          `${server.baseUrl}/archives/${publishedYear}/${publishedMonth}/psd_coffee_csv.zip: `,
        )
        expect(run.stderr).toMatch(reason)
        expect(run.stderr).toMatch(/; quarantined as .*_quarantine\/psd\/coffee\//)
        expect(fingerprint(landing, '_quarantine')).toEqual(before)
        const folder = join(landing, `_quarantine/psd/coffee/${publishedYear}/${publishedMonth}`)
        expect(readFileSync(join(folder, `${sha256(body)}.zip`)).equals(body)).toBe(true)
        const note = readFileSync(join(folder, `${sha256(body)}.reason.txt`), 'utf8')
        expect(note).toMatch(reason)
        expect(note).toContain(`source: ${server.baseUrl}/archives/`)
      })
    }
  })

  it('names files by the zip SHA-256 when the source sends no ETag, and reruns with If-Modified-Since', async () => {
    server.state.sendEtag = false
    expect((await extract()).code).toBe(0)
    const [manifest] = landedManifests()
    expect(manifest?.id).toBe(`sha256-${sha256(genuineZip)}`)
    expect(manifest?.etag).toBeNull()
    const before = fingerprint(landing)
    const served = server.state.bodyBytesServed
    const rerun = await extract()
    expect(rerun.code).toBe(0)
    expect(server.state.requests.at(-1)?.ifModifiedSince).toBe('Tue, 20 Dec 2022 15:02:00 GMT')
    expect(server.state.bodyBytesServed).toBe(served)
    expect(fingerprint(landing)).toEqual(before)

    // Neither ETag nor Last-Modified: the body comes again, the SHA-256 finds it landed.
    server.state.sendLastModified = false
    const blind = await extract()
    expect(blind.code).toBe(0)
    expect(blind.stdout).toContain('unchanged')
    expect(server.state.bodyBytesServed).toBe(served + genuineZip.length)
    expect(fingerprint(landing)).toEqual(before)
  })

  it('--since walks the vintages; identical months dedupe to one file', async () => {
    const since = addMonths(thisMonth, -4)
    const run = await extract('--since', since)
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/1 landed, 0 duplicate, 2 unchanged/)
    expect(run.stdout.match(/skipped .*: not published \(404\)/g)).toHaveLength(2)
    expect(Object.keys(fingerprint(landing)).filter((key) => key.endsWith('.csv.gz'))).toHaveLength(1)
    expect(server.state.bodyBytesServed).toBe(genuineZip.length)
  })

  it('--since with a different ETag per month records duplicates without a second file', async () => {
    server.state.etagPerUrl = true
    const run = await extract('--since', addMonths(thisMonth, -3))
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/1 landed, 1 duplicate, 0 unchanged/)
    const files = Object.keys(fingerprint(landing))
    expect(files.filter((key) => key.endsWith('.csv.gz'))).toHaveLength(1)
    expect(files.filter((key) => key.endsWith('.json'))).toHaveLength(2)
    const duplicate = landedManifests().find((manifest) => manifest.duplicate_of !== null)
    expect(duplicate?.duplicate_of).toMatch(/^psd\/coffee\/.*\.csv\.gz$/)
    expect(existsSync(join(landing, duplicate!.duplicate_of!))).toBe(true)
    const served = server.state.bodyBytesServed
    expect((await extract('--since', addMonths(thisMonth, -3))).stdout).toMatch(
      /0 landed, 0 duplicate, 2 unchanged/,
    )
    expect(server.state.bodyBytesServed).toBe(served)
  })

  it('rejects bad arguments with a usage line', async () => {
    for (const [args, message] of [
      [['--since', '2022-13'], /--since 2022-13: expected a month as YYYY-MM/],
      [['--since', '2099-01'], /--since 2099-01 is in the future/],
      [['--bogus'], /unknown option --bogus; usage: materia extract psd/],
      [['--dataset', 'Coffee!'], /--dataset Coffee!: expected a PSD dataset name/],
    ] as const) {
      const run = await runCli(['extract', 'psd', '--landing', landing, ...args], env, landing)
      expect(run.code).toBe(1)
      expect(run.stderr).toMatch(message)
    }
    expect(server.state.requests).toEqual([])
  })
})
