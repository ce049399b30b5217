// Loads a transform project: materia.yaml, every models/**/*.sql, audits/*.sql, external_models.yaml.
// Each query is rendered with a fixed placeholder interval and parsed by DuckDB (all in one batched
// round trip) to check its syntax and infer what it reads; depends_on adds to that. Loading goes on
// past a broken file: every problem is collected (path:line:col, what to do), the broken models and
// those reading them are left out, and the rest of the project stays usable. loadProject refuses a
// project with problems, listing them all; loadProjectReport returns what loaded beside them.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { isMateriaError, MateriaError } from '../errors.ts'
import { modelFileBytesMax, modelsMax } from '../limits.ts'
import { parseAudits, splitInlineAudits } from './audit-parser.ts'
import { expandBlueprints } from './blueprint.ts'
import { loadConfig } from './config.ts'
import { buildDag, type ModelReference } from './dag.ts'
import type { Model } from './model.ts'
import { type ParsedModel, parseModelSource } from './model-parser.ts'
import type { CustomAudit, ExternalModel, LoadProblem, Project, ProjectConfig } from './project.ts'
import { placeholderContext, renderWithEdits, sourceOffset } from './render.ts'
import { parseProblem, parseQuery } from './sql-ast.ts'
import { columnAt, lineAt } from './sql-tokens.ts'

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly now?: Date // resolves relative model starts ('1 year ago'); the clock when absent
}

// Every file under dir whose name ends in one of `extensions`, as paths relative to root with
// forward slashes, sorted.
function projectFiles(root: string, dir: string, extensions: readonly string[]): string[] {
  if (!existsSync(dir)) return []
  const files: string[] = []
  const pending = [dir]
  while (pending.length > 0) {
    const current = pending.pop()!
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) pending.push(path)
      else if (entry.isFile() && extensions.some((extension) => entry.name.endsWith(extension)))
        files.push(relative(root, path).split('\\').join('/'))
      if (files.length > modelsMax) {
        throw new MateriaError(
          'limit',
          `more than ${modelsMax} model files under ${relative(root, dir)} (modelsMax); is a generator loose?`,
        )
      }
    }
  }
  return files.sort()
}

function sqlFiles(root: string, dir: string): string[] {
  return projectFiles(root, dir, ['.sql'])
}

function readSource(root: string, path: string): string {
  const absolute = join(root, path)
  const bytes = statSync(absolute).size
  if (bytes > modelFileBytesMax) {
    throw new MateriaError(
      'limit',
      `${path} is ${bytes} bytes, over modelFileBytesMax ${modelFileBytesMax}; a model file is hand-written SQL`,
    )
  }
  return readFileSync(absolute, 'utf8')
}

// The absolute path of a SEED model's file (written relative to the model file); null for other kinds.
export function seedFilePath(root: string, model: Model): string | null {
  if (model.kind.name !== 'SEED') return null
  return resolve(dirname(join(root, model.path)), model.kind.path)
}

// A seed file must exist and hold rows: an empty one would rebuild every model downstream from
// nothing. A model that says its seed may be empty (kind SEED (..., allow_empty true)) gets an empty
// table; a file without even a header line then needs declared columns to give the table its shape.
function checkSeed(root: string, parsed: ParsedModel): string | null {
  const { model } = parsed
  const seedPath = seedFilePath(root, model)
  if (model.kind.name !== 'SEED' || seedPath === null) return null
  const line = parsed.propertyLines.kind ?? 1
  if (!existsSync(seedPath)) {
    return `${model.path}:${line} seed file not found: ${relative(root, seedPath)}; the SEED path '${model.kind.path}' is relative to the model file`
  }
  const problem = seedFileProblem(seedPath)
  if (problem === null) return null
  const shown = relative(root, seedPath)
  if (model.kind.allowEmpty !== true) {
    return `${model.path}:${line} seed file ${shown} ${problem}; add its rows (a header line, then one line per row), or write allow_empty true in kind SEED (...) if it may be empty`
  }
  if (problem === 'is empty' && (model.columns ?? []).length === 0) {
    return `${model.path}:${line} seed file ${shown} is empty and the model declares no columns; add a header line or columns (name TYPE, ...) so the empty table has a shape`
  }
  return null
}

