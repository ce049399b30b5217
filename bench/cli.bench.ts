// CLI start-up: wall time from spawn to exit of `node -e 0` (the floor any command pays),
// `materia --help`, and `materia plan prod --dry-run` on our project (sql/) with nothing changed,
// unit tests included (they are skipped when unchanged since they passed, so also shown with
// --rerun-tests). Targets: help < 150 ms, the dry run < 1,000 ms. Setup, not timed: a copy of sql/
// in a temp folder, `materia start` (lands the bundled snapshot, applies prod), one dry run (builds
// the CLI bundle if needed and records the tests' passes). The steps then run interleaved.
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type BenchOptions, figure, interleaved, ratio } from './stats.ts'

const repository = join(import.meta.dirname, '..')
const materia = join(repository, 'bin', 'materia.js')

interface Timed {
  readonly wallMs: number
  readonly cpuMs: number | null // user + system CPU of the child: what load on a shared machine inflates least
}

// GNU time reports the child's CPU time; without it only wall time is measured.
const gnuTime = existsSync('/usr/bin/time') ? '/usr/bin/time' : null

function timedNode(args: readonly string[], expect: string | null): Promise<Timed> {
  return new Promise((resolve, reject) => {
    const started = performance.now()
    const [command, commandArgs] =
      gnuTime === null
        ? [process.execPath, args]
        : [gnuTime, ['-f', 'materia-bench-cpu %U %S', process.execPath, ...args]]
    const child = spawn(command, commandArgs, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString()
    })
    child.on('error', reject)
    child.on('close', (code) => {
      const wallMs = performance.now() - started
      const cpu = /materia-bench-cpu ([\d.]+) ([\d.]+)/.exec(output)
      const cpuMs = cpu === null ? null : (Number(cpu[1]) + Number(cpu[2])) * 1000
      if (code !== 0) reject(new Error(`node ${args.join(' ')} exited ${code}: ${output.slice(-1000)}`))
      else if (expect !== null && !output.includes(expect))
        reject(new Error(`node ${args.join(' ')} printed no "${expect}": ${output.slice(-1000)}`))
      else resolve({ wallMs, cpuMs })
    })
  })
}

export async function run(options: BenchOptions): Promise<Record<string, unknown>> {
  const temp = mkdtempSync(join(tmpdir(), 'materia-bench-cli-'))
  try {
    const project = join(temp, 'project')
    cpSync(join(repository, 'sql'), project, {
      recursive: true,
      filter: (source) => !source.includes('.materia'),
    })
    await timedNode([materia, 'start', '--project', project], 'Top producers')
    const plan = [materia, 'plan', 'prod', '--dry-run', '--project', project]
    await timedNode(plan, 'no changes')
    const cpu: Record<string, number[]> = {}
    const step = (name: string, args: readonly string[], expect: string | null) => async () => {
      const timed = await timedNode(args, expect)
      if (timed.cpuMs !== null) cpu[name] = [...(cpu[name] ?? []), timed.cpuMs]
      return timed.wallMs
    }
    const values = await interleaved(
      options.runs,
      {
        nodeBare: step('nodeBare', ['-e', '0'], null),
        help: step('help', [materia, '--help'], 'usage: materia'),
        planDryRun: step('planDryRun', plan, 'unchanged since they passed'),
        planDryRunRerunTests: step('planDryRunRerunTests', [...plan, '--rerun-tests'], 'no changes'),
      },
      (name, round, value) =>
        process.stderr.write(`  cli bench: ${name} run ${round + 1}: ${Math.round(value)} ms\n`),
    )
    return {
      nodeBareMs: figure(values.nodeBare),
      helpMs: figure(values.help),
      planDryRunMs: figure(values.planDryRun),
      planDryRunRerunTestsMs: figure(values.planDryRunRerunTests),
      helpVsNodeBare: ratio(values.help, values.nodeBare),
      planDryRunVsNodeBare: ratio(values.planDryRun, values.nodeBare),
      cpuMs: Object.fromEntries(Object.entries(cpu).map(([name, list]) => [name, figure(list)])),
      targets: { helpMs: 150, planDryRunMs: 1000 },
    }
  } finally {
    rmSync(temp, { recursive: true, force: true })
  }
}
