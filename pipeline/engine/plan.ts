// buildPlan: compares the project with an environment's state and lists what apply will do.
// Side-effect free: it reads materia_state and asks DuckDB to parse queries, nothing more.
//
// Versions: a model's fingerprint names the physical table it needs. A version built before (for
// any environment) is reused as is; a NON_BREAKING change (only added output columns) keeps the
// downstream models' tables; anything else builds new tables for the model and its downstream.
import { createHash, randomUUID } from 'node:crypto'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import { environmentTtlMs, planStepsMax } from '../limits.ts'
import { editDistance } from './dag.ts'
import type { Database } from './database.ts'
import { metadataHash } from './fingerprint.ts'
import { bindLanding, readsLanding } from './landing-runtime.ts'
import { type Fingerprint, fingerprintProject, renderModelQuery } from './load-api.ts'
import type { Model } from './model.ts'
import { compareQueries, definitionOf, ownHash } from './plan-compare.ts'
import { type StepContext, stepsFor } from './plan-step.ts'
import type {
  ChangeCategory,
  ModelChange,
  Plan,
  PlanEnvironmentModel,
  PlanModel,
  PlanStep,
} from './plan-types.ts'
import type { Project } from './project.ts'
import {
  type Environment,
  type EnvironmentModel,
  physicalTable,
  readState,
  type State,
  snapshotKey,
} from './state.ts'
import { checkState, withoutBrokenSnapshots } from './state-check.ts'

export interface PlanOptions {
  readonly environment: string
  readonly select?: readonly string[] // 'model', 'model+' (with downstream), '+model' (with upstream)
  readonly start?: Date // limits the intervals a dev plan backfills or a restatement recomputes
  readonly end?: Date // exclusive
  readonly restate?: readonly string[]
  readonly now?: Date
}

export function validateEnvironmentName(name: string): void {
  if (!/^(prod|[a-z][a-z0-9_]{0,62})$/.test(name)) {
    throw new MateriaError(
      'usage',
      `environment "${name}" is not a valid name; use prod or lower-case letters, digits and _ (e.g. dev_alice)`,
    )
  }
}

function modelOf(project: Project, name: string): Model {
  const model = project.models.get(name)
  assert(model !== undefined, `model ${name} is in the project`)
  return model
}

function closure(project: Project, roots: Iterable<string>, direction: 'children' | 'parents'): Set<string> {
  const edges = direction === 'children' ? project.children : project.parents
  const seen = new Set<string>()
  const stack = [...roots]
  while (stack.length > 0) {
    const name = stack.pop() as string
    if (seen.has(name)) continue
    seen.add(name)
    for (const next of edges.get(name) ?? []) stack.push(next)
  }
  return seen
}

function requireModel(project: Project, name: string, option: string): void {
  if (project.models.has(name)) return
  const reason = project.unavailable?.get(name)
  if (reason !== undefined)
    throw new MateriaError('plan', `${option} ${name}: the model cannot load: ${reason}`)
  const close = [...project.models.keys()]
    .map((candidate) => ({ candidate, distance: editDistance(name, candidate) }))
    .filter((entry) => entry.distance <= 3)
    .sort((a, b) => a.distance - b.distance)
    .map((entry) => entry.candidate)
  const hint =
    close.length > 0 ? `; did you mean ${close.slice(0, 3).join(', ')}?` : '; run materia dag for the list'
  throw new MateriaError('plan', `${option} ${name}: no such model in ${project.root}${hint}`)
}

// null: every model.
function resolveSelection(project: Project, select: readonly string[] | undefined): Set<string> | null {
  if (select === undefined || select.length === 0) return null
  const selected = new Set<string>()
  for (const raw of select) {
    const upstream = raw.startsWith('+')
    const downstream = raw.endsWith('+')
    const name = raw.replace(/^\+/, '').replace(/\+$/, '').toLowerCase()
    requireModel(project, name, '--select')
    selected.add(name)
    if (downstream) for (const child of closure(project, [name], 'children')) selected.add(child)
    if (upstream) for (const parent of closure(project, [name], 'parents')) selected.add(parent)
  }
  return selected
}

interface Decision {
  readonly entry: PlanModel
  readonly effect: 'none' | ChangeCategory // what downstream models see
}

