// `npm run test:stress [-- --runs N] [--stressors N] [-- VITEST_ARGS...]` (not in CI): the whole
// vitest suite N times (default 5) one run after the other while `stress -c` keeps every core busy
// (default: one CPU hog per core, as `os.availableParallelism()` counts them). Per run it prints the
// passed/failed/skipped counts, the wall time, the load average at start and end and its mean and peak
// (sampled every 5 s), and the name of every failed test with the first line of its error. Each run's
// full log and vitest's JSON report go to test-results/stress/. The stressor starts before the first
// run and is stopped (its process group) after the last one, on Ctrl-C and on any error; its own
// --timeout ends it even if this script is killed. Exits 1 when any run had a failure.
// Arguments after a second `--` go to vitest unchanged (e.g. a file filter to stress one file).
import { type ChildProcess, spawn } from 'node:child_process'
import { createWriteStream, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'
import { stripVTControlCharacters } from 'node:util'

const usage = 'npm run test:stress -- [--runs N] [--stressors N] [-- VITEST_ARGS...]'
const stressPath = '/usr/bin/stress'
const outputFolder = join('test-results', 'stress')
const loadSampleMs = 5_000
// A whole run takes about 8 minutes on a quiet 2-core machine and under 30 with both cores busy;
// the stressor's own deadline covers every run twice over, so a killed script cannot leave it behind.
const stressSecondsPerRun = 3_600

interface Options {
  runs: number
  stressors: number
  vitestArguments: string[]
}

interface Failure {
  test: string
  error: string
}

interface RunResult {
  run: number
  passed: number
  failed: number
  skipped: number
  exitCode: number
  seconds: number
  loadAtStart: string
  loadAtEnd: string
  loadMean: number
  loadPeak: number
  failures: Failure[]
}

function parseCount(option: string, value: string | undefined): number {
  const count = Number(value)
  if (value === undefined || !Number.isInteger(count) || count < 0)
    throw new UsageError(`${option} needs a whole number, got ${value ?? 'nothing'}; usage: ${usage}`)
  return count
}

class UsageError extends Error {}

function parseCommandLine(argv: readonly string[]): Options {
  const options: Options = { runs: 5, stressors: availableParallelism(), vitestArguments: [] }
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index]!
    if (argument === '--') {
      options.vitestArguments = argv.slice(index + 1)
      break
    }
    if (argument === '--runs') options.runs = parseCount(argument, argv[++index])
    else if (argument === '--stressors') options.stressors = parseCount(argument, argv[++index])
    else throw new UsageError(`unknown argument ${argument}; usage: ${usage}`)
  }
  if (options.runs < 1) throw new UsageError(`--runs must be at least 1; usage: ${usage}`)
  return options
}

function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
}

function loadOneMinute(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0])
}

// Ends a process group this script started (spawned with detached: true), if it still runs.
function stopGroup(child: ChildProcess | null, signal: NodeJS.Signals): void {
  if (child?.pid === undefined || child.exitCode !== null || child.signalCode !== null) return
  try {
    process.kill(-child.pid, signal)
  } catch {
    // Already gone between the check and the signal.
  }
}

function startStressor(stressors: number, runs: number): ChildProcess | null {
  if (stressors === 0) return null
  if (!existsSync(stressPath))
    throw new UsageError(`${stressPath} is missing; install it with: apt-get install stress`)
  const seconds = stressSecondsPerRun * runs
  return spawn(stressPath, ['-c', String(stressors), '--timeout', `${seconds}s`], {
    detached: true,
    stdio: 'ignore',
  })
}

// Vitest's JSON report gives a timed-out test only a placeholder message; its text report names the
// timeout on the line after "FAIL  file > suite > test". The text report's line is preferred.
function failureLines(output: string): Map<string, string> {
  const plain = stripVTControlCharacters(output)
  const lines = new Map<string, string>()
  for (const match of plain.matchAll(/^ FAIL {2}(.+)\n(.+)$/gm)) lines.set(match[1]!.trim(), match[2]!.trim())
  return lines
}

function readFailures(reportPath: string, output: string): Failure[] {
  if (!existsSync(reportPath)) return [{ test: '(no JSON report)', error: 'vitest ended before reporting' }]
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
    testResults: {
      name: string
      status: string
      message?: string
      assertionResults: {
        ancestorTitles: string[]
        title: string
        fullName: string
        status: string
        failureMessages: string[]
      }[]
    }[]
  }
  const fromLog = failureLines(output)
  const failures: Failure[] = []
  for (const file of report.testResults) {
    const name = file.name.replace(`${process.cwd()}/`, '')
    const failedTests = file.assertionResults.filter((test) => test.status === 'failed')
    for (const test of failedTests) {
      const key = [name, ...test.ancestorTitles, test.title].join(' > ')
      failures.push({ test: key, error: fromLog.get(key) ?? firstLine(test.failureMessages[0] ?? '') })
    }
    if (file.status === 'failed' && failedTests.length === 0)
      failures.push({ test: name, error: firstLine(file.message ?? 'the file failed outside its tests') })
  }
  return failures
}