// A seed without data rows would rebuild every downstream model from nothing. null: it has rows.
// The first seedProbeBytes are enough to see a header and a first row; apply counts the rows anyway.
const seedProbeBytes = 1 << 20

function seedFileProblem(path: string): string | null {
  const buffer = Buffer.alloc(seedProbeBytes)
  const descriptor = openSync(path, 'r')
  let read: number
  try {
    read = readSync(descriptor, buffer, 0, seedProbeBytes, 0)
  } finally {
    closeSync(descriptor)
  }
  const lines = buffer
    .subarray(0, read)
    .toString('utf8')
    .split(/\r\n|\n|\r/)
    .filter((line) => line.trim() !== '')
  if (lines.length === 0) return 'is empty'
  if (lines.length === 1 && read < seedProbeBytes) return 'has a header line but no rows'
  return null
}

interface Collected {
  readonly problems: LoadProblem[]
  readonly broken: Map<string, string> // model name -> why it is left out
}

function collect(collected: Collected, path: string, model: string | null, error: unknown): void {
  if (!isMateriaError(error)) throw error
  for (const message of error.message.split('\n')) {
    if (collected.problems.some((problem) => problem.message === message)) continue
    collected.problems.push({ path, model, message })
  }
  if (model !== null && !collected.broken.has(model))
    collected.broken.set(model, error.message.split('\n')[0]!)
}

// Audits under audits/ by name (a file may hold several), then each model's inline audits under
// "<model>:<audit>": an inline audit belongs to its model and may share a name with another's.
// A broken audits/ file is collected and the others go on.
function loadAudits(
  root: string,
  inline: ReadonlyMap<string, readonly CustomAudit[]>,
  collected: Collected,
): Map<string, CustomAudit> {
  const audits = new Map<string, CustomAudit>()
  for (const path of sqlFiles(root, join(root, 'audits'))) {
    try {
      for (const audit of parseAudits(readSource(root, path), path)) {
        const earlier = audits.get(audit.name)
        if (earlier !== undefined) {
          throw new MateriaError(
            'model',
            `duplicate audit name ${audit.name} in ${earlier.path} and ${audit.path}; rename one of them`,
          )
        }
        audits.set(audit.name, audit)
      }
    } catch (error) {
      collect(collected, path, null, error)
    }
  }
  for (const [model, list] of inline) for (const audit of list) audits.set(`${model}:${audit.name}`, audit)
  return audits
}

