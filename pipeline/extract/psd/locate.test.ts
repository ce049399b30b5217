// Goal: the pure parts of the extractor (vintage URLs, month arithmetic, ETag-derived file names,
// the progress reporter) give exactly the documented results, including their edge cases.
// Method: direct calls with fixed dates; the reporter writes into a collecting stream.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { psdSinceMonthsMax } from '../../limits.ts'
import {
  addMonths,
  archiveUrl,
  baseUrlOf,
  csvName,
  latestCandidates,
  parseMonth,
  psdDefaultBaseUrl,
  sinceCandidates,
  zipName,
} from './locate.ts'
import { csvKey, landingId, manifestKey, quarantineKey } from './manifest.ts'
import { createReporter } from './progress.ts'

const base = 'https://example.test/psdonline/downloads'

describe('locate', () => {
  it('builds USDA file names and two-digit month archive URLs', () => {
    expect(zipName('alldata')).toBe('psd_alldata_csv.zip')
    expect(csvName('coffee')).toBe('psd_coffee.csv')
    expect(archiveUrl(base, 'coffee', '2024-03')).toBe(`${base}/archives/2024/03/psd_coffee_csv.zip`)
  })

  it('tries this month, three months back, then the current file', () => {
    const candidates = latestCandidates(base, 'alldata', new Date('2024-02-10T00:00:00Z'))
    expect(candidates).toEqual([
      { url: `${base}/archives/2024/02/psd_alldata_csv.zip`, month: '2024-02' },
      { url: `${base}/archives/2024/01/psd_alldata_csv.zip`, month: '2024-01' },
      { url: `${base}/archives/2023/12/psd_alldata_csv.zip`, month: '2023-12' },
      { url: `${base}/archives/2023/11/psd_alldata_csv.zip`, month: '2023-11' },
      { url: `${base}/psd_alldata_csv.zip`, month: undefined },
    ])
  })

  it('walks vintages from --since through this month, bounded', () => {
    const months = sinceCandidates(base, 'coffee', '2022-11', new Date('2023-02-01T00:00:00Z')).map(
      (c) => c.month,
    )
    expect(months).toEqual(['2022-11', '2022-12', '2023-01', '2023-02'])
    expect(() => sinceCandidates(base, 'coffee', '1990-01', new Date('2026-01-01T00:00:00Z'))).toThrow(
      new RegExp(`spans over ${psdSinceMonthsMax} months`),
    )
  })

  it('does month arithmetic across years', () => {
    expect(addMonths('2023-01', -1)).toBe('2022-12')
    expect(addMonths('2022-12', 1)).toBe('2023-01')
    expect(addMonths('2024-03', -27)).toBe('2021-12')
    expect(() => parseMonth('2024-1', '--month')).toThrow(/--month 2024-1: expected a month as YYYY-MM/)
    expect(() => parseMonth('2024-00', '--month')).toThrow(/expected a month/)
  })

  it('reads the base URL from MATERIA_PSD_BASE_URL', () => {
    expect(baseUrlOf({})).toBe(psdDefaultBaseUrl)
    expect(baseUrlOf({ MATERIA_PSD_BASE_URL: 'http://127.0.0.1:8/x/' })).toBe('http://127.0.0.1:8/x')
    expect(() => baseUrlOf({ MATERIA_PSD_BASE_URL: 'ftp://x' })).toThrow(/expected an http\(s\) URL/)
  })
})

describe('landing names', () => {
  it('derives safe, distinct, stable names from ETags', () => {
    expect(landingId('"5f2a-61c3d2b0e8a40"', 'ab')).toBe('5f2a-61c3d2b0e8a40')
    expect(landingId(undefined, 'abc')).toBe('sha256-abc')
    const weak = landingId('W/"a:b"', 'x')
    const other = landingId('W/"a/b"', 'x')
    expect(weak).toMatch(/^a_b-[0-9a-f]{12}$/)
    expect(other).toMatch(/^a_b-[0-9a-f]{12}$/)
    expect(weak).not.toBe(other)
    expect(landingId('W/"a:b"', 'y')).toBe(weak)
    expect(landingId('"..."', 'x')).toMatch(/^etag-[0-9a-f]{12}$/)
  })

  it('lays out keys as psd/{dataset}/{YYYY}/{MM}/{id}', () => {
    expect(csvKey('coffee', '2022-12', 'e1')).toBe('psd/coffee/2022/12/e1.csv.gz')
    expect(manifestKey('coffee', '2022-12', 'e1')).toBe('psd/coffee/2022/12/e1.json')
    expect(quarantineKey('coffee', '2022-12', 'ff', '.zip')).toBe('_quarantine/psd/coffee/2022/12/ff.zip')
  })
})

describe('progress reporter', () => {
  function collect(): { stream: Writable; text: () => string } {
    let text = ''
    const stream = new Writable({
      write(chunk, _encoding, done) {
        text += String(chunk)
        done()
      },
    })
    return { stream, text: () => text }
  }
  const result = {
    status: 'landed' as const,
    dataset: 'coffee',
    month: '2022-12',
    url: 'http://x/a.zip',
    key: 'psd/coffee/2022/12/e.csv.gz',
    rows: 77_957,
    bodyBytes: 10,
  }

  it('draws a bar with bytes and rate on a terminal', () => {
    const output = collect()
    const reporter = createReporter(output.stream, true)
    reporter.start('http://x/a.zip')
    reporter.progress(2 * 1024 * 1024, 4 * 1024 * 1024)
    reporter.done(result)
    const escapeCharacter = String.fromCharCode(27)
    expect(output.text().startsWith(`\r${escapeCharacter}[2K[`)).toBe(true)
    expect(output.text()).toMatch(/\[#{15}\.{15}\] 2\.0 MB \/ 4\.0 MB {2}[\d.]+ (KB|MB)\/s/)
    expect(output.text()).toContain('landed psd/coffee/2022/12/e.csv.gz (77,957 rows) from http://x/a.zip')
  })

  it('clears a half-drawn bar before an error is printed', () => {
    const output = collect()
    const reporter = createReporter(output.stream, true)
    reporter.start('http://x/a.zip')
    reporter.progress(1024, 4096)
    const drawn = output.text()
    reporter.failed()
    expect(output.text().slice(drawn.length)).toBe(`\r${String.fromCharCode(27)}[2K`)
  })

  it('writes plain log lines otherwise', () => {
    const output = collect()
    const reporter = createReporter(output.stream, false)
    reporter.start('http://x/a.zip')
    reporter.progress(100, 200)
    reporter.verifying('psd_coffee.csv')
    reporter.skipped('http://x/b.zip', 'not published (404)')
    reporter.done(result)
    const lines = output.text().trimEnd().split('\n')
    expect(lines[0]).toBe('fetching http://x/a.zip')
    expect(lines[1]).toBe('verifying psd_coffee.csv (CRC-32, header) and compressing to gzip')
    expect(lines[2]).toBe('skipped http://x/b.zip: not published (404)')
    expect(lines[3]).toMatch(/^landed .* in \d+\.\d s$/)
    expect(output.text()).not.toContain('\r')
  })
})
