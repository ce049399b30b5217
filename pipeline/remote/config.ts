// The `workers:` and `schedule:` sections of materia.yaml, read here from the YAML directly so the
// engine's loader stays unaware of them. Defaults: Debian 12, a small server for extract, a larger
// one for transform and the full pipeline; extract at 02:00 UTC, transform at 03:00 UTC.
// `server_type` and `location` take one name or a list in order of preference: the run skips types
// the provider no longer lists or has deprecated, and moves on when one has no capacity. The
// defaults are current Hetzner types (cx22/cx42 were retired on 2025-12-31).
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
  readonly serverTypes: readonly string[] // Hetzner types, in order of preference
  readonly image: string // Hetzner image name
  readonly locations: readonly string[] // Hetzner locations, in order of preference
  readonly expectedMinutes: number // for the cost shown before a run
  // What the pipeline needs: --provider scaleway and cheapest take the cheapest type with at least
  // this much from the price lists.
  readonly cores: number
  readonly memoryGb: number
  readonly scalewayImage: string // a Scaleway image label or UUID
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

// 2 vCPU / 4 GB for extract and publish, 8 vCPU / 16 GB for transform; Intel, AMD, then Arm
// (DuckDB ships linux-arm64 bindings too). On Scaleway the image is Ubuntu 24.04 by its label
// (`ubuntu_noble`, the label Scaleway's API reference uses).
const smallTypes = ['cx23', 'cpx22', 'cax11']
const largeTypes = ['cx43', 'cpx42', 'cax31']
const defaultLocations = ['fsn1', 'nbg1', 'hel1']
const small = { serverTypes: smallTypes, cores: 2, memoryGb: 4 }
const large = { serverTypes: largeTypes, cores: 8, memoryGb: 16 }
const common = { image: 'debian-12', scalewayImage: 'ubuntu_noble', locations: defaultLocations }
const defaultSpecs: Record<PipelineName, WorkerSpec> = {
  extract: { ...common, ...small, expectedMinutes: 10 },
  transform: { ...common, ...large, expectedMinutes: 30 },
  publish: { ...common, ...small, expectedMinutes: 10 },
  all: { ...common, ...large, expectedMinutes: 45 },
}

// The prepare command's default. Dev dependencies are not needed on a worker; optional ones are:
// DuckDB's and esbuild's native binaries are optional dependencies (one per platform), so
// `--omit=optional` would leave the worker without them.
export const defaultPrepare = 'npm ci --omit=dev --no-audit --no-fund'

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

function names(raw: Raw, key: string, fallback: readonly string[], where: string): readonly string[] {
  const value = raw[key] ?? fallback
  const list = typeof value === 'string' ? [value] : value
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((item) => typeof item === 'string' && item !== '')
  ) {
    throw new MateriaError('config', `${where}.${key} must be a name or a non-empty list of names`)
  }
  return list as string[]
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
      const spec: WorkerSpec = {
        serverTypes: names(raw, 'server_type', fallback.serverTypes, where),
        image: text(raw, 'image', fallback.image, where),
        locations: names(raw, 'location', fallback.locations, where),
        expectedMinutes: count(raw, 'expected_minutes', fallback.expectedMinutes, where),
        cores: count(raw, 'cores', fallback.cores, where),
        memoryGb: count(raw, 'memory_gb', fallback.memoryGb, where),
        scalewayImage: text(raw, 'scaleway_image', fallback.scalewayImage, where),
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
      prepare: text(workers, 'prepare', defaultPrepare, `${path}: workers`),
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