interface Known {
  readonly version: string
  readonly source: string
}

function knownVersions(state: State): Map<string, Known> {
  const known = new Map<string, Known>()
  for (const snapshot of state.snapshots.values()) {
    known.set(`${snapshot.name}|${snapshot.dataHash}`, { version: snapshot.version, source: 'state' })
  }
  for (const environment of state.environments.values()) {
    for (const entry of environment.models.values()) {
      known.set(`${entry.model}|${entry.dataHash}`, { version: entry.version, source: environment.name })
    }
  }
  return known
}

// One model as the categorize phase sees it: its new fingerprint, the environment's current row
// for it, and what its parents' decisions mean for it.
interface Candidate {
  readonly name: string
  readonly fingerprint: Fingerprint
  readonly current: EnvironmentModel | undefined
  readonly parentEffects: readonly ('none' | ChangeCategory)[]
}

async function decide(build: PlanBuild, candidate: Candidate): Promise<Decision> {
  const { db, project, state, known } = build
  const { name, fingerprint, current, parentEffects } = candidate
  const base = { name, dataHash: fingerprint.dataHash, metadataHash: fingerprint.metadataHash }
  if (current !== undefined && current.dataHash === fingerprint.dataHash) {
    const change: ModelChange = current.metadataHash === fingerprint.metadataHash ? 'unchanged' : 'metadata'
    const note =
      change === 'metadata'
        ? 'metadata only (description, owner, cron, audits, tags): nothing recomputed; its audits run on the current table before the views switch'
        : null
    return {
      entry: {
        ...base,
        change,
        category: null,
        note,
        previousVersion: current.version,
        version: current.version,
        reusedFrom: null,
      },
      effect: 'none',
    }
  }
  const reuse = known.get(`${name}|${fingerprint.dataHash}`)
  if (current === undefined) {
    const version = reuse?.version ?? fingerprint.version
    return {
      entry: {
        ...base,
        change: 'added',
        category: null,
        note: null,
        previousVersion: null,
        version,
        reusedFrom: reuse?.source ?? null,
      },
      effect: 'BREAKING',
    }
  }
  const previous = state.snapshots.get(snapshotKey(name, current.version))
  assert(previous !== undefined, `environment table ${name}@${current.version} is in state`)
  const model = modelOf(project, name)
  // A seed has no parents: a new fingerprint means its file changed, a direct and breaking change.
  let comparison: 'same' | 'added_columns' | 'different' = model.kind.name === 'SEED' ? 'different' : 'same'
  if (comparison === 'same' && previous.ownHash !== ownHash(project, name)) {
    const definition = await definitionOf(project, name)
    comparison =
      definition.kind !== previous.kind
        ? 'different'
        : await compareQueries(db.connection, previous.query, definition.query)
  }
  if (comparison === 'same') {
    const breaking = parentEffects.includes('BREAKING')
    const category: ChangeCategory = breaking ? 'BREAKING' : 'NON_BREAKING'
    // A materialized model whose upstream only gained columns holds the same rows: keep its table.
    // A VIEW is re-created either way (it names its parents' tables), which computes no data.
    const rebuild = breaking || model.kind.name === 'VIEW'
    const version = reuse?.version ?? (rebuild ? fingerprint.version : current.version)
    const note = breaking
      ? 'rebuilt because an upstream model changed (breaking)'
      : rebuild
        ? 'upstream only added columns: the view is re-created, no data computed'
        : 'upstream only added columns: keeps its table, nothing recomputed'
    return {
      entry: {
        ...base,
        change: 'indirectly_modified',
        category,
        note,
        previousVersion: current.version,
        version,
        reusedFrom: reuse?.source ?? null,
      },
      effect: breaking ? 'BREAKING' : 'none',
    }
  }
  const category: ChangeCategory = comparison === 'added_columns' ? 'NON_BREAKING' : 'BREAKING'
  const downstream = downstreamCount(build, name)
  const note =
    category === 'NON_BREAKING'
      ? `non-breaking (only added columns): ${downstream} downstream model(s) keep their tables`
      : `breaking: ${downstream} downstream model(s) are rebuilt`
  return {
    entry: {
      ...base,
      change: 'directly_modified',
      category,
      note,
      previousVersion: current.version,
      version: reuse?.version ?? fingerprint.version,
      reusedFrom: reuse?.source ?? null,
    },
    effect: category,
  }
}

