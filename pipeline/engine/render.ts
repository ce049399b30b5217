// Macros, rendered before DuckDB sees a query (SQLMesh's names and semantics, macro_variables.md):
//   @{start,end,execution}_ds      '2024-01-01'                      (end inclusive, as SQLMesh)
//   ..._date                       CAST('2024-01-01' AS DATE)
//   ..._ts                         '2024-01-01 00:00:00.000000' / '2024-01-01 23:59:59.999999'
//   ..._dt ..._dtntz               CAST('2024-01-01 00:00:00.000000' AS TIMESTAMP)
//   ..._tstz                       '2024-01-01 00:00:00.000000+00:00'
//   ..._hour                       0-23
//   ..._epoch ..._millis           seconds / milliseconds since 1970 (end: the interval's last microsecond)
//   @this_model                    the model's own table (physical when the context resolves it)
//   @runtime_stage @gateway @model_kind_name
//   @VAR('name', default), @name   materia.yaml variables (landing_dir included); strings as SQL literals
//   @DEF(name, value);  @name      local definitions; @DEF(f, x -> ...) defines a function
// and the operators of macro-engine.ts. Macros inside strings and comments are left alone. An
// unknown macro is an error naming file:line.
import { MateriaError } from '../errors.ts'
import { landingExpression } from './landing-runtime.ts'
import { createMacroEngine, type Rendered } from './macro-engine.ts'
import type { Model, ModelColumn } from './model.ts'
import type { Project } from './project.ts'
import { rewriteTableReferences } from './sql-ast.ts'
import { quoteLiteral } from './sql-quote.ts'

export type { RenderEdit, Rendered } from './macro-engine.ts'

// SQLMesh's runtime stages (macro_variables.md, @runtime_stage).
type RuntimeStage = 'loading' | 'creating' | 'evaluating' | 'promoting' | 'auditing' | 'testing'

export interface RenderContext {
  readonly start: Date
  readonly end: Date // exclusive
  readonly executionTime: Date
  readonly resolveTable?: (modelName: string) => string | null
  readonly runtimeStage?: RuntimeStage // default 'evaluating'
  // @VAR('landing_dir') renders as the run-time macro instead of the folder (landing-runtime.ts):
  // for the SQL apply stores or runs against the project's database.
  readonly landingAtRuntime?: boolean
}

type Variables = Readonly<Record<string, string | number | boolean | null>>

// Used where a query is rendered only to be read (dependencies, syntax, fingerprints): fixed so the
// result never depends on the clock.
export const placeholderContext: RenderContext = {
  start: new Date('2000-01-01T00:00:00Z'),
  end: new Date('2000-01-02T00:00:00Z'),
  executionTime: new Date('2000-01-02T00:00:00Z'),
  runtimeStage: 'loading',
}

const timePrefixes = ['start', 'end', 'execution'] as const
const timeSuffixes = ['ds', 'date', 'ts', 'dt', 'dtntz', 'tstz', 'hour', 'epoch', 'millis'] as const

const builtinMacros = [
  ...timePrefixes.flatMap((prefix) => timeSuffixes.map((suffix) => `${prefix}_${suffix}`)),
  'this_model',
  'runtime_stage',
  'gateway',
  'model_kind_name',
] as const