// The model name a file declares, read loosely so that a file that fails to parse still names the
// model it breaks (for the models reading it).
function declaredName(text: string): string | null {
  const match = /MODEL\s*\(\s*name\s+([A-Za-z0-9_.]+)/i.exec(text)
  return match === null ? null : match[1]!.toLowerCase()
}

// A Python model: `@model("schema.name", ...)` in models/**/*.py (SQLMesh concepts/models/python_models).
function pythonModelName(text: string, path: string): string {
  const match = /@model\(\s*(?:name\s*=\s*)?["']([^"']+)["']/.exec(text)
  return match === null
    ? path
        .replace(/^models\//, '')
        .replace(/\.py$/, '')
        .replaceAll('/', '.')
    : match[1]!.toLowerCase()
}

// external_models.yaml (or SQLMesh's older schema.yaml): a list of {name, description, columns}.
function loadExternals(root: string, collected: Collected): Map<string, ExternalModel> {
  const externals = new Map<string, ExternalModel>()
  const file = ['external_models.yaml', 'schema.yaml'].find((name) => existsSync(join(root, name)))
  if (file === undefined) return externals
  const lines = new LineCounter()
  const document = parseDocument(readFileSync(join(root, file), 'utf8'), { lineCounter: lines })
  const lineOf = (node: Node | null | undefined) => (node?.range ? lines.linePos(node.range[0]).line : 1)
  const fail = (node: Node | null | undefined, message: string) =>
    collected.problems.push({ path: file, model: null, message: `${file}:${lineOf(node)} ${message}` })
  const [error] = document.errors
  if (error !== undefined) {
    fail(null, `${error.message.split('\n')[0]}; fix the YAML`)
    return externals
  }
  if (document.contents === null) return externals
  if (!isSeq(document.contents)) {
    fail(document.contents, 'must be a list of tables: - name: schema.table, columns: {column: type}')
    return externals
  }
  for (const item of document.contents.items as Node[]) {
    if (!isMap(item)) {
      fail(item, 'each entry must be a mapping with name and columns')
      continue
    }
    const name = item.get('name')
    if (typeof name !== 'string' || !/^[A-Za-z_][\w]*\.[A-Za-z_][\w]*$/.test(name)) {
      fail(item, 'each entry needs name: schema.table')
      continue
    }
    const columnsNode = item.get('columns', true) as Node | undefined
    const columns: { name: string; type: string }[] = []
    if (columnsNode !== undefined && !isMap(columnsNode))
      fail(columnsNode, `columns of ${name} must map column: type`)
    else if (columnsNode !== undefined) {
      for (const pair of columnsNode.items) {
        const key = isScalar(pair.key) ? String(pair.key.value) : ''
        const type = isScalar(pair.value) ? String(pair.value.value) : ''
        if (key === '' || type === '') fail(pair.key as Node, `column of ${name} must be column: type`)
        else columns.push({ name: key.toLowerCase(), type })
      }
    }
    const description = item.get('description')
    externals.set(name.toLowerCase(), {
      name: name.toLowerCase(),
      description: typeof description === 'string' ? description : null,
      columns,
      line: lineOf(item),
    })
  }
  return externals
}

// An audit argument holding a macro must render like a query: an unknown macro is named at its line.
function checkAuditArguments(config: ProjectConfig, parsed: ParsedModel, source: string): void {
  const { model } = parsed
  for (const call of model.audits) {
    for (const value of Object.values(call.args)) {
      if (!value.includes('@')) continue
      const offset = source.indexOf(value, source.indexOf('audits'))
      renderWithEdits({
        variables: config.variables,
        model,
        context: placeholderContext,
        definitions: {},
        text: value,
        path: model.path,
        firstLine: offset === -1 ? (parsed.propertyLines.audits ?? 1) : lineAt(source, offset),
      })
    }
  }
}

// Renders and parses every query (one batched DuckDB round trip) and returns each model's
// references; a model whose query fails to render or parse is collected as broken.
async function inferReferences(
  config: ProjectConfig,
  parsedModels: readonly ParsedModel[],
  sources: ReadonlyMap<string, string>,
  collected: Collected,
) {
  // @STAR and @UNION read the declared columns (columns (...)) of the models they name.
  const declared = new Map(parsedModels.map(({ model }) => [model.name, model.columns ?? []]))
  const columnsOf = (relation: string) => {
    const columns = declared.get(relation)
    return columns === undefined || columns.length === 0 ? null : columns
  }
  const rendered = parsedModels.map(({ model }) => {
    try {
      return renderWithEdits({
        columnsOf,
        variables: config.variables,
        model,
        context: placeholderContext,
        definitions: {},
        text: model.query,
        path: model.path,
        firstLine: model.queryLine,
      })
    } catch (error) {
      collect(collected, model.path, model.name, error)
      return null
    }
  })
  const parsedQueries = await Promise.all(
    rendered.map((result, index) =>
      result === null || parsedModels[index]!.model.kind.name === 'SEED' ? null : parseQuery(result.text),
    ),
  )
  const references = new Map<string, ModelReference[]>()
  for (const [index, { model, queryOffset, propertyLines }] of parsedModels.entries()) {
    const result = rendered[index]
    if (result === null || result === undefined) continue
    const source = sources.get(model.name)!
    const fileOffset = (offset: number) => queryOffset + sourceOffset(result, offset)
    const parsed = parsedQueries[index]
    const list: ModelReference[] = model.dependsOn.map((name) => ({
      name,
      line: propertyLines.depends_on ?? 1,
      explicit: true,
    }))
    if (parsed !== null && parsed !== undefined && !parsed.ok) {
      const offset = fileOffset(parsed.position ?? 0)
      const where =
        parsed.position === null
          ? `${model.queryLine}`
          : `${lineAt(source, offset)}:${columnAt(source, offset)}`
      const problem =
        parsed.kind === 'syntax'
          ? `SQL syntax error: ${parsed.message}`
          : parseProblem({ ...parsed, position: null })
      const dialect =
        model.dialect !== undefined && model.dialect !== 'duckdb'
          ? `; the model says dialect ${model.dialect} and DuckDB cannot parse this query, rewrite it in DuckDB SQL`
          : '; fix the query'
      collect(
        collected,
        model.path,
        model.name,
        new MateriaError('model', `${model.path}:${where} ${problem}${dialect}`),
      )
      continue
    }
    for (const reference of parsed?.references ?? []) {
      const line = reference.start === null ? model.queryLine : lineAt(source, fileOffset(reference.start))
      list.push({ name: reference.name, line, explicit: false })
    }
    references.set(model.name, list)
  }
  return references
}

// Reads models/: every .sql file parsed on its own (a broken one is collected and the rest go on);
// .py files are Python models, which cannot run here.
function readModels(root: string, config: ProjectConfig, options: LoadOptions, collected: Collected) {
  const sources = new Map<string, string>() // by model: a blueprint's text differs from its file's
  const parsedModels: ParsedModel[] = []
  const inlineAudits = new Map<string, CustomAudit[]>()
  const python = new Map<string, string>() // model name -> path
  const warnings: string[] = []
  const byName = new Map<string, ParsedModel>()
  for (const path of projectFiles(root, join(root, 'models'), ['.sql', '.py'])) {
    const source = readSource(root, path)
    if (path.endsWith('.py')) {
      python.set(pythonModelName(source, path), path)
      continue
    }
    try {
      const { modelText, audits } = splitInlineAudits(source, path)
      // A file's blueprints load together or not at all: one broken variant leaves the file out.
      const fileModels: { parsed: ParsedModel; text: string }[] = []
      for (const text of expandBlueprints(modelText, path)) {
        const parsed = parseModelSource(text, path, { cron: config.modelDefaults.cron, now: options.now })
        warnings.push(...parsed.warnings)
        if (!parsed.enabled) continue // SQLMesh: `enabled false` leaves the model out of the project
        const earlier =
          byName.get(parsed.model.name) ??
          fileModels.find((m) => m.parsed.model.name === parsed.model.name)?.parsed
        if (earlier !== undefined) {
          throw new MateriaError(
            'dag',
            `duplicate model name ${parsed.model.name} in ${earlier.model.path} and ${path}; rename one of them`,
          )
        }
        const seedProblem = checkSeed(root, parsed)
        if (seedProblem !== null) throw new MateriaError('model', seedProblem)
        checkAuditArguments(config, parsed, text)
        fileModels.push({ parsed, text })
      }
      for (const { parsed, text } of fileModels) {
        byName.set(parsed.model.name, parsed)
        parsedModels.push(parsed)
        sources.set(parsed.model.name, text)
        if (audits.length > 0) inlineAudits.set(parsed.model.name, audits)
      }
    } catch (error) {
      collect(collected, path, declaredName(source), error)
    }
  }
  return { sources, parsedModels, inlineAudits, python, warnings }
}

// Leaves out every model that reads a left-out one (transitively), naming the first broken ancestor.
function excludeDependents(
  references: ReadonlyMap<string, readonly ModelReference[]>,
  broken: Map<string, string>,
): void {
  let changed = true
  while (changed) {
    changed = false
    for (const [name, list] of references) {
      if (broken.has(name)) continue
      const parent = list.find((reference) => reference.name !== name && broken.has(reference.name))
      if (parent === undefined) continue
      broken.set(name, `reads ${parent.name}, which cannot load: ${broken.get(parent.name)}`)
      changed = true
    }
  }
}

interface LoadReport {
  readonly project: Project
  readonly problems: readonly LoadProblem[]
  readonly warnings: readonly string[]
}

export async function loadProjectReport(root: string, options: LoadOptions = {}): Promise<LoadReport> {
  const absoluteRoot = resolve(root)
  const config = loadConfig(absoluteRoot, options.env ?? process.env)
  const collected: Collected = { problems: [], broken: new Map() }
  const { sources, parsedModels, inlineAudits, python, warnings } = readModels(
    absoluteRoot,
    config,
    options,
    collected,
  )
  const externals = loadExternals(absoluteRoot, collected)
  const audits = loadAudits(absoluteRoot, inlineAudits, collected)
  const references = await inferReferences(config, parsedModels, sources, collected)
  for (const [name, path] of python) {
    collected.broken.set(name, `Python model ${name} (${path}) is not supported`)
  }
  excludeDependents(references, collected.broken)
  for (const [name, path] of python) {
    const dependents = [...collected.broken.entries()]
      .filter(([dependent, reason]) => dependent !== name && reason.includes(`Python model ${name} (`))
      .map(([dependent]) => dependent)
      .sort()
    const list =
      dependents.length === 0
        ? 'no model depends on it'
        : `${dependents.length} model${dependents.length === 1 ? ' depends' : 's depend'} on it: ${dependents.join(', ')}`
    collected.problems.push({
      path,
      model: name,
      message: `${path}:1 Python model ${name} (${path}) is not supported; ${list}; rewrite it as a SQL model`,
    })
  }
  const readsItself = (model: Model) =>
    /@this_model\b/i.test(model.query) ||
    (references.get(model.name) ?? []).some((reference) => reference.name === model.name)
  const healthy = () =>
    new Map(
      parsedModels
        .map((parsed) => (readsItself(parsed.model) ? { ...parsed.model, readsItself: true } : parsed.model))
        .filter((model) => !collected.broken.has(model.name))
        .map((model) => [model.name, model] as const),
    )
  const sourceNames = new Set(externals.keys())
  const report = (model: string, message: string) => {
    const path = parsedModels.find((parsed) => parsed.model.name === model)?.model.path ?? ''
    collect(collected, path, model, new MateriaError('dag', message))
  }
  buildDag(healthy(), references, { report, sources: sourceNames })
  excludeDependents(references, collected.broken)
  const byName = healthy()
  const dag = buildDag(byName, references, { sources: sourceNames })
  const models = new Map<string, Model>([...byName.keys()].sort().map((name) => [name, byName.get(name)!]))
  const project: Project = {
    root: absoluteRoot,
    config,
    models,
    parents: dag.parents,
    children: dag.children,
    order: dag.order,
    audits,
    externals,
    problems: collected.problems,
    warnings,
    unavailable: collected.broken,
  }
  return { project, problems: collected.problems, warnings }
}

// Every problem of the project at once, one per line, then how many.
export function problemsText(problems: readonly LoadProblem[]): string {
  const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`
  return [
    ...problems.map((problem) => problem.message),
    `${count} in the project; fix them and run again`,
  ].join('\n')
}

export async function loadProject(root: string, options: LoadOptions = {}): Promise<Project> {
  const { project, problems } = await loadProjectReport(root, options)
  if (problems.length === 1) throw new MateriaError('model', problems[0]!.message)
  if (problems.length > 1) throw new MateriaError('model', problemsText(problems))
  return project
}
