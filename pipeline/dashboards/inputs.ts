// Input components (Dropdown, ButtonGroup, Slider, DateRange, TextInput) and the queries that read
// them. A static page has no server at view time, so a query reading `${inputs.x.value}` runs at
// build time once per value the input can take, and the browser picks the result of the current
// choice. That needs a finite set of values: a Dropdown's or ButtonGroup's options, a Slider's
// steps, a DateRange's dates. A TextInput is free text: its WHERE conditions are applied in the
// browser to the rows of the query run without them (text-filter.ts).
import { dashboardInputVariantsMax } from '../limits.ts'
import type { Cell } from './format.ts'
import type { ComponentNode, PageIssue, PageNode, PropValue } from './page.ts'
import { type InputQuery, type QueryResult, type QueryRunner, runOne, substituteInputs } from './query.ts'
import { relaxTextFilters, type TextFilter } from './text-filter.ts'

export type InputType = 'Dropdown' | 'ButtonGroup' | 'Slider' | 'DateRange' | 'TextInput'
export const inputTypes: readonly string[] = ['Dropdown', 'ButtonGroup', 'Slider', 'DateRange', 'TextInput']

export interface InputOption {
  readonly value: string
  readonly label: string
}

export interface InputDefinition {
  readonly name: string
  readonly type: InputType
  readonly line: number
  readonly options: readonly InputOption[] // Dropdown, ButtonGroup, DateRange: the values offered
  readonly defaults: Readonly<Record<string, string>> // field -> value when the page opens
  readonly domains: Readonly<Record<string, readonly string[]>> // field -> every value; none for TextInput
}

/**
 * The result of a query that reads inputs: one result per combination of the finite inputs' values,
 * each to be filtered in the browser by the TextInputs' conditions.
 */
export interface VariantResult {
  readonly inputKeys: readonly string[] // "name.field" of the finite inputs, sorted
  readonly variants: ReadonlyMap<string, QueryResult> // variantKey(values) -> result
  readonly defaultKey: string
  readonly filters: readonly TextFilter[] // TextInput conditions, applied to every variant
}

/** The key the browser computes too: JSON of the values in inputKeys order. */
export function variantKey(values: readonly string[]): string {
  return JSON.stringify(values)
}

export function inputComponents(nodes: readonly PageNode[]): ComponentNode[] {
  return nodes.flatMap((node): ComponentNode[] => {
    if (node.kind === 'component') return inputTypes.includes(node.name) ? [node] : []
    if (node.kind === 'if') return node.branches.flatMap((branch) => inputComponents(branch.nodes))
    if (node.kind === 'each' || node.kind === 'container') return inputComponents(node.nodes)
    return []
  })
}

function text(props: ReadonlyMap<string, PropValue>, name: string): string | undefined {
  const value = props.get(name)
  return value?.kind === 'text' ? value.text : value?.kind === 'flag' ? 'true' : undefined
}

function columnValues(
  node: ComponentNode,
  column: string,
  results: ReadonlyMap<string, QueryResult>,
): Cell[] | null {
  const data = node.props.get('data')
  if (data?.kind !== 'reference') return null
  const result = results.get(data.name)
  const index = result?.columns.indexOf(column) ?? -1
  if (result === undefined || index === -1) return null
  return [...new Set(result.values[index]!.filter((value) => value !== null))]
}

/**
 * Reads each input's values from its props and the page's (input-free) query results. Problems
 * with the component itself are left to validation; this only reports what makes values unknown.
 */
export function defineInputs(
  nodes: readonly ComponentNode[],
  results: ReadonlyMap<string, QueryResult>,
): { inputs: Map<string, InputDefinition>; issues: PageIssue[] } {
  const inputs = new Map<string, InputDefinition>()
  const issues: PageIssue[] = []
  for (const node of nodes) {
    const name = text(node.props, 'name')
    if (name === undefined) continue // validation reports the missing name
    if (inputs.has(name)) {
      issues.push({
        line: node.line,
        message: `an input named "${name}" is already on this page; names must be unique`,
      })
      continue
    }
    const definition = defineInput(node, name, results)
    if (definition !== null) inputs.set(name, definition)
  }
  return { inputs, issues }
}

