// Goal: the offline path works with no network: the bundled genuine 2022-12 coffee snapshot lands
// (first run) and relands as a no-op; `--from-file` takes the month from the name or --month and
// the dataset from the name; the default landing is the project's (materia.yaml landing:,
// MATERIA_LANDING, else <project>/.materia/landing).
// Method: the library call and the real CLI in-process, landing into temp folders.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { bundledSnapshotPath, landBundledSnapshot, monthOfFile } from './land.ts'
import type { Manifest } from './manifest.ts'
import { fingerprint, genuineCsvSha256, gunzipFile, runCli, sha256 } from './testing/harness.ts'
import { zipWithWrongCrc } from './testing/zips.ts'

const zipSha256 = sha256(readFileSync(bundledSnapshotPath))
const id = `sha256-${zipSha256}`

describe('offline landing', () => {
  it('lands the bundled snapshot once; a second call changes nothing', async () => {
    const landing = mkdtempSync(join(tmpdir(), 'materia-landing-'))
    const first = await landBundledSnapshot(landing)
    expect(first).toMatchObject({ status: 'landed', dataset: 'coffee', month: '2022-12', rows: 77_957 })
    expect(first.key).toBe(`psd/coffee/2022/12/${id}.csv.gz`)
    expect(sha256(gunzipFile(join(landing, first.key!)))).toBe(genuineCsvSha256)
    const manifest = JSON.parse(
      readFileSync(join(landing, `psd/coffee/2022/12/${id}.json`), 'utf8'),
    ) as Manifest
    expect(manifest).toMatchObject({ etag: null, zip_sha256: zipSha256, csv_sha256: genuineCsvSha256 })
    expect(manifest.source_url).toMatch(/^file:\/\/.*psd_coffee_csv_2022-12\.zip$/)
    const before = fingerprint(landing)
    const second = await landBundledSnapshot(landing)
    expect(second.status).toBe('unchanged')
    expect(fingerprint(landing)).toEqual(before)
  })

  it('--from-file infers dataset and month from the name, or takes --month', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'materia-files-'))
    const renamed = join(folder, 'psd_coffee_csv_latest.zip')
    copyFileSync(bundledSnapshotPath, renamed)
    const landing = join(folder, 'landing')
    const withoutMonth = await runCli(
      ['extract', 'psd', '--from-file', renamed, '--landing', landing],
      {},
      folder,
    )
    expect(withoutMonth.code).toBe(1)
    expect(withoutMonth.stderr).toMatch(/name it \.\.\._YYYY-MM\.zip or pass --month YYYY-MM/)
    const run = await runCli(
      ['extract', 'psd', '--from-file', renamed, '--month', '2023-01', '--landing', landing],
      {},
      folder,
    )
    expect(run.code).toBe(0)
    expect(Object.keys(fingerprint(landing))).toEqual([
      `psd/coffee/2023/01/${id}.csv.gz`,
      `psd/coffee/2023/01/${id}.json`,
    ])
    expect(monthOfFile('/x/psd_alldata_csv_2024-07.zip', undefined)).toBe('2024-07')
  })

  it('--from-file on a corrupt zip quarantines it and exits 1', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'materia-files-'))
    const path = join(folder, 'psd_coffee_csv_2022-11.zip')
    const body = zipWithWrongCrc()
    writeFileSync(path, body)
    const landing = join(folder, 'landing')
    const run = await runCli(['extract', 'psd', '--from-file', path, '--landing', landing], {}, folder)
    expect(run.code).toBe(1)
    expect(run.stderr).toMatch(
      /^materia extract: file:\/\/.*psd_coffee_csv_2022-11\.zip: psd_coffee.csv fails its CRC-32/,
    )
    expect(Object.keys(fingerprint(landing)).sort()).toEqual([
      `_quarantine/psd/coffee/2022/11/${sha256(body)}.reason.txt`,
      `_quarantine/psd/coffee/2022/11/${sha256(body)}.zip`,
    ])
  })

  it('lands into <project>/.materia/landing by default, materia.yaml landing:, or MATERIA_LANDING', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'materia-cwd-'))
    mkdirSync(join(cwd, 'sql'))
    const run = await runCli(['extract', 'psd', '--from-file', bundledSnapshotPath], {}, cwd)
    expect(run.code).toBe(0)
    expect(Object.keys(fingerprint(join(cwd, 'sql/.materia/landing')))).toHaveLength(2)

    const project = join(cwd, 'other')
    mkdirSync(project)
    writeFileSync(join(project, 'materia.yaml'), 'name: other\nlanding: data/landing\n')
    expect((await runCli(['extract', 'psd', '--from-file', bundledSnapshotPath], {}, project)).code).toBe(0)
    expect(Object.keys(fingerprint(join(project, 'data/landing')))).toHaveLength(2)

    const env = { MATERIA_LANDING: 'elsewhere' }
    expect(
      (await runCli(['extract', 'psd', '--from-file', bundledSnapshotPath, '--project', 'sql'], env, cwd))
        .code,
    ).toBe(0)
    expect(Object.keys(fingerprint(join(cwd, 'elsewhere')))).toHaveLength(2)
  })
})
