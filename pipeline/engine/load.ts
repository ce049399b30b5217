// Loads a transform project: materia.yaml, every models/**/*.sql, audits/*.sql. Each query is
// rendered with a fixed placeholder interval and parsed by DuckDB (all in one batched round trip)
// to check its syntax and infer what it reads; depends_on adds to that. The result is plain data,
// validated: any bad input is one MateriaError naming the file and line.
import { closeSync, existsSync, openSync, readdirSync, readFileSync, readSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { MateriaError } from '../errors.ts'
import { modelFileBytesMax, modelsMax } from '../limits.ts'
import { parseAuditFile } from './audit-parser.ts'
import { loadConfig } from './config.ts'
import { buildDag, indexModels, type ModelReference } from './dag.ts'
import type { Model } from './model.ts'
import { type ParsedModel, parseModelSource } from './model-parser.ts'
import type { CustomAudit, Project, ProjectConfig } from './project.ts'
import { placeholderContext, renderWithEdits, sourceOffset } from './render.ts'
import { parseProblem, parseQuery } from './sql-ast.ts'
import { columnAt, lineAt } from './sql-tokens.ts'

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv
}

// Every *.sql file under dir, as paths relative to root with forward slashes, sorted.
function sqlFiles(root: string, dir: string): string[] {
  if (!existsSync(dir)) return []
  const files: string[] = []
  const pending = [dir]
  while (pending.length > 0) {
    const current = pending.pop()!
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name)
      if (entry.isDirectory()) pending.push(path)
      else if (entry.isFile() && entry.name.endsWith('.sql'))
        files.push(relative(root, path).split('\\').join('/'))
      if (files.length > modelsMax) {
        throw new MateriaError(
          'limit',
          `more than ${modelsMax} .sql files under ${relative(root, dir)} (modelsMax); is a generator loose?`,
        )
      }
    }
  }
  return files.sort()
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

function checkSeed(root: string, parsed: ParsedModel): void {
  const { model } = parsed
  const seedPath = seedFilePath(root, model)
  if (model.kind.name !== 'SEED' || seedPath === null) return
  if (!existsSync(seedPath)) {
    const line = parsed.propertyLines.kind ?? 1
    throw new MateriaError(
      'model',
      `${model.path}:${line} seed file not found: ${relative(root, seedPath)}; the SEED path '${model.kind.path}' is relative to the model file`,
    )
  }
  const problem = seedFileProblem(seedPath)
  if (problem !== null) {
    throw new MateriaError(
      'model',
      `${relative(root, seedPath)}: seed file of ${model.name} ${problem}; add its rows (a header line, then one line per row)`,
    )
  }
}

// A seed without data rows would rebuild every downstream model from nothing. null: it has rows.
// The first seedProbeBytes are enough to see a header and a first row; apply counts the rows anyway.
const seedProbeBytes = 1 << 20

export function seedFileProblem(path: string): string | null {
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

function loadAudits(root: string): Map<string, CustomAudit> {
  const audits = new Map<string, CustomAudit>()
  for (const path of sqlFiles(root, join(root, 'audits'))) {
    const audit = parseAuditFile(readSource(root, path), path)
    const earlier = audits.get(audit.name)
    if (earlier !== undefined) {
      throw new MateriaError(
        'model',
        `duplicate audit name ${audit.name} in ${earlier.path} and ${audit.path}; rename one of them`,
      )
    }
    audits.set(audit.name, audit)
  }
  return audits
}

// Renders and parses every query (one batched DuckDB round trip) and returns each model's references.
async function inferReferences(
  config: ProjectConfig,
  parsedModels: readonly ParsedModel[],
  sources: ReadonlyMap<string, string>,
) {
  const rendered = parsedModels.map(({ model }) =>
    renderWithEdits({
      variables: config.variables,
      model,
      context: placeholderContext,
      definitions: {},
      text: model.query,
      path: model.path,
      firstLine: model.queryLine,
    }),
  )
  const parsedQueries = await Promise.all(
    rendered.map((result, index) =>
      parsedModels[index]!.model.kind.name === 'SEED' ? null : parseQuery(result.text),
    ),
  )
  const references = new Map<string, ModelReference[]>()
  for (const [index, { model, queryOffset, propertyLines }] of parsedModels.entries()) {
    const source = sources.get(model.path)!
    const fileOffset = (offset: number) => queryOffset + sourceOffset(rendered[index]!, offset)
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
      throw new MateriaError('model', `${model.path}:${where} ${problem}; fix the query`)
    }
    for (const reference of parsed?.references ?? []) {
      const line = reference.start === null ? model.queryLine : lineAt(source, fileOffset(reference.start))
      list.push({ name: reference.name, line, explicit: false })
    }
    references.set(model.name, list)
  }
  return references
}

export async function loadProject(root: string, options: LoadOptions = {}): Promise<Project> {
  const absoluteRoot = resolve(root)
  const config = loadConfig(absoluteRoot, options.env ?? process.env)
  const sources = new Map<string, string>()
  const parsedModels: ParsedModel[] = []
  for (const path of sqlFiles(absoluteRoot, join(absoluteRoot, 'models'))) {
    const source = readSource(absoluteRoot, path)
    sources.set(path, source)
    parsedModels.push(parseModelSource(source, path, { cron: config.modelDefaults.cron }))
  }
  const byName = indexModels(parsedModels.map((parsed) => parsed.model))
  for (const parsed of parsedModels) checkSeed(absoluteRoot, parsed)
  const audits = loadAudits(absoluteRoot)
  const references = await inferReferences(config, parsedModels, sources)
  const dag = buildDag(byName, references)
  const models = new Map<string, Model>([...byName.keys()].sort().map((name) => [name, byName.get(name)!]))
  return {
    root: absoluteRoot,
    config,
    models,
    parents: dag.parents,
    children: dag.children,
    order: dag.order,
    audits,
  }
}
