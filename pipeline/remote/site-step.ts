// After publish, the static site (`materia site build`'s builder) is built from the same prod
// database and uploaded under site/ in the bucket. A project without dashboard pages (the folder
// dashboards/pages beside it) has no site: publish says so in one line and goes on.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import type { DuckDBConnection } from '@duckdb/node-api'
import { contentTypeOf } from '../content-type.ts'
import { buildMarker } from '../dashboards/output.ts'
import { connectionRunner } from '../dashboards/query.ts'
import { buildSite, paddleConfigFrom } from '../dashboards/site.ts'
import { loadProject, rewriteForEnvironment } from '../engine/index.ts'
import type { LandingStore } from '../landing/store.ts'

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true })
  const files: string[] = []
  for (const entry of entries) {
    // The build's marker says what the folder is on this disk; the bucket has no use for it.
    if (entry !== buildMarker && (await stat(join(dir, entry))).isFile()) files.push(entry)
  }
  return files.sort()
}

export async function publishSite(
  connection: DuckDBConnection,
  input: { projectRoot: string; store: LandingStore; env: NodeJS.ProcessEnv; log: (line: string) => void },
): Promise<number> {
  const pagesDir = join(input.projectRoot, '..', 'dashboards', 'pages')
  const pages = await stat(pagesDir).catch(() => null)
  if (pages === null || !pages.isDirectory()) {
    input.log(`site: no dashboard pages at ${pagesDir}; no site built`)
    return 0
  }
  const project = await loadProject(input.projectRoot, { env: input.env })
  const outDir = await mkdtemp(join(tmpdir(), 'materia-site-'))
  try {
    const result = await buildSite({
      pagesDir,
      pagesLabel: 'dashboards/pages',
      outDir,
      environment: 'prod',
      runnerFor: (environment) =>
        connectionRunner(connection, (sql) => rewriteForEnvironment(project, sql, environment)),
      paddle: paddleConfigFrom(input.env),
      subscribers: false, // the bucket is public: subscriber pages are served by `materia site serve`
    })
    const files = await filesUnder(outDir)
    for (const file of files) {
      const key = `site/${relative(outDir, join(outDir, file)).split('\\').join('/')}`
      const contentType = contentTypeOf(file)
      await input.store.put(key, { path: join(outDir, file) }, { contentType })
    }
    input.log(
      `site: ${result.pages.length} dashboards, ${files.length} files uploaded under ${input.store.location}/site/`,
    )
    return files.length
  } finally {
    await rm(outDir, { recursive: true, force: true })
  }
}