function derivedVersion(version: string, environment: string): string {
  return createHash('sha256').update(`${version}:restate:${environment}`).digest('hex').slice(0, 12)
}

function sharedElsewhere(state: State, environment: string, name: string, version: string): boolean {
  for (const other of state.environments.values()) {
    if (other.name !== environment && other.models.get(name)?.version === version) return true
  }
  return false
}

// Fingerprints of the models that may have changed. A model whose own definition hashes as its
// current table's did, and whose parents are all in the same case, has the data hash the
// environment recorded: only the others (and their ancestors, whose hashes feed theirs) go
// through DuckDB normalization. A no-op plan of 1,000 models then costs one state read.
async function fingerprintsFor(
  project: Project,
  state: State,
  current: ReadonlyMap<string, { readonly version: string; readonly dataHash: string }>,
): Promise<Map<string, Fingerprint>> {
  const result = new Map<string, Fingerprint>()
  const pending: string[] = []
  // A seed's fingerprint hashes its file and parses nothing: compute it, keep it when unchanged.
  const seeds = project.order.filter((name) => modelOf(project, name).kind.name === 'SEED')
  const seedPrints =
    seeds.length === 0
      ? new Map<string, Fingerprint>()
      : await fingerprintProject({ ...project, order: seeds })
  for (const name of project.order) {
    const model = modelOf(project, name)
    const existing = current.get(name)
    const snapshot =
      existing === undefined ? undefined : state.snapshots.get(snapshotKey(name, existing.version))
    const parentsKnown = (project.parents.get(name) ?? []).every((parent) => result.has(parent))
    const seedPrint = seedPrints.get(name)
    if (seedPrint !== undefined) {
      if (existing !== undefined && seedPrint.dataHash === existing.dataHash) result.set(name, seedPrint)
      else pending.push(name)
      continue
    }
    if (
      existing !== undefined &&
      snapshot !== undefined &&
      parentsKnown &&
      snapshot.ownHash === ownHash(project, name)
    ) {
      result.set(name, {
        dataHash: existing.dataHash,
        metadataHash: metadataHash(model),
        version: existing.dataHash.slice(0, 12),
      })
    } else {
      pending.push(name)
    }
  }
  if (pending.length === 0) return result
  const needed = closure(project, pending, 'parents')
  const subset: Project = { ...project, order: project.order.filter((name) => needed.has(name)) }
  for (const [name, fingerprint] of await fingerprintProject(subset)) {
    if (!result.has(name)) result.set(name, fingerprint)
  }
  return result
}

