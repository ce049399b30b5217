// `materia pipeline run` here (on a laptop, or on a worker): extract lands the PSD datasets,
// transform applies the project, publish exports the serving models. With --env prod everything
// goes through the bucket: landing in psd/, the database in state/prod.duckdb (downloaded, worked
// on, uploaded with a conditional write), Parquet in serving/. Other environments use the
// project's own landing folder and DuckDB file.
// The order of a prod publish keeps the bucket consistent whatever fails: the prod state is saved
// first (a conflict publishes nothing), then the Parquet files (new keys, invisible until named),
// then the Iceberg tables, then serving/manifest.json, the one pointer readers follow, written last;
// a failing step leaves the previous manifest in place.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DuckDBInstance } from '@duckdb/node-api'
import { databasePath, environmentSchema, loadConfig } from '../engine/index.ts'
import { extractPsd } from '../extract/psd/extract.ts'
import { bundledSnapshotPath, landFromFile } from '../extract/psd/land.ts'
import { baseUrlOf, checkDataset } from '../extract/psd/locate.ts'
import { readManifests } from '../extract/psd/manifest.ts'
import { LocalLandingStore } from '../landing/local-store.ts'
import type { LandingStore } from '../landing/store.ts'
import type { Step } from './config.ts'
import { publishIceberg } from './iceberg.ts'
import { leaseRunVariable, withLease } from './lease.ts'
import { readProdState, withProdState } from './prod-state.ts'
import { publishServing, type ServingManifest } from './publish.ts'
import { publishSite } from './site-step.ts'
import { openProdStore, syncLanding } from './stores.ts'
import { transformProject } from './transform-step.ts'

export interface LocalRunInput {
  readonly projectRoot: string
  readonly environment: string
  readonly steps: readonly Step[]
  readonly env: NodeJS.ProcessEnv
  readonly log: (line: string) => void
  readonly signal?: AbortSignal
}

// Datasets to extract: MATERIA_PSD_DATASETS (comma-separated), coffee by default.
export function datasetsOf(env: NodeJS.ProcessEnv): string[] {
  return (env.MATERIA_PSD_DATASETS || 'coffee').split(',').map((name) => checkDataset(name.trim()))
}

export async function extractStep(store: LandingStore, input: LocalRunInput): Promise<void> {
  for (const dataset of datasetsOf(input.env)) {
    // A store that has never seen coffee gets the bundled genuine snapshot first (works offline).
    if (dataset === 'coffee' && (await readManifests(store, dataset)).length === 0) {
      const landed = await landFromFile(store, bundledSnapshotPath, 'coffee', '2022-12')
      input.log(`extract: bundled coffee snapshot 2022-12 ${landed.status}`)
    }
    const results = await extractPsd({ store, dataset, baseUrl: baseUrlOf(input.env), signal: input.signal })
    for (const result of results)
      input.log(`extract: ${dataset} ${result.month} ${result.status} (${result.key})`)
  }
}

async function publishFrom(databasePath: string, store: LandingStore, input: LocalRunInput) {
  const instance = await DuckDBInstance.create(databasePath)
  const connection = await instance.connect()
  try {
    const schema = environmentSchema('serving', input.environment)
    const tables = (manifest: ServingManifest) =>
      manifest.models.map((model) => ({ name: model.model.split('.')[1]!, columns: model.schema }))
    await publishServing(connection, store, input.log, {
      schema,
      beforeManifest: async (manifest) => {
        await publishIceberg(connection, input.env, tables(manifest), input.log, schema)
      },
    })
    if (input.environment === 'prod') await publishSite(connection, { ...input, store })
  } finally {
    connection.closeSync()
    instance.closeSync()
  }
}

// The prod run over a given bucket; exported for tests that inject failures into the bucket.
export async function runProdWith(bucket: LandingStore, input: LocalRunInput): Promise<void> {
  input.log(`prod bucket: ${bucket.location}`)
  if (input.steps.includes('extract')) await extractStep(bucket, input)
  const transform = input.steps.includes('transform')
  const publish = input.steps.includes('publish')
  const publishStep = async (databasePath: string) => publishFrom(databasePath, bucket, input)
  if (transform) {
    const work = async (databasePath: string) => {
      const landingDir = await mkdtemp(join(tmpdir(), 'materia-landing-'))
      try {
        await syncLanding(bucket, landingDir, input.log)
        const env = { ...input.env, MATERIA_LANDING: landingDir }
        await transformProject({ ...input, databasePath, env, environment: 'prod' })
      } finally {
        await rm(landingDir, { recursive: true, force: true })
      }
    }
    await withProdState(bucket, work, input.log, publish ? publishStep : undefined)
  } else if (publish) {
    await readProdState(bucket, publishStep, input.log)
  }
}

// A prod run holds the bucket's lease (lease.ts), unless the process that started this worker
// already holds it for this run.
async function runProd(input: LocalRunInput): Promise<void> {
  const bucket = openProdStore(input.env, input.projectRoot)
  const heldFor = input.env[leaseRunVariable]
  if (heldFor) {
    input.log(`prod lease held for run ${heldFor} by the process that started this worker`)
    return runProdWith(bucket, input)
  }
  const runId = `local-${process.pid}-${Date.now().toString(36)}`
  await withLease(bucket, { runId, pipeline: input.steps.join('+'), log: input.log }, () =>
    runProdWith(bucket, input),
  )
}

async function runLocal(input: LocalRunInput): Promise<void> {
  const config = loadConfig(input.projectRoot, input.env)
  if (input.steps.includes('extract')) await extractStep(new LocalLandingStore(config.landingDir), input)
  if (input.steps.includes('transform')) {
    await transformProject({ ...input, databasePath: databasePath(config), environment: input.environment })
  }
  if (input.steps.includes('publish')) {
    const target = new LocalLandingStore(join(input.projectRoot, '.materia', 'publish', input.environment))
    await publishFrom(databasePath(config), target, input)
  }
}

export async function runPipelineLocal(input: LocalRunInput): Promise<void> {
  input.log(`pipeline: ${input.steps.join(', ')} on ${input.environment} (${input.projectRoot})`)
  if (input.environment === 'prod') await runProd(input)
  else await runLocal(input)
  input.log('pipeline: done')
}
