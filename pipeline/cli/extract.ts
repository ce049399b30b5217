// `materia extract psd`: lands USDA PSD snapshots into the landing store (local folder or S3/R2).
import { existsSync } from 'node:fs'
import { basename, join } from 'node:path'
import { loadConfig } from '../engine/index.ts'
import { MateriaError } from '../errors.ts'
import { type DownloadPolicy, defaultDownloadPolicy } from '../extract/psd/download.ts'
import { extractPsd } from '../extract/psd/extract.ts'
import { landFromFile, monthOfFile } from '../extract/psd/land.ts'
import { baseUrlOf, checkDataset, parseMonth } from '../extract/psd/locate.ts'
import { createReporter, describeResult } from '../extract/psd/progress.ts'
import { defaultLandingDir, type Environment, openLandingStore } from '../landing/open.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.extract

// Operators may tune the HTTP policy (e.g. a slow link): MATERIA_HTTP_TIMEOUT_MS per request,
// MATERIA_HTTP_TOTAL_MS for all attempts, MATERIA_HTTP_BACKOFF_MS before the first retry.
function policyOf(env: Environment): DownloadPolicy {
  const read = (name: string, fallback: number) => {
    const text = env[name]
    if (text === undefined || text === '') return fallback
    const value = Number(text)
    if (!Number.isInteger(value) || value < 0)
      throw new MateriaError('usage', `${name}=${text}: expected milliseconds`)
    return value
  }
  return {
    ...defaultDownloadPolicy,
    requestTimeoutMs: read('MATERIA_HTTP_TIMEOUT_MS', defaultDownloadPolicy.requestTimeoutMs),
    totalTimeoutMs: read('MATERIA_HTTP_TOTAL_MS', defaultDownloadPolicy.totalTimeoutMs),
    backoffMs: read('MATERIA_HTTP_BACKOFF_MS', defaultDownloadPolicy.backoffMs),
  }
}

// A zip named psd_{dataset}_csv... names its dataset; otherwise --dataset or alldata.
function datasetOf(option: string | undefined, fromFile: string | undefined): string {
  if (option !== undefined) return checkDataset(option)
  const match = fromFile === undefined ? null : /^psd_([a-z0-9_]+?)_csv/.exec(basename(fromFile))
  return checkDataset(match?.[1] ?? 'alldata')
}

// The project's landing folder exactly as the transform project reads it: materia.yaml's
// `landing:` (MATERIA_LANDING first), else <project>/.materia/landing.
function localLandingDir(projectDir: string, env: Environment, cwd: string): string {
  if (existsSync(join(projectDir, 'materia.yaml')))
    return loadConfig(projectDir, env as NodeJS.ProcessEnv).landingDir
  return defaultLandingDir(projectDir, env, cwd)
}

export const extractCommand: Command = {
  name: 'extract',
  async run(argv, context) {
    const { options: values, positionals } = parseArguments(
      argv,
      { options: ['dataset', 'landing', 'since', 'from-file', 'month'], positionals: 1 },
      usage,
    )
    if (positionals.length !== 1 || positionals[0] !== 'psd') {
      throw new MateriaError('usage', `expected a source: ${usage}`)
    }
    const fromFile = values['from-file']
    if (fromFile !== undefined && values.since !== undefined) {
      throw new MateriaError(
        'usage',
        '--from-file and --since do not combine: one lands a file, the other walks USDA',
      )
    }
    if (values.month !== undefined && fromFile === undefined) {
      throw new MateriaError(
        'usage',
        '--month goes with --from-file; to walk USDA vintages use --since YYYY-MM',
      )
    }
    const dataset = datasetOf(values.dataset, fromFile)
    const projectDir = resolveProjectRoot(values.project, context.cwd)
    const store = openLandingStore(values.landing, context.env, {
      cwd: context.cwd,
      localDir: localLandingDir(projectDir, context.env, context.cwd),
    })
    if (fromFile !== undefined) {
      const result = await landFromFile(store, fromFile, dataset, monthOfFile(fromFile, values.month))
      context.stdout.write(`${describeResult(result)}\n`)
      return 0
    }
    const results = await extractPsd({
      store,
      dataset,
      baseUrl: baseUrlOf(context.env),
      since: values.since === undefined ? undefined : parseMonth(values.since, '--since'),
      policy: policyOf(context.env),
      reporter: createReporter(context.stdout, context.isTTY),
    })
    const counts = ['landed', 'duplicate', 'unchanged'].map(
      (status) => `${results.filter((result) => result.status === status).length} ${status}`,
    )
    context.stdout.write(`psd ${dataset} into ${store.location}: ${counts.join(', ')}\n`)
    return 0
  },
}
