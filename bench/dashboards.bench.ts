// Dashboards bench: a full public-site build of the shipped coffee pages (target < 5 s) and the
// largest page's bytes. Serving tables come from the genuine bundled USDA snapshot (set-up, not
// timed). The first build in a process also compiles the stylesheet; later ones reuse it, as the
// workbench preview does.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { DuckDBInstance } from '@duckdb/node-api'
import { buildDashboards } from '../pipeline/dashboards/build.ts'
import { listPages } from '../pipeline/dashboards/pages.ts'
import { renderPreview } from '../pipeline/dashboards/preview.ts'
import { connectionRunner } from '../pipeline/dashboards/query.ts'
import { buildSite } from '../pipeline/dashboards/site.ts'
import { createServingTables, extractSnapshotCsv } from '../pipeline/dashboards/testing/serving-fixture.ts'

const pagesDir = join(import.meta.dirname, '..', 'dashboards', 'pages')
const warmRuns = 3

export async function run(): Promise<Record<string, unknown>> {
  const csvPath = await extractSnapshotCsv()
  const folder = await mkdtemp(join(tmpdir(), 'materia-bench-dashboards-'))
  const instance = await DuckDBInstance.create(join(folder, 'bench.duckdb'))
  const connection = await instance.connect()
  try {
    await createServingTables(connection, csvPath)
    const run = connectionRunner(connection, (sql) => sql)
    const options = { pagesDir, environment: 'prod', runnerFor: () => run, paddle: null, subscribers: true }
    let started = performance.now()
    const cold = await buildSite({ ...options, outDir: join(folder, 'site-cold') })
    const siteBuildColdMs = performance.now() - started
    const warmMs: number[] = []
    for (let index = 0; index < warmRuns; index++) {
      started = performance.now()
      await buildSite({ ...options, outDir: join(folder, `site-${index}`) })
      warmMs.push(performance.now() - started)
    }
    started = performance.now()
    const dashboards = await buildDashboards({
      ...options,
      publicOnly: false,
      outDir: join(folder, 'dashboards'),
    })
    const dashboardsBuildMs = performance.now() - started
    // What the workbench does on each save: read, render and query one page (warm).
    const previewMs: Record<string, number> = {}
    for (const path of await listPages(pagesDir)) {
      const preview = await renderPreview({
        pagesDir,
        path,
        run,
        environment: 'prod',
        assetsRoot: '/dashboard-',
      })
      previewMs[path] = Math.round(preview.renderMs)
    }
    warmMs.sort((left, right) => left - right)
    const weight = await pageWeights(join(folder, 'site-cold'))
    return {
      ...weight,
      pages: cold.pages.length,
      files: cold.files,
      siteBuildColdMs: Math.round(siteBuildColdMs),
      siteBuildWarmMedianMs: Math.round(warmMs[Math.floor(warmRuns / 2)]!),
      dashboardsBuildWarmMs: Math.round(dashboardsBuildMs),
      previewRenderMs: previewMs,
      bytesLargestPage: cold.bytesLargestPage,
      bytesLargestDashboardsPage: dashboards.bytesLargestPage,
      targetMs: 5_000,
    }
  } finally {
    connection.closeSync()
    instance.closeSync()
    await rm(folder, { recursive: true, force: true })
    await rm(dirname(csvPath), { recursive: true, force: true })
  }
}

// What a first visit to each page downloads, gzip-compressed as a web server sends it: the page and
// the local scripts and stylesheets it links (the chart runtime, and the map geometry where a page
// draws a map). Reports the heaviest page.
async function pageWeights(siteDir: string): Promise<Record<string, unknown>> {
  const gzipBytes = async (path: string) => gzipSync(await readFile(join(siteDir, path))).byteLength
  const pages = (await readdir(siteDir, { recursive: true })).filter((path) => path.endsWith('.html'))
  let largest = { path: '', bytes: 0 }
  for (const path of pages) {
    const html = await readFile(join(siteDir, path), 'utf8')
    const linked = [...html.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)]
      .map((match) => match[1]!)
      .filter((url) => !/^[a-z]+:/i.test(url))
      .map((url) => join(dirname(path), url))
    let bytes = await gzipBytes(path)
    for (const asset of new Set(linked)) bytes += await gzipBytes(asset)
    if (bytes > largest.bytes) largest = { path, bytes }
  }
  return {
    chartRuntimeGzipBytes: await gzipBytes('assets/echarts.js'),
    largestPageGzip: largest.path,
    largestPageWithRuntimeGzipBytes: largest.bytes,
    targetLargestPageWithRuntimeGzipBytes: 400 * 1024,
  }
}
