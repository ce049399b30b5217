// `npm run bench [-- AREA...] [--quick | --runs N] [--compare FILE]`: runs every bench/*.bench.ts
// but the opt-in areas (or the areas named) one after the other and prints one JSON document on stdout:
// { "machine": { cores, loadavg at start and end }, "runs": N, "<area>": { ...figures } }.
// Figures only, no pass/fail. N (default 3) is how often each timed step runs; --quick runs once,
// to check the benchmarks themselves. --compare FILE prints to stderr each figure's change against
// a JSON document an earlier run printed (the medians where figures have them).
import { readdirSync, readFileSync } from 'node:fs'
import { basename, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { type BenchOptions, machine } from './stats.ts'

interface BenchModule {
  run(options: BenchOptions): Promise<Record<string, unknown>>
}

const usage = 'npm run bench -- [AREA...] [--quick | --runs N] [--compare FILE]'

function parseCommandLine(argv: readonly string[]): {
  areas: string[]
  runs: number
  compare: string | null
} {
  const areas: string[] = []
  let runs = 3
  let compare: string | null = null
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!
    if (argument === '--quick') runs = 1
    else if (argument === '--runs' || argument === '--compare') {
      const value = argv[index + 1]
      if (value === undefined) throw new Error(`${argument} needs a value; usage: ${usage}`)
      index += 1
      if (argument === '--compare') compare = value
      else {
        runs = Number(value)
        if (!Number.isInteger(runs) || runs < 1)
          throw new Error(`--runs ${value} is not a count; usage: ${usage}`)
      }
    } else if (argument.startsWith('--')) throw new Error(`unknown option ${argument}; usage: ${usage}`)
    else areas.push(argument)
  }
  return { areas, runs, compare }
}

// Numeric leaves by dotted path; a figure ({ median, min, max, runs }) counts as its median.
function numbers(value: unknown, path: string, into: Map<string, number>): Map<string, number> {
  if (typeof value === 'number') into.set(path, value)
  else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const record = value as Record<string, unknown>
    if (typeof record.median === 'number' && typeof record.runs === 'number') into.set(path, record.median)
    else
      for (const [key, child] of Object.entries(record))
        numbers(child, path === '' ? key : `${path}.${key}`, into)
  }
  return into
}

function comparison(before: unknown, after: unknown): string {
  const old = numbers(before, '', new Map())
  const lines: string[] = []
  for (const [path, value] of numbers(after, '', new Map())) {
    if (path.startsWith('machine.') || path === 'runs') continue
    const previous = old.get(path)
    if (previous === undefined) lines.push(`${path}: ${value} (new)`)
    else {
      const change =
        previous === 0
          ? ''
          : ` (${value >= previous ? '+' : ''}${(((value - previous) / previous) * 100).toFixed(1)} %)`
      lines.push(`${path}: ${previous} -> ${value}${change}`)
    }
  }
  return lines.join('\n')
}

// Areas that run only when named: each takes tens of minutes on a 2-core machine.
const optInAreas = new Set(['models-scale'])

const { areas, runs, compare } = parseCommandLine(process.argv.slice(2))
const benchDir = import.meta.dirname
const files = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.ts'))
  .filter((file) =>
    areas.length === 0
      ? !optInAreas.has(basename(file, '.bench.ts'))
      : areas.includes(basename(file, '.bench.ts')),
  )
  .sort()

const atStart = machine()
const results: Record<string, unknown> = { runs }
// Stdout carries only the JSON document: whatever a benchmark's libraries print goes to stderr.
const writeStdout = process.stdout.write.bind(process.stdout)
process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write
process.stderr.write(
  `bench: ${atStart.cores} cores, load average ${atStart.loadavg.join(' ')}, ${runs} run(s) per figure\n`,
)
for (const file of files) {
  const area = basename(file, '.bench.ts')
  process.stderr.write(`bench ${area} ... (load average ${machine().loadavg.join(' ')})\n`)
  const started = performance.now()
  try {
    const module = (await import(pathToFileURL(join(benchDir, file)).href)) as BenchModule
    results[area] = {
      ...(await module.run({ runs })),
      benchWallMs: Math.round(performance.now() - started),
      loadavgAtEnd: machine().loadavg,
    }
  } catch (error) {
    results[area] = { error: error instanceof Error ? error.message : String(error) }
    process.exitCode = 1
  }
}
const document = {
  machine: { cores: atStart.cores, loadavgAtStart: atStart.loadavg, loadavgAtEnd: machine().loadavg },
  ...results,
}
if (compare !== null) {
  process.stderr.write(
    `change against ${compare}:\n${comparison(JSON.parse(readFileSync(compare, 'utf8')), document)}\n`,
  )
}
writeStdout(`${JSON.stringify(document, null, 2)}\n`)