function defineInput(
  node: ComponentNode,
  name: string,
  results: ReadonlyMap<string, QueryResult>,
): InputDefinition | null {
  const type = node.name as InputType
  const base = { name, type, line: node.line }
  const fallback = text(node.props, 'defaultValue')
  if (type === 'TextInput') return { ...base, options: [], defaults: { value: fallback ?? '' }, domains: {} }
  if (type === 'Slider') {
    const min = Number(text(node.props, 'min') ?? 0)
    const max = Number(text(node.props, 'max') ?? 100)
    const step = Number(text(node.props, 'step') ?? 1)
    if (![min, max, step].every(Number.isFinite) || step <= 0 || max < min) return null
    const count = Math.floor((max - min) / step + 1e-9) + 1
    if (count > dashboardInputVariantsMax) return null
    const values = Array.from({ length: count }, (_, index) => String(+(min + index * step).toFixed(10)))
    const start = fallback !== undefined && values.includes(fallback) ? fallback : values[0]!
    return { ...base, options: [], defaults: { value: start }, domains: { value: values } }
  }
  const options = optionsOf(node, type, results)
  if (options === null || options.length === 0) return null
  const values = options.map((option) => option.value)
  if (type === 'DateRange') {
    return {
      ...base,
      options,
      defaults: { start: values[0]!, end: values.at(-1)! },
      domains: { start: values, end: values },
    }
  }
  const first = fallback !== undefined && values.includes(fallback) ? fallback : values[0]!
  return { ...base, options, defaults: { value: first }, domains: { value: values } }
}

function optionsOf(
  node: ComponentNode,
  type: InputType,
  results: ReadonlyMap<string, QueryResult>,
): InputOption[] | null {
  if (type === 'ButtonGroup' && node.children.length > 0) {
    return node.children.map((child) => {
      const value = text(child.props, 'value') ?? ''
      return { value, label: text(child.props, 'valueLabel') ?? value }
    })
  }
  const column = text(node.props, type === 'DateRange' ? 'dates' : 'value')
  if (column === undefined) return null
  const cells = columnValues(node, column, results)
  if (cells === null) return null
  if (type === 'DateRange')
    cells.sort((left, right) => (String(left) < String(right) ? -1 : String(left) > String(right) ? 1 : 0))
  return cells.map((cell) => ({ value: String(cell), label: String(cell) }))
}

/** Every combination of the inputs' values, DateRange start never after its end. */
export function combinations(
  inputKeys: readonly string[],
  inputs: ReadonlyMap<string, InputDefinition>,
): string[][] {
  let rows: string[][] = [[]]
  for (const key of inputKeys) {
    const [name, field] = key.split('.') as [string, string]
    const domain = inputs.get(name)!.domains[field]!
    rows = rows.flatMap((row) => domain.map((value) => [...row, value]))
    if (rows.length > dashboardInputVariantsMax) return rows
  }
  return rows.filter((row) => {
    for (const [position, key] of inputKeys.entries()) {
      const [name, field] = key.split('.') as [string, string]
      const endAt = inputKeys.indexOf(`${name}.end`)
      if (field === 'start' && endAt !== -1) {
        const domain = inputs.get(name)!.domains.start!
        if (domain.indexOf(row[position]!) > domain.indexOf(row[endAt]!)) return false
      }
    }
    return true
  })
}