// DESCRIBE of each directly modified model's rendered query over its parents' existing tables: the
// plan shows the columns it will have, and a query that no longer binds is reported before apply.
async function describeModified(
  db: Database,
  project: Project,
  state: State,
  decisions: Map<string, Decision>,
  warnings: string[],
): Promise<void> {
  for (const [name, decision] of decisions) {
    const entry = decision.entry
    if (entry.change !== 'directly_modified' || modelOf(project, name).kind.name === 'SEED') continue
    const parents = project.parents.get(name) ?? []
    const versionOf = (parent: string) => decisions.get(parent)?.entry.version
    const built = parents.every((parent) => {
      const version = versionOf(parent)
      return version !== undefined && state.snapshots.has(snapshotKey(parent, version))
    })
    if (!built) continue
    const sql = await renderModelQuery(project, name, {
      start: new Date(Date.UTC(2000, 0, 1)),
      end: new Date(Date.UTC(2000, 0, 2)),
      executionTime: new Date(Date.UTC(2000, 0, 2)),
      landingAtRuntime: true,
      resolveTable: (parent) => {
        const version = versionOf(parent)
        return version === undefined ? null : physicalTable(parent, version)
      },
    })
    try {
      const reader = await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM (${sql}) AS q LIMIT 0`)
      const columns = reader
        .getRowObjectsJS()
        .map((row) => ({ name: String(row.column_name), type: String(row.column_type) }))
      const before = new Set(
        (entry.previousVersion === null
          ? []
          : (state.snapshots.get(snapshotKey(name, entry.previousVersion))?.columns ?? [])
        ).map((column) => column.name),
      )
      const addedColumns = columns.map((column) => column.name).filter((column) => !before.has(column))
      decisions.set(name, { ...decision, entry: { ...entry, columns, addedColumns } })
    } catch (error) {
      const message = error instanceof Error ? error.message.split('\n')[0] : String(error)
      warnings.push(`${modelOf(project, name).path}: ${name} will fail at apply: ${message}`)
    }
  }
}

// Everything the phases of one plan share, read once: the environment's state, the project's new
// fingerprints, the selection and the restated models. SQLMesh's PlanBuilder.build runs the same
// phases in this order: ensure valid options, build directly and indirectly modified (categorize),
// build restatements, build models to backfill (missing intervals), then the plan itself.
interface PlanBuild {
  readonly db: Database
  readonly project: Project
  readonly options: PlanOptions
  readonly isProd: boolean
  readonly nowMs: number
  readonly state: State
  readonly environment: Environment | undefined
  readonly current: ReadonlyMap<string, EnvironmentModel>
  readonly fingerprints: ReadonlyMap<string, Fingerprint>
  readonly selected: ReadonlySet<string> | null // null: every model
  // The selected models and their ancestors: an ancestor missing from the environment is built too.
  readonly neededBySelected: ReadonlySet<string>
  readonly restated: ReadonlySet<string>
  readonly known: ReadonlyMap<string, Known>
  readonly downstreamCounts: Map<string, number> // memo of downstreamCount
  readonly warnings: string[]
}

// Models downstream of one model, itself excluded; each model's count is computed once per plan.
function downstreamCount(build: PlanBuild, name: string): number {
  let count = build.downstreamCounts.get(name)
  if (count === undefined) {
    count = closure(build.project, [name], 'children').size - 1
    build.downstreamCounts.set(name, count)
  }
  return count
}

// Plans wait for an apply running on the same database in this process (Database.exclusive): the
// plan reads state and binds the landing macro on the connection the apply's transaction holds.
export async function buildPlan(db: Database, project: Project, options: PlanOptions): Promise<Plan> {
  return db.exclusive(async () => {
    const named = ensureValidOptions(project, options)
    const build = await readPlanInputs(db, project, options, named)
    const decisions = await categorizeModels(build)
    await describeModified(db, project, build.state, decisions, build.warnings)
    const sources = buildRestatements(build, decisions)
    return buildModelsToBackfill(build, decisions, sources)
  })
}

interface NamedModels {
  readonly restateRoots: readonly string[]
  readonly selected: ReadonlySet<string> | null // null: every model
}

// The checks of phase 1 alone, for a caller with slower work to do before the plan (the CLI's unit
// tests): a mistyped environment, model or date fails before that work, with the plan's own words.
export function checkPlanOptions(project: Project, options: PlanOptions): void {
  ensureValidOptions(project, options)
}

// Phase 1: the options make sense before anything is read. Returns the models the options name.
function ensureValidOptions(project: Project, options: PlanOptions): NamedModels {
  validateEnvironmentName(options.environment)
  const isProd = options.environment === 'prod'
  const restateRoots = (options.restate ?? []).map((name) => name.toLowerCase())
  for (const name of restateRoots) requireModel(project, name, '--restate')
  if (isProd && (options.start !== undefined || options.end !== undefined) && restateRoots.length === 0) {
    throw new MateriaError(
      'usage',
      '--start/--end limit dev plans and restatements; prod always holds every interval',
    )
  }
  if (options.start !== undefined && options.end !== undefined && options.start >= options.end) {
    throw new MateriaError(
      'usage',
      `--start ${options.start.toISOString()} is not before --end ${options.end.toISOString()}`,
    )
  }
  return { restateRoots, selected: resolveSelection(project, options.select) }
}

// Phase 2: state, fingerprints and selection, read once for every later phase.
async function readPlanInputs(
  db: Database,
  project: Project,
  options: PlanOptions,
  { restateRoots, selected }: NamedModels,
): Promise<PlanBuild> {
  const nowMs = (options.now ?? new Date()).getTime()
  // DESCRIBE of modified models reads landed files through the run-time landing macro.
  await bindLanding(db.connection, project.config.landingDir)
  const state = await readState(db)
  const environment = state.environments.get(options.environment)
  const current: ReadonlyMap<string, EnvironmentModel> = environment?.models ?? new Map()
  const fingerprints = await fingerprintsFor(project, state, current)
  return {
    db,
    project,
    options,
    isProd: options.environment === 'prod',
    nowMs,
    state,
    environment,
    current,
    fingerprints,
    selected,
    neededBySelected: selected === null ? new Set() : closure(project, selected, 'parents'),
    restated: closure(project, restateRoots, 'children'),
    known: knownVersions(state),
    downstreamCounts: new Map(),
    warnings: [],
  }
}

// Phase 3 (SQLMesh: build directly and indirectly modified, categorize): a decision for each model
// the environment will show, in topological order so each sees its parents' effects.
async function categorizeModels(build: PlanBuild): Promise<Map<string, Decision>> {
  const { project, current, selected } = build
  const decisions = new Map<string, Decision>()
  for (const name of project.order) {
    const fingerprint = build.fingerprints.get(name)
    assert(fingerprint !== undefined, `fingerprint of ${name}`)
    const existing = current.get(name)
    const isSelected = selected === null || selected.has(name)
    const neededBySelected = selected !== null && existing === undefined && build.neededBySelected.has(name)
    // A VIEW names its parents' physical tables: when a parent moves to another version, the view
    // moves too, or it would read a table the janitor may later drop.
    const viewOverMovedParent =
      selected !== null &&
      existing !== undefined &&
      modelOf(project, name).kind.name === 'VIEW' &&
      (project.parents.get(name) ?? []).some((parent) => {
        const decided = decisions.get(parent)
        return decided !== undefined && decided.entry.version !== current.get(parent)?.version
      })
    if (!isSelected && !neededBySelected && !viewOverMovedParent) {
      if (existing === undefined) continue
      if (existing.dataHash !== fingerprint.dataHash)
        build.warnings.push(`${name} changed but is not selected: the environment keeps its current table`)
      decisions.set(name, { entry: unchangedEntry(name, existing), effect: 'none' })
      continue
    }
    const parentEffects = (project.parents.get(name) ?? []).map(
      (parent) => decisions.get(parent)?.effect ?? 'none',
    )
    decisions.set(name, await decide(build, { name, fingerprint, current: existing, parentEffects }))
  }
  return decisions
}

function unchangedEntry(name: string, existing: EnvironmentModel): PlanModel {
  return {
    name,
    change: 'unchanged',
    category: null,
    note: null,
    previousVersion: existing.version,
    version: existing.version,
    dataHash: existing.dataHash,
    metadataHash: existing.metadataHash,
    reusedFrom: null,
  }
}

// Phase 4 (SQLMesh: build restatements): the model and its downstream recompute the range; in a
// dev environment a table another environment shows is copied first under an environment-specific
// version. Returns, by model, the version a copied table comes from.
function buildRestatements(build: PlanBuild, decisions: Map<string, Decision>): Map<string, string> {
  const sources = new Map<string, string>()
  for (const name of build.restated) {
    const decision = decisions.get(name)
    if (decision === undefined) continue
    let version = decision.entry.version
    if (!build.isProd && sharedElsewhere(build.state, build.options.environment, name, version)) {
      sources.set(name, version)
      version = derivedVersion(version, build.options.environment)
    }
    const change: ModelChange = decision.entry.change === 'unchanged' ? 'restated' : decision.entry.change
    decisions.set(name, { entry: { ...decision.entry, change, version }, effect: decision.effect })
  }
  return sources
}

// Phase 5 (SQLMesh: build models to backfill, missing intervals): the steps that build each
// version and switch the environment's views, and the plan around them.
async function buildModelsToBackfill(
  build: PlanBuild,
  decisions: ReadonlyMap<string, Decision>,
  sources: ReadonlyMap<string, string>,
): Promise<Plan> {
  const { db, project, options, state, current, environment, nowMs, isProd, warnings } = build
  // Versions whose tables are missing or differ are built again; missing views are re-created.
  const drift = await checkState(db, state, new Date(nowMs))
  const repaired = withoutBrokenSnapshots(state, drift)
  const missingViews = new Set(
    drift.flatMap((item) =>
      item.kind === 'view_missing' && item.environment === options.environment ? [item.model] : [],
    ),
  )
  const context: StepContext = { project, state: repaired.state, options, nowMs, isProd }
  const buildSteps: PlanStep[] = []
  const viewSteps: PlanStep[] = []
  const models: PlanModel[] = []
  const environmentModels: PlanEnvironmentModel[] = []
  for (const name of project.order) {
    const decision = decisions.get(name)
    if (decision === undefined) continue
    const entry = decision.entry
    models.push(entry)
    environmentModels.push({
      model: name,
      version: entry.version,
      dataHash: entry.dataHash,
      metadataHash: entry.metadataHash,
    })
    const source = sources.get(name) ?? null
    const sourceBuilt =
      source !== null && !state.snapshots.has(snapshotKey(name, entry.version)) ? source : null
    const repair = repaired.broken.has(snapshotKey(name, entry.version))
    for (const step of stepsFor(context, entry, build.restated.has(name), sourceBuilt)) {
      buildSteps.push(
        repair && (step.kind === 'create_table' || step.kind === 'backfill') ? { ...step, repair } : step,
      )
    }
    if (current.get(name)?.version !== entry.version || missingViews.has(name)) {
      viewSteps.push({
        kind: 'swap_view',
        model: name,
        version: entry.version,
        table: physicalTable(name, entry.version),
      })
    }
    if (buildSteps.length > planStepsMax) {
      throw new MateriaError(
        'limit',
        `plan has more than ${planStepsMax} steps (limits.ts planStepsMax); narrow --select`,
      )
    }
  }
  const landing = landingChange(project, environment, options.environment)
  if (landing.message !== null) warnings.push(landing.message)
  const removed = [...current.keys()].filter((name) => !project.models.has(name)).sort()
  for (const name of removed) viewSteps.push({ kind: 'drop_view', model: name })
  const steps = [...buildSteps, ...viewSteps]
  const used = new Set(environmentModels.map((row) => snapshotKey(row.model, row.version)))
  const repairs = drift
    .filter((item) =>
      item.kind === 'view_missing'
        ? item.environment === options.environment && project.models.has(item.model)
        : used.has(snapshotKey(item.model, item.version)),
    )
    .map((item) => `${item.message}: ${item.kind === 'view_missing' ? 're-created' : 'built again'}`)
  const sameRows =
    environment !== undefined &&
    environmentModels.length === current.size &&
    environmentModels.every((row) => {
      const before = current.get(row.model)
      return (
        before?.version === row.version &&
        before.dataHash === row.dataHash &&
        before.metadataHash === row.metadataHash
      )
    })
  return {
    id: randomUUID(),
    environment: options.environment,
    previousPlanId: environment?.planId ?? null,
    createdAtMs: Date.now(),
    nowMs,
    models,
    removed,
    steps,
    environmentModels,
    expiresAtMs: isProd ? null : nowMs + environmentTtlMs,
    landingDir: project.config.landingDir,
    previousLandingDir: environment?.landingDir ?? null,
    landingChanged: landing.changed,
    repairs,
    warnings: [...repairs.map((repair) => `repair: ${repair}`), ...warnings],
    environmentChanged: viewSteps.length > 0 || !sameRows || landing.changed,
    empty: steps.length === 0 && sameRows && !landing.changed,
  }
}

// An environment that shows models reading landed files, last applied with another landing folder
// (or before the folder was recorded): its views read the new folder at once, but tables built
// from the old one keep their rows until restated. Say so; apply records the new folder.
function landingChange(
  project: Project,
  environment: Environment | undefined,
  name: string,
): { changed: boolean; message: string | null } {
  if (environment === undefined) return { changed: false, message: null }
  const readers = project.order.filter(
    (model) => readsLanding(modelOf(project, model)) && environment.models.has(model),
  )
  const before = environment.landingDir
  const after = project.config.landingDir
  if (readers.length === 0 || before === after) return { changed: false, message: null }
  const from = before === null ? 'a folder not recorded' : before
  return {
    changed: true,
    message: `landing folder changed: ${from} -> ${after}; ${readers.join(', ')} read${readers.length === 1 ? 's' : ''} it from now on, tables built from the old folder keep their rows until restated (materia plan ${name} --restate ${readers[0]})`,
  }
}
