// Macros, rendered before DuckDB sees a query (SQLMesh's names and semantics):
//   @start_ds @end_ds            '2024-01-01'                      (end inclusive, as SQLMesh)
//   @start_date @end_date        CAST('2024-01-01' AS DATE)
//   @start_ts @end_ts            '2024-01-01 00:00:00.000000' / '2024-01-01 23:59:59.999999'
//   @start_epoch @end_epoch      seconds since 1970 (end: the last microsecond of the interval)
//   @execution_ds @execution_ts  when the run was asked for
//   @this_model                  the model's own table (physical when the context resolves it)
//   @VAR('name', default)        materia.yaml variables (landing_dir included); strings as SQL literals
//   @DEF(name, value);  @name    local definitions
// Macros inside strings and comments are left alone. An unknown macro is an error naming file:line.
import { MateriaError } from '../errors.ts'
import { landingExpression } from './landing-runtime.ts'
import type { Model } from './model.ts'
import type { Project } from './project.ts'
import { rewriteTableReferences } from './sql-ast.ts'
import { isTrivia, sqlString, stringValue, type Token, tokenize } from './sql-tokens.ts'

export interface RenderContext {
  readonly start: Date
  readonly end: Date // exclusive
  readonly executionTime: Date
  readonly resolveTable?: (modelName: string) => string | null
  // @VAR('landing_dir') renders as the run-time macro instead of the folder (landing-runtime.ts):
  // for the SQL apply stores or runs against the project's database.
  readonly landingAtRuntime?: boolean
}

// One replaced span: where it was in the source text and where its replacement is in the output.
export interface RenderEdit {
  readonly sourceStart: number
  readonly sourceEnd: number
  readonly renderedStart: number
  readonly renderedEnd: number
}

export interface Rendered {
  readonly text: string
  readonly edits: readonly RenderEdit[]
}

type Variables = Readonly<Record<string, string | number | boolean | null>>

// Used where a query is rendered only to be read (dependencies, syntax, fingerprints): fixed so the
// result never depends on the clock.
export const placeholderContext: RenderContext = {
  start: new Date('2000-01-01T00:00:00Z'),
  end: new Date('2000-01-02T00:00:00Z'),
  executionTime: new Date('2000-01-02T00:00:00Z'),
}

export const builtinMacros = [
  'start_ds',
  'end_ds',
  'start_date',
  'end_date',
  'start_ts',
  'end_ts',
  'start_epoch',
  'end_epoch',
  'execution_ds',
  'execution_ts',
  'this_model',
] as const

// 'YYYY-MM-DD HH:MM:SS.ffffff' of a time in microseconds since 1970.
function timestampText(micros: number): string {
  const date = new Date(Math.floor(micros / 1000))
  const fraction = String(((micros % 1_000_000) + 1_000_000) % 1_000_000).padStart(6, '0')
  return `${date.toISOString().slice(0, 10)} ${date.toISOString().slice(11, 19)}.${fraction}`
}

// Rendering a whole project uses one context for every model: compute its macros once.
const timeMacrosCache = new WeakMap<RenderContext, Readonly<Record<string, string>>>()

export function timeMacros(context: RenderContext): Readonly<Record<string, string>> {
  const cached = timeMacrosCache.get(context)
  if (cached !== undefined) return cached
  const computed = computeTimeMacros(context)
  timeMacrosCache.set(context, computed)
  return computed
}

function computeTimeMacros(context: RenderContext): Record<string, string> {
  if (!(context.end.getTime() > context.start.getTime()))
    throw new Error('assertion failed: render interval end after start')
  const startMicros = context.start.getTime() * 1000
  const endMicros = context.end.getTime() * 1000 - 1 // inclusive end: the last microsecond
  const startTs = timestampText(startMicros)
  const endTs = timestampText(endMicros)
  const executionTs = timestampText(context.executionTime.getTime() * 1000)
  return {
    start_ds: sqlString(startTs.slice(0, 10)),
    end_ds: sqlString(endTs.slice(0, 10)),
    start_date: `CAST(${sqlString(startTs.slice(0, 10))} AS DATE)`,
    end_date: `CAST(${sqlString(endTs.slice(0, 10))} AS DATE)`,
    start_ts: sqlString(startTs),
    end_ts: sqlString(endTs),
    start_epoch: (startMicros / 1e6).toFixed(6),
    end_epoch: (endMicros / 1e6).toFixed(6),
    execution_ds: sqlString(executionTs.slice(0, 10)),
    execution_ts: sqlString(executionTs),
  }
}

export function variableLiteral(value: string | number | boolean | null): string {
  if (value === null) return 'NULL'
  if (typeof value === 'string') return sqlString(value)
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  return String(value)
}

