// Loading a 1,000-model project: config, parsing, macro rendering, DuckDB parsing of every query,
// the DAG, and fingerprints; then `materia validate`'s checks (audits, test files) on top of a load.
// Target: under 2,000 ms for load + fingerprints, and under 2,000 ms for load + validate. The project is generated first
// (bench/generate-project.ts) and not timed.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import {
  fingerprintProject,
  loadProject,
  loadProjectReport,
  validateProject,
} from '../pipeline/engine/index.ts'
import { generateProject } from './generate-project.ts'

export async function run(): Promise<Record<string, unknown>> {
  const root = mkdtempSync(join(tmpdir(), 'materia-bench-load-'))
  try {
    const generated = generateProject(root, { models: 1000 })
    const cpuBefore = process.cpuUsage()
    const started = performance.now()
    const project = await loadProject(root, { env: {} })
    const loaded = performance.now()
    const fingerprints = await fingerprintProject(project)
    const finished = performance.now()
    const cpu = process.cpuUsage(cpuBefore)
    const validateStarted = performance.now()
    const report = await loadProjectReport(root, { env: {} })
    const checked = await validateProject(report.project)
    const validateMs = Math.round(performance.now() - validateStarted)
    if (report.problems.length + checked.problems.length > 0)
      throw new Error('assertion failed: the generated project validates')
    if (fingerprints.size !== generated.models.length)
      throw new Error('assertion failed: one fingerprint per model')
    return {
      models: project.models.size,
      edges: [...project.parents.values()].reduce((sum, parents) => sum + parents.length, 0),
      loadMs: Math.round(loaded - started),
      fingerprintMs: Math.round(finished - loaded),
      totalMs: Math.round(finished - started),
      // CPU time of this process (DuckDB's parser thread included): on a busy machine it shows the
      // work itself, while wall time also counts waiting for a core.
      cpuMs: Math.round((cpu.user + cpu.system) / 1000),
      targetTotalMs: 2000,
      loadAndValidateMs: validateMs,
      targetLoadAndValidateMs: 2000,
    }
  } finally {
    rmSync(root, { recursive: true, force: true })
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  console.log(JSON.stringify(await run()))
}
