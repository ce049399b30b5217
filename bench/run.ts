// `npm run bench`: runs every bench/*.bench.ts (or those named on the command line) one after the
// other and prints one JSON document: { "<area>": { ...figures } }. Figures only; no pass/fail here.
import { readdirSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'

interface BenchModule {
  run(): Promise<Record<string, unknown>>
}

const benchDir = import.meta.dirname
const wanted = process.argv.slice(2)
const files = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) => wanted.length === 0 || wanted.includes(basename(file, '.bench.ts')))
  .sort()

const results: Record<string, unknown> = {}
// Stdout carries only the JSON document: whatever a benchmark's libraries print goes to stderr.
const writeStdout = process.stdout.write.bind(process.stdout)
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write
for (const file of files) {
  const area = basename(file, '.bench.ts')
  process.stderr.write(`bench ${area} ...\n`)
  const started = performance.now()
  try {
    const module = (await import(pathToFileURL(join(benchDir, file)).href)) as BenchModule
    results[area] = { ...(await module.run()), benchWallMs: Math.round(performance.now() - started) }
  } catch (error) {
    results[area] = { error: error instanceof Error ? error.message : String(error) }
    process.exitCode = 1
  }
}
writeStdout(`${JSON.stringify(results, null, 2)}\n`)