// 'YYYY-MM-DD HH:MM:SS.ffffff' of a time in microseconds since 1970.
function timestampText(micros: number): string {
  const date = new Date(Math.floor(micros / 1000))
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0')
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}.${fraction}`
}

// Rendering a whole project uses one context for every model: compute its macros once.
const timeMacrosCache = new WeakMap<RenderContext, Readonly<Record<string, string>>>()

function timeMacros(context: RenderContext): Readonly<Record<string, string>> {
  const cached = timeMacrosCache.get(context)
  if (cached !== undefined) return cached
  const computed = computeTimeMacros(context)
  timeMacrosCache.set(context, computed)
  return computed
}

function instantMacros(prefix: string, micros: number, epochText: string): Record<string, string> {
  const text = timestampText(micros)
  const timestamp = `CAST(${quoteLiteral(text)} AS TIMESTAMP)`
  return {
    [`${prefix}_ds`]: quoteLiteral(text.slice(0, 10)),
    [`${prefix}_date`]: `CAST(${quoteLiteral(text.slice(0, 10))} AS DATE)`,
    [`${prefix}_ts`]: quoteLiteral(text),
    [`${prefix}_dt`]: timestamp,
    [`${prefix}_dtntz`]: timestamp,
    [`${prefix}_tstz`]: quoteLiteral(`${text}+00:00`),
    [`${prefix}_hour`]: String(Number(text.slice(11, 13))),
    [`${prefix}_epoch`]: epochText,
    [`${prefix}_millis`]: String(Math.floor(micros / 1000)),
  }
}

function computeTimeMacros(context: RenderContext): Record<string, string> {
  if (!(context.end.getTime() > context.start.getTime()))
    throw new Error('assertion failed: render interval end after start')
  const startMicros = context.start.getTime() * 1000
  const endMicros = context.end.getTime() * 1000 - 1 // inclusive end: the last microsecond
  const executionMicros = context.executionTime.getTime() * 1000
  return {
    ...instantMacros('start', startMicros, (startMicros / 1e6).toFixed(6)),
    ...instantMacros('end', endMicros, (endMicros / 1e6).toFixed(6)),
    ...instantMacros('execution', executionMicros, String(Math.floor(executionMicros / 1e6))),
  }
}

function variableLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'NULL'
  if (typeof value === 'string') return quoteLiteral(value)
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  return String(value)
}

interface RenderInput {
  readonly variables: Variables
  readonly model: Model
  readonly context: RenderContext
  readonly definitions: Readonly<Record<string, string>>
  readonly text: string
  readonly path: string
  readonly firstLine: number
  readonly gateway?: string
  readonly columnsOf?: (relation: string) => readonly ModelColumn[] | null
}

const knownNames = `@${builtinMacros.join(' | @')} | @VAR('name') | @EACH | @IF | @REDUCE | @FILTER | @EVAL | @SQL | @STAR | @UNION | @GENERATE_SURROGATE_KEY | @SAFE_ADD | @SAFE_SUB | @SAFE_DIV | @AND | @OR | @HAVERSINE_DISTANCE | @PIVOT | @DEDUPLICATE | @DATE_SPINE | @WITH | @JOIN | @WHERE | @GROUP_BY | @HAVING | @ORDER_BY | @LIMIT`

export function renderWithEdits(input: RenderInput): Rendered {
  // Most queries hold no macro at all; an '@' anywhere (even in a string) takes the full path.
  if (!input.text.includes('@') && !input.text.includes('{')) return { text: input.text, edits: [] }
  const variables: Record<string, string> = {}
  for (const [name, value] of Object.entries(input.variables)) variables[name] = variableLiteral(value)
  if (input.context.landingAtRuntime === true) variables.landing_dir = landingExpression
  // Precedence, lowest first (sqlmesh_macros.md): global variables, predefined ones, then local @DEFs.
  const values: Record<string, string> = { ...variables, ...timeMacros(input.context) }
  values.this_model = input.context.resolveTable?.(input.model.name) ?? input.model.name
  values.runtime_stage = quoteLiteral(input.context.runtimeStage ?? 'evaluating')
  values.gateway = quoteLiteral(input.gateway ?? 'local')
  values.model_kind_name = quoteLiteral(input.model.kind.name)
  Object.assign(values, input.definitions)
  const declared = (relation: string) => {
    if (relation === input.model.name && input.model.columns !== undefined && input.model.columns.length > 0)
      return input.model.columns
    return null
  }
  const engine = createMacroEngine({
    path: input.path,
    values,
    variables,
    columnsOf: (relation) => input.columnsOf?.(relation) ?? declared(relation),
    knownNames,
  })
  return engine.render(input.text, input.firstLine)
}

// The source offset of an offset in rendered text (inside a replacement: the macro's start).
export function sourceOffset(rendered: Rendered, offset: number): number {
  let result = offset
  for (const edit of rendered.edits) {
    if (offset < edit.renderedStart) break
    if (offset < edit.renderedEnd) return edit.sourceStart
    result = edit.sourceEnd + (offset - edit.renderedEnd)
  }
  return result
}

// Renders the model's query (or `text`, e.g. an audit query run against the model). `definitions`
// adds @name values (SQL text), e.g. an audit's arguments.
export function renderMacros(
  project: Project,
  model: Model,
  context: RenderContext,
  text?: string,
  definitions: Readonly<Record<string, string>> = {},
): string {
  const ownQuery = text === undefined
  return renderWithEdits({
    variables: project.config.variables,
    model,
    context,
    definitions,
    text: ownQuery ? model.query : text,
    // Lines of a given text are its own, not the model file's: say so in messages.
    path: ownQuery ? model.path : `text rendered for ${model.name}, line`,
    firstLine: ownQuery ? model.queryLine : 1,
    gateway: project.config.defaultGateway,
    columnsOf: (relation) => declaredColumns(project, relation),
  }).text
}

// The declared `columns (...)` of a model, for @STAR and @UNION; null when it declares none.
function declaredColumns(project: Project, relation: string): readonly ModelColumn[] | null {
  const columns = project.models.get(relation)?.columns
  return columns === undefined || columns.length === 0 ? null : columns
}

// Macros, then model references rewritten through context.resolveTable (references to anything
// that is not a model stay as written).
export async function renderModelQuery(
  project: Project,
  modelName: string,
  context: RenderContext,
): Promise<string> {
  const model = project.models.get(modelName)
  if (model === undefined)
    throw new MateriaError('model', `unknown model ${modelName}; run materia dag for the list`)
  const rendered = renderMacros(project, model, context)
  const resolve = context.resolveTable
  if (resolve === undefined || model.kind.name === 'SEED') return rendered
  return rewriteTableReferences(rendered, (reference) =>
    project.models.has(reference) ? resolve(reference) : null,
  )
}