// The arguments of a macro call at tokens[open] (an opening parenthesis): token lists split on
// top-level commas, and the index of the closing parenthesis.
function callArguments(
  tokens: readonly Token[],
  open: number,
  fail: (token: Token, message: string) => never,
) {
  const args: Token[][] = [[]]
  let depth = 0
  for (let index = open; index < tokens.length; index += 1) {
    const token = tokens[index]!
    if (token.text === '(') depth += 1
    if (token.text === ')') depth -= 1
    if (depth === 0) return { args: args.map((arg) => arg.filter((t) => !isTrivia(t))), close: index }
    if (index === open) continue
    if (token.text === ',' && depth === 1) args.push([])
    else args.at(-1)!.push(token)
  }
  return fail(tokens[open]!, 'macro call never closes its parenthesis; add the matching )')
}

function nextSignificant(tokens: readonly Token[], index: number): number {
  let cursor = index
  while (cursor < tokens.length && isTrivia(tokens[cursor]!)) cursor += 1
  return cursor
}

interface RenderInput {
  readonly variables: Variables
  readonly model: Model
  readonly context: RenderContext
  readonly definitions: Readonly<Record<string, string>>
  readonly text: string
  readonly path: string
  readonly firstLine: number
}

interface Expansion {
  readonly replacement: string
  readonly last: number // index of the last token the macro call spans
}

type Fail = (token: Token, message: string) => never

// @DEF(name, value); -> nothing; defines @name (its value rendered now, with the macros before it).
function expandDefinition(
  input: RenderInput,
  tokens: readonly Token[],
  index: number,
  values: Record<string, string>,
  fail: Fail,
): Expansion {
  const token = tokens[index]!
  const open = nextSignificant(tokens, index + 1)
  if (tokens[open]?.text !== '(')
    return fail(token, '@DEF needs arguments in parentheses: @DEF(name, value);')
  const { args, close } = callArguments(tokens, open, fail)
  const [name, value] = args
  if (
    name?.length !== 1 ||
    name[0]!.kind !== 'word' ||
    value === undefined ||
    value.length === 0 ||
    args.length > 2
  ) {
    return fail(token, '@DEF takes a name and a value: @DEF(name, value);')
  }
  const text = input.text.slice(value[0]!.start, value.at(-1)!.end)
  values[name[0]!.text.toLowerCase()] = renderWithEdits({
    ...input,
    text,
    firstLine: value[0]!.line,
    definitions: values,
  }).text
  const semicolon = nextSignificant(tokens, close + 1)
  return { replacement: '', last: tokens[semicolon]?.text === ';' ? semicolon : close }
}

// @VAR('name', default) -> the variable as a SQL literal, else the default as written.
function expandVariable(input: RenderInput, tokens: readonly Token[], index: number, fail: Fail): Expansion {
  const token = tokens[index]!
  const open = nextSignificant(tokens, index + 1)
  const usage = "@VAR takes a quoted name and an optional default: @VAR('name', default)"
  if (tokens[open]?.text !== '(') return fail(token, usage)
  const { args, close } = callArguments(tokens, open, fail)
  const [name, fallback] = args
  if (name?.length !== 1 || name[0]!.kind !== 'string' || args.length > 2) return fail(token, usage)
  const variable = stringValue(name[0]!).toLowerCase()
  if (variable === 'landing_dir' && input.context.landingAtRuntime === true)
    return { replacement: landingExpression, last: close }
  const value = input.variables[variable]
  if (value !== undefined) return { replacement: variableLiteral(value), last: close }
  if (fallback !== undefined && fallback.length > 0) {
    return { replacement: input.text.slice(fallback[0]!.start, fallback.at(-1)!.end), last: close }
  }
  return fail(
    token,
    `unknown variable '${variable}'; add it under variables: in materia.yaml or give a default`,
  )
}

export function renderWithEdits(input: RenderInput): Rendered {
  // Most queries hold no macro at all; an '@' anywhere (even in a string) takes the full path.
  if (!input.text.includes('@')) return { text: input.text, edits: [] }
  const tokens = tokenize(input.text, input.path, input.firstLine)
  const fail: Fail = (token, message) => {
    throw new MateriaError('model', `${input.path}:${token.line} ${message}`)
  }
  const values: Record<string, string> = { ...timeMacros(input.context), ...input.definitions }
  values.this_model = input.context.resolveTable?.(input.model.name) ?? input.model.name
  let output = ''
  const edits: RenderEdit[] = []
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!
    if (token.kind !== 'macro') {
      output += token.text
      continue
    }
    const name = token.text.slice(1).toLowerCase()
    let expansion: Expansion
    if (name === 'def') expansion = expandDefinition(input, tokens, index, values, fail)
    else if (name === 'var') expansion = expandVariable(input, tokens, index, fail)
    else if (values[name] !== undefined) expansion = { replacement: values[name]!, last: index }
    else
      return fail(
        token,
        `unknown macro ${token.text}; use @${builtinMacros.join(' | @')} | @VAR('name') or a name defined with @DEF`,
      )
    const { replacement, last } = expansion
    edits.push({
      sourceStart: token.start,
      sourceEnd: tokens[last]!.end,
      renderedStart: output.length,
      renderedEnd: output.length + replacement.length,
    })
    output += replacement
    index = last
  }
  return { text: output, edits }
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
  }).text
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
