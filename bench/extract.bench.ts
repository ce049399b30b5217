// Bench for `materia extract psd`: throughput and peak memory landing a generated PSD snapshot
// (the genuine 2022-12 coffee rows repeated, zipped with a streaming zip writer) served by a local
// HTTP server, at ~50 MB and >= 200 MB of CSV; peak RSS must not grow with size because every stage
// streams. Then an unchanged rerun: body bytes transferred (must be 0) and wall time.
// Each extract runs in a child process and reports its own process.resourceUsage().maxRSS.
import { execFile } from 'node:child_process'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { promisify } from 'node:util'
import yauzl from 'yauzl'
import { ZipFile } from 'yazl'
import { extractPsd } from '../pipeline/extract/psd/extract.ts'
import { startPsdServer } from '../pipeline/extract/psd/testing/psd-server.ts'
import { LocalLandingStore } from '../pipeline/landing/local-store.ts'

const runFile = promisify(execFile)
const genuineZipPath = new URL('../assets/data/psd_coffee_csv_2022-12.zip', import.meta.url)
const megabyte = 1024 * 1024

async function genuineCsv(): Promise<Buffer> {
  const buffer = await readFile(genuineZipPath)
  const zip = await new Promise<yauzl.ZipFile>((resolveZip, reject) =>
    yauzl.fromBuffer(buffer, { lazyEntries: false }, (error, opened) =>
      error ? reject(error) : resolveZip(opened),
    ),
  )
  const entry = await new Promise<yauzl.Entry>((resolveEntry) => zip.once('entry', resolveEntry))
  const stream = await new Promise<Readable>((resolveStream, reject) =>
    zip.openReadStream(entry, (error, opened) => (error ? reject(error) : resolveStream(opened))),
  )
  const chunks: Buffer[] = []
  for await (const chunk of stream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

// Writes a zip holding psd_bench.csv: the genuine header, then the genuine rows repeated until the
// CSV reaches csvBytesMin. Streams: the CSV never exists whole in memory or on disk.
async function writeBenchZip(path: string, csv: Buffer, csvBytesMin: number): Promise<number> {
  const headerEnd = csv.indexOf('\n') + 1
  const rows = csv.subarray(headerEnd)
  const repeats = Math.ceil((csvBytesMin - headerEnd) / rows.length)
  const zip = new ZipFile()
  zip.addReadStream(
    Readable.from(
      (function* () {
        yield csv.subarray(0, headerEnd)
        for (let index = 0; index < repeats; index += 1) yield rows
      })(),
    ),
    'psd_bench.csv',
  )
  zip.end()
  await pipeline(zip.outputStream, createWriteStream(path))
  return headerEnd + repeats * rows.length
}

interface ChildReport {
  wallMs: number
  maxRssBytes: number
  results: { status: string; rows?: number }[]
}

async function extractInChild(baseUrl: string, landing: string): Promise<ChildReport> {
  const child = join(import.meta.dirname, 'extract-child.ts')
  const { stdout } = await runFile(process.execPath, ['--import', 'tsx', child, baseUrl, landing, 'bench'], {
    maxBuffer: megabyte,
  })
  return JSON.parse(stdout.trim().split('\n').at(-1)!) as ChildReport
}

async function measure(folder: string, csv: Buffer, csvBytesMin: number) {
  const zipPath = join(folder, `bench-${csvBytesMin}.zip`)
  const csvBytes = await writeBenchZip(zipPath, csv, csvBytesMin)
  const server = await startPsdServer({ dataset: 'bench', body: await readFile(zipPath) })
  const landing = await mkdtemp(join(folder, 'landing-'))
  try {
    const first = await extractInChild(server.baseUrl, landing)
    const servedAfterFirst = server.state.bodyBytesServed
    const rerun = await extractInChild(server.baseUrl, landing)
    // The same rerun in this already-warm process: no process start, no first-fetch set-up.
    const warmStarted = performance.now()
    const warm = await extractPsd({
      store: new LocalLandingStore(landing),
      dataset: 'bench',
      baseUrl: server.baseUrl,
    })
    const warmWallMs = performance.now() - warmStarted
    return {
      csvMB: +(csvBytes / megabyte).toFixed(1),
      zipMB: +(servedAfterFirst / megabyte).toFixed(1),
      status: first.results.map((result) => result.status).join(','),
      rows: first.results[0]?.rows,
      landWallMs: Math.round(first.wallMs),
      throughputCsvMBps: +(csvBytes / megabyte / (first.wallMs / 1000)).toFixed(1),
      peakRssMB: +(first.maxRssBytes / megabyte).toFixed(1),
      rerunStatus: rerun.results.map((result) => result.status).join(','),
      rerunsBodyBytes: server.state.bodyBytesServed - servedAfterFirst,
      rerunColdProcessWallMs: Math.round(rerun.wallMs),
      rerunWarmStatus: warm.map((result) => result.status).join(','),
      rerunWarmWallMs: +warmWallMs.toFixed(1),
      rerunPeakRssMB: +(rerun.maxRssBytes / megabyte).toFixed(1),
    }
  } finally {
    await server.close()
    await rm(zipPath, { force: true })
  }
}

export async function run(): Promise<Record<string, unknown>> {
  const folder = await mkdtemp(join(tmpdir(), 'materia-bench-extract-'))
  try {
    const csv = await genuineCsv()
    const small = await measure(folder, csv, 50 * megabyte)
    const large = await measure(folder, csv, 200 * megabyte)
    return {
      small,
      large,
      peakRssGrowthMB: +(large.peakRssMB - small.peakRssMB).toFixed(1),
    }
  } finally {
    await rm(folder, { recursive: true, force: true })
  }
}
