// The `workers:` and `schedule:` sections of materia.yaml, read here from the YAML directly so the
// engine's loader stays unaware of them. Defaults: Debian 12, a small server for extract, a larger
// one for transform and the full pipeline; extract at 02:00 UTC, transform at 03:00 UTC.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { MateriaError } from '../errors.ts'

export const pipelineNames = ['extract', 'transform', 'publish', 'all'] as const
export type PipelineName = (typeof pipelineNames)[number]
export type Step = 'extract' | 'transform' | 'publish'

export function stepsOf(pipeline: PipelineName): Step[] {
  return pipeline === 'all' ? ['extract', 'transform', 'publish'] : [pipeline]
}

export interface WorkerSpec {
  readonly serverType: string
  readonly image: string
  readonly location: string | null
  readonly expectedMinutes: number // for the cost shown before a run
}

export interface WorkersConfig {
  readonly user: string
  readonly prepare: string // run in the checked-out tree before the pipeline
  readonly deadlineMinutes: number
  readonly sshKeyName: string | null // an SSH key registered with Hetzner (private key: MATERIA_SSH_IDENTITY)
  readonly pipelines: Readonly<Record<PipelineName, WorkerSpec>>
}

export interface ScheduleConfig {
  readonly intervalMinutes: number // how often the supervisor wakes up to fetch and check the schedule
  readonly entries: readonly { readonly pipeline: PipelineName; readonly cron: string }[]
}

export interface RemoteConfig {
  readonly workers: WorkersConfig
  readonly schedule: ScheduleConfig
}

const defaultSpecs: Record<PipelineName, WorkerSpec> = {
  extract: { serverType: 'cx22', image: 'debian-12', location: 'fsn1', expectedMinutes: 10 },
  transform: { serverType: 'cx42', image: 'debian-12', location: 'fsn1', expectedMinutes: 30 },
  publish: { serverType: 'cx22', image: 'debian-12', location: 'fsn1', expectedMinutes: 10 },
  all: { serverType: 'cx42', image: 'debian-12', location: 'fsn1', expectedMinutes: 45 },
}

type Raw = Record<string, unknown>

function section(raw: unknown, where: string): Raw {
  if (raw === undefined || raw === null) return {}
  if (typeof raw !== 'object' || Array.isArray(raw))
    throw new MateriaError('config', `${where} must be a mapping`)
  return raw as Raw
}

function text(raw: Raw, key: string, fallback: string, where: string): string {
  const value = raw[key] ?? fallback
  if (typeof value !== 'string' || value === '')
    throw new MateriaError('config', `${where}.${key} must be a string`)
  return value
}

function count(raw: Raw, key: string, fallback: number, where: string): number {
  const value = raw[key] ?? fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new MateriaError('config', `${where}.${key} must be a positive number`)
  }
  return value
}

export function parseRemoteConfig(document: unknown, path: string): RemoteConfig {
  const root = section(document, path)
  const workers = section(root.workers, `${path}: workers`)
  const pipelines = Object.fromEntries(
    pipelineNames.map((name) => {
      const where = `${path}: workers.${name}`
      const raw = section(workers[name], where)
      const fallback = defaultSpecs[name]
      const location =
        raw.location === null ? null : text(raw, 'location', fallback.location ?? 'fsn1', where)
      const spec: WorkerSpec = {
        serverType: text(raw, 'server_type', fallback.serverType, where),
        image: text(raw, 'image', fallback.image, where),
        location,
        expectedMinutes: count(raw, 'expected_minutes', fallback.expectedMinutes, where),
      }
      return [name, spec]
    }),
  ) as Record<PipelineName, WorkerSpec>
  const schedule = section(root.schedule, `${path}: schedule`)
  const entries = (['extract', 'transform'] as const).map((pipeline) => ({
    pipeline,
    cron: text(schedule, pipeline, pipeline === 'extract' ? '0 2 * * *' : '0 3 * * *', `${path}: schedule`),
  }))
  return {
    workers: {
      user: text(workers, 'user', 'root', `${path}: workers`),
      prepare: text(workers, 'prepare', 'npm ci --no-audit --no-fund', `${path}: workers`),
      deadlineMinutes: count(workers, 'deadline_minutes', 60, `${path}: workers`),
      sshKeyName:
        workers.ssh_key_name === undefined ? null : text(workers, 'ssh_key_name', '', `${path}: workers`),
      pipelines,
    },
    schedule: { intervalMinutes: count(schedule, 'interval_minutes', 15, `${path}: schedule`), entries },
  }
}

export async function loadRemoteConfig(projectRoot: string): Promise<RemoteConfig> {
  const path = join(projectRoot, 'materia.yaml')
  let source: string
  try {
    source = await readFile(path, 'utf8')
  } catch {
    return parseRemoteConfig({}, path)
  }
  try {
    return parseRemoteConfig(parse(source), path)
  } catch (error) {
    if (error instanceof MateriaError) throw error
    throw new MateriaError('config', `${path}: invalid YAML: ${(error as Error).message.split('\n')[0]}`)
  }
}
