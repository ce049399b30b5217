// Goal: a snapshot that passes the byte-level checks but that DuckDB would not read as the raw model
// does (mixed line endings, no data rows, text in a numeric column) never lands: exit 1, one line
// naming the file (and the line), the zip quarantined with the reason, nothing else in the landing.
// Bad paths (a folder as --from-file, a landing under a regular file) are one line too.
// Method: the real CLI in-process on zips built from genuine PSD rows, landing into temp folders.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { fingerprint, runCli, sha256 } from './testing/harness.ts'
import { zipOf } from './testing/zips.ts'

const genuineLines = readFileSync(
  new URL('../../../assets/data/psd_coffee_BR_VM_CO_2020-2022.csv', import.meta.url),
  'utf8',
)
  .split(/\r?\n/)
  .filter((line) => line !== '')

async function landCsv(csv: string): Promise<{ code: number; stderr: string; landing: string; zip: Buffer }> {
  const folder = mkdtempSync(join(tmpdir(), 'materia-bad-'))
  const zip = await zipOf('psd_coffee.csv', Buffer.from(csv))
  const path = join(folder, 'psd_coffee_csv_2022-11.zip')
  writeFileSync(path, zip)
  const landing = join(folder, 'landing')
  const run = await runCli(['extract', 'psd', '--from-file', path, '--landing', landing], {}, folder)
  return { code: run.code, stderr: run.stderr, landing, zip }
}

function expectQuarantinedOnly(landing: string, zip: Buffer, reason: RegExp) {
  const files = fingerprint(landing)
  expect(Object.keys(files).sort()).toEqual([
    `_quarantine/psd/coffee/2022/11/${sha256(zip)}.reason.txt`,
    `_quarantine/psd/coffee/2022/11/${sha256(zip)}.zip`,
  ])
  const note = readFileSync(join(landing, `_quarantine/psd/coffee/2022/11/${sha256(zip)}.reason.txt`), 'utf8')
  expect(note).toMatch(reason)
}

describe('snapshots DuckDB would not read', () => {
  it('refuses mixed line endings, naming the file', async () => {
    const csv = genuineLines.map((line, index) => `${line}${index % 2 === 0 ? '\r\n' : '\n'}`).join('')
    const run = await landCsv(csv)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^materia extract: file:\/\/\S+psd_coffee_csv_2022-11\.zip: psd_coffee\.csv is not readable as CSV by DuckDB \(.*sniffing file "psd_coffee\.csv".*\); check line endings and quoting; quarantined as .*\n$/,
    )
    expectQuarantinedOnly(run.landing, run.zip, /^reason: psd_coffee\.csv is not readable as CSV by DuckDB/)
  })

  it('refuses a header-only snapshot', async () => {
    const run = await landCsv(`${genuineLines[0]}\r\n`)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /: psd_coffee\.csv holds no data rows \(header only or empty\); quarantined as /,
    )
    expectQuarantinedOnly(run.landing, run.zip, /^reason: psd_coffee\.csv holds no data rows/)
  })

  it('refuses a non-numeric Market_Year, naming the file and the line', async () => {
    const lines = [...genuineLines]
    lines[5] = lines[5]!.replace(/^(0711100,"Coffee, Green",\w+,"?[^,]*"?,)(\d{4}),/, '$1MY2021,')
    expect(lines[5]).toContain(',MY2021,')
    const run = await landCsv(`${lines.join('\r\n')}\r\n`)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /: psd_coffee\.csv line 6: Market_Year "MY2021" is not an integer; quarantined as /,
    )
    expectQuarantinedOnly(run.landing, run.zip, /^reason: psd_coffee\.csv line 6: Market_Year "MY2021"/)
  })

  it('lands the same genuine rows when they are well formed', async () => {
    const run = await landCsv(`${genuineLines.join('\r\n')}\r\n`)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(Object.keys(fingerprint(run.landing)).filter((key) => key.startsWith('_quarantine'))).toEqual([])
  })
})

describe('bad paths', () => {
  it('--from-file on a folder: one line, exit 1, nothing landed', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'materia-bad-'))
    mkdirSync(join(folder, 'snapshots'))
    const landing = join(folder, 'landing')
    const run = await runCli(
      [
        'extract',
        'psd',
        '--from-file',
        join(folder, 'snapshots'),
        '--month',
        '2022-12',
        '--landing',
        landing,
      ],
      {},
      folder,
    )
    expect(run.code).toBe(1)
    expect(run.stderr).toBe(
      `materia extract: --from-file ${join(folder, 'snapshots')}: not a file; pass the snapshot's .zip file\n`,
    )
    expect(fingerprint(landing)).toEqual({})
  })

  it('--landing under a regular file: one line, exit 1', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'materia-bad-'))
    writeFileSync(join(folder, 'plain-file'), 'not a folder\n')
    const landing = join(folder, 'plain-file', 'landing')
    const zip = new URL('../../../assets/data/psd_coffee_csv_2022-12.zip', import.meta.url).pathname
    for (const argv of [
      ['extract', 'psd', '--from-file', zip, '--landing', landing],
      ['extract', 'psd', '--since', '2022-12', '--landing', landing],
    ]) {
      const run = await runCli(argv, { MATERIA_PSD_BASE_URL: 'http://127.0.0.1:9' }, folder)
      expect(run.code, argv.join(' ')).toBe(1)
      expect(run.stderr).toBe(
        `materia extract: landing ${landing}: ENOTDIR: a part of that path is a file, not a folder; choose another --landing (or MATERIA_LANDING)\n`,
      )
    }
    expect(readFileSync(join(folder, 'plain-file'), 'utf8')).toBe('not a folder\n')
  })
})