/** Runs each input-reading query once per combination; issues name the query's line. */
export async function runInputQueries(
  inputQueries: readonly InputQuery[],
  inputs: ReadonlyMap<string, InputDefinition>,
  run: QueryRunner,
): Promise<{ variants: Map<string, VariantResult>; issues: PageIssue[] }> {
  const variants = new Map<string, VariantResult>()
  const issues: PageIssue[] = []
  for (const inputQuery of inputQueries) {
    const { query, inputKeys } = inputQuery
    const problem = inputProblem(query.name, inputKeys, inputs)
    if (problem !== null) {
      issues.push({ line: query.line, message: problem })
      continue
    }
    const isText = (key: string) => inputs.get(key.split('.')[0]!)!.type === 'TextInput'
    const finiteKeys = inputKeys.filter((key) => !isText(key))
    const textInputs = new Set(inputKeys.filter(isText).map((key) => key.split('.')[0]!))
    const rows = combinations(finiteKeys, inputs)
    if (rows.length > dashboardInputVariantsMax) {
      issues.push({
        line: query.line,
        message: `query "${query.name}" would run for over dashboardInputVariantsMax (${dashboardInputVariantsMax}) combinations of ${finiteKeys.join(', ')}; offer fewer values`,
      })
      continue
    }
    const outcome = await runVariants(inputQuery, finiteKeys, textInputs, rows, run)
    if ('message' in outcome) {
      issues.push(outcome)
      continue
    }
    const defaults = finiteKeys.map((key) => {
      const [name, field] = key.split('.') as [string, string]
      return inputs.get(name)!.defaults[field]!
    })
    variants.set(query.name, { ...outcome, inputKeys: finiteKeys, defaultKey: variantKey(defaults) })
  }
  return { variants, issues }
}

async function runVariants(
  { query, sql }: InputQuery,
  finiteKeys: readonly string[],
  textInputs: ReadonlySet<string>,
  rows: readonly string[][],
  run: QueryRunner,
): Promise<{ variants: Map<string, QueryResult>; filters: TextFilter[] } | PageIssue> {
  const results = new Map<string, QueryResult>()
  let filters: TextFilter[] = []
  for (const row of rows) {
    let variantSql = substituteInputs(sql, new Map(finiteKeys.map((key, at) => [key, row[at]!])))
    if (textInputs.size > 0) {
      const relaxed = await relaxTextFilters(variantSql, textInputs)
      if (typeof relaxed === 'string')
        return { line: query.line, message: `query "${query.name}": ${relaxed}` }
      variantSql = relaxed.sql
      filters = relaxed.filters
    }
    const outcome = await runOne(query, variantSql, run)
    const given = finiteKeys.map((key, at) => `${key}=${row[at]}`).join(', ')
    if ('message' in outcome) {
      return {
        line: outcome.line,
        message: given === '' ? outcome.message : `${outcome.message} (with ${given})`,
      }
    }
    const missing = filters.find((filter) => !outcome.columns.includes(filter.column))
    if (missing !== undefined) {
      return {
        line: query.line,
        message: `query "${query.name}" filters ${missing.column} by a TextInput in the browser, so it must select ${missing.column} too (it selects ${outcome.columns.join(', ')})`,
      }
    }
    results.set(variantKey(row), outcome)
  }
  return { variants: results, filters }
}

function inputProblem(
  queryName: string,
  inputKeys: readonly string[],
  inputs: ReadonlyMap<string, InputDefinition>,
): string | null {
  for (const key of inputKeys) {
    const [name, field] = key.split('.') as [string, string]
    const input = inputs.get(name)
    if (input === undefined) {
      const known = [...inputs.keys()].join(', ') || 'none on this page'
      return `query "${queryName}" reads \${inputs.${key}}, but no input is named "${name}" (inputs: ${known}), or its values could not be read`
    }
    if (input.type === 'TextInput') {
      if (field === 'value') continue
      return `query "${queryName}" reads \${inputs.${key}}; a TextInput has value`
    }
    if (input.domains[field] === undefined) {
      const fields = Object.keys(input.domains).join(', ')
      return `query "${queryName}" reads \${inputs.${key}}; a ${input.type} has ${fields}`
    }
  }
  return null
}