function firstLine(text: string): string {
  return (text.split('\n').find((line) => line.trim() !== '') ?? '').trim().slice(0, 300)
}

async function runSuite(run: number, options: Options, current: { child: ChildProcess | null }) {
  const logPath = join(outputFolder, `run-${run}.log`)
  const reportPath = join(outputFolder, `run-${run}.json`)
  const log = createWriteStream(logPath)
  const loadAtStart = loadAverage()
  const samples: number[] = [loadOneMinute()]
  const sampler = setInterval(() => samples.push(loadOneMinute()), loadSampleMs)
  const startMs = performance.now()
  const child = spawn(
    'npx',
    [
      'vitest',
      'run',
      '--reporter=default',
      '--reporter=./test/summary-reporter.ts',
      '--reporter=json',
      `--outputFile.json=${reportPath}`,
      ...options.vitestArguments,
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  )
  current.child = child
  let output = ''
  for (const stream of [child.stdout, child.stderr]) {
    stream.setEncoding('utf8')
    stream.on('data', (chunk: string) => {
      log.write(chunk)
      output += chunk
      if (output.length > 1_000_000) output = output.slice(-100_000)
    })
  }
  const exitCode = await new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 1)))
  current.child = null
  clearInterval(sampler)
  await new Promise<void>((resolve) => log.end(resolve))
  const counts = /Tests: (\d+) passed, (\d+) failed, (\d+) skipped/.exec(output)
  const failures = readFailures(reportPath, output)
  const result: RunResult = {
    run,
    passed: Number(counts?.[1] ?? 0),
    failed: counts === null ? Math.max(1, failures.length) : Number(counts[2]),
    skipped: Number(counts?.[3] ?? 0),
    exitCode,
    seconds: Math.round((performance.now() - startMs) / 1000),
    loadAtStart,
    loadAtEnd: loadAverage(),
    loadMean: Math.round((samples.reduce((sum, value) => sum + value, 0) / samples.length) * 100) / 100,
    loadPeak: Math.max(...samples),
    failures,
  }
  return result
}

function describe(result: RunResult): string {
  const verdict = result.failed === 0 && result.exitCode === 0 ? 'ok' : 'FAILED'
  const lines = [
    `run ${result.run}: ${verdict} — ${result.passed} passed, ${result.failed} failed, ${result.skipped} skipped, ` +
      `exit ${result.exitCode}, ${result.seconds} s; load average ${result.loadAtStart} at start, ` +
      `${result.loadAtEnd} at end, 1-min mean ${result.loadMean}, peak ${result.loadPeak}`,
  ]
  for (const failure of result.failures) lines.push(`  failed: ${failure.test}: ${failure.error}`)
  return lines.join('\n')
}

async function main(): Promise<number> {
  const options = parseCommandLine(process.argv.slice(2))
  mkdirSync(outputFolder, { recursive: true })
  const current: { child: ChildProcess | null } = { child: null }
  const stressor = startStressor(options.stressors, options.runs)
  const stopAll = (signal: NodeJS.Signals) => {
    stopGroup(current.child, signal)
    stopGroup(stressor, 'SIGTERM')
  }
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    process.once(signal, () => {
      stopAll('SIGTERM')
      process.exit(130)
    })
  process.stdout.write(
    `stress-suite: ${options.runs} run(s), stress -c ${options.stressors} on ${availableParallelism()} cores, ` +
      `load average ${loadAverage()}; logs in ${outputFolder}/\n`,
  )
  const results: RunResult[] = []
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      const result = await runSuite(run, options, current)
      results.push(result)
      process.stdout.write(`${describe(result)}\n`)
    }
  } finally {
    stopAll('SIGTERM')
  }
  const failedRuns = results.filter((result) => result.failed > 0 || result.exitCode !== 0).length
  const failedTests = results.reduce((sum, result) => sum + result.failed, 0)
  process.stdout.write(
    `stress-suite: ${results.length - failedRuns} of ${results.length} run(s) passed, ${failedTests} failed test(s) ` +
      `in all; stressor stopped; load average ${loadAverage()}\n`,
  )
  return failedRuns === 0 ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `stress-suite: ${error instanceof UsageError ? error.message : error instanceof Error ? error.stack : String(error)}\n`,
    )
    process.exit(error instanceof UsageError ? 2 : 1)
  },
)
