// Renders a parsed page to an HTML fragment plus the compact data the browser script draws from.
// Queries run first (those reading inputs once per input value); then every node renders in order,
// {#if} and {#each} decided here at build time. Issues render in place (red alerts naming the line)
// so a preview shows them where they are; a build refuses any page with issues.
import MarkdownIt from 'markdown-it'
import { parseAttributes } from './component-parse.ts'
import type { ComponentName } from './components.ts'
import type { Scope } from './expression.ts'
import { EvaluationError, evaluate, parseExpression, rootNames } from './expression.ts'
import { type Cell, formatCell } from './format.ts'
import { escapeHtml } from './html.ts'
import {
  defineInputs,
  type InputDefinition,
  inputComponents,
  runInputQueries,
  type VariantResult,
} from './inputs.ts'
import type {
  ComponentNode,
  ContainerName,
  ContainerNode,
  Page,
  PageIssue,
  PageNode,
  PropValue,
} from './page.ts'
import { type QueryResult, type QueryRunner, runQueries } from './query.ts'
import { renderAlert, renderComponentShell, renderDropdown, renderInput } from './render-component.ts'
import { type LiveText, renderExpressions } from './text.ts'
import { applyTextFilters, type TextFilter } from './text-filter.ts'
import { validateComponent } from './validate.ts'
import { unmatchedReason, worldMap } from './world-map.ts'

export interface ComponentData {
  readonly id: string
  readonly type: ComponentName
  readonly data: string | null
  readonly props: Readonly<Record<string, string>>
  readonly columns: ReadonlyArray<Readonly<Record<string, string>>> // DataTable <Column>s
}

type Columns = QueryResult['values']

export type EmbeddedQuery =
  | { readonly columns: readonly string[]; readonly values: Columns }
  | {
      readonly columns: readonly string[]
      readonly inputs: readonly string[]
      readonly variants: Readonly<Record<string, Columns>>
      readonly filters: readonly TextFilter[] // TextInput conditions the browser applies
    }

export interface EmbeddedInput {
  readonly name: string
  readonly type: string
  readonly id: string
  readonly defaults: Readonly<Record<string, string>>
}

export type EmbeddedText = LiveText & { readonly id: string }

export interface PagePayload {
  readonly queries: Readonly<Record<string, EmbeddedQuery>>
  readonly components: readonly ComponentData[]
  readonly inputs: readonly EmbeddedInput[]
  readonly texts: readonly EmbeddedText[]
}

export interface RenderedPage {
  readonly html: string
  readonly payload: PagePayload
  readonly issues: readonly PageIssue[] // sorted by line
  readonly notes: readonly PageIssue[] // worth telling, not failing: rows a map cannot place
}

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false })

interface RenderState {
  readonly page: Page
  readonly results: ReadonlyMap<string, QueryResult> // input-reading queries: their default result
  readonly variants: ReadonlyMap<string, VariantResult>
  readonly inputs: ReadonlyMap<string, InputDefinition>
  readonly defined: ReadonlySet<string>
  readonly issues: PageIssue[]
  readonly components: ComponentData[]
  readonly embeddedInputs: EmbeddedInput[]
  readonly texts: EmbeddedText[]
  readonly used: Set<string> // queries the browser needs
  readonly areaNames: ReadonlyMap<string, string> | null // AreaMap's names -> shapes, when the page has one
  readonly notes: PageIssue[]
}

export async function renderPage(
  page: Page,
  run: QueryRunner,
  params: Readonly<Record<string, string>> = {},
): Promise<RenderedPage> {
  const { results, issues: queryIssues, inputQueries } = await runQueries(page.queries, run, params)
  const { inputs, issues: inputIssues } = defineInputs(inputComponents(page.nodes), results)
  const { variants, issues: variantIssues } = await runInputQueries(inputQueries, inputs, run)
  // The rows the page opens with: the default variant, filtered by the TextInputs' default text.
  const texts = new Map(
    [...inputs.values()]
      .filter((input) => input.type === 'TextInput')
      .map((input) => [input.name, input.defaults.value ?? '']),
  )
  for (const [name, variant] of variants) {
    results.set(name, applyTextFilters(variant.variants.get(variant.defaultKey)!, variant.filters, texts))
  }
  const issues = [...queryIssues, ...inputIssues, ...variantIssues]
  const state: RenderState = {
    page,
    results,
    variants,
    inputs,
    defined: new Set(page.queries.map((query) => query.name)),
    issues: [],
    components: [],
    embeddedInputs: [],
    texts: [],
    used: new Set(),
    areaNames: hasComponent(page.nodes, 'AreaMap') ? (await worldMap()).areaNames : null,
    notes: [],
  }
  const scope = pageScope(results, params)
  const body = renderNodes(page.nodes, scope, new Map(), state)
  const html = [...issues.map((issue) => renderIssue(page.path, issue)), body].join('\n')
  issues.push(...state.issues)
  issues.sort((left, right) => left.line - right.line)
  return { html, payload: payloadOf(state), issues, notes: state.notes }
}

function hasComponent(nodes: readonly PageNode[], name: ComponentName): boolean {
  return nodes.some((node) => {
    if (node.kind === 'component') return node.name === name
    if (node.kind === 'if') return node.branches.some((branch) => hasComponent(branch.nodes, name))
    if (node.kind === 'each' || node.kind === 'container') return hasComponent(node.nodes, name)
    return false
  })
}

// An AreaMap's rows whose area the map has no shape for: told under the map and by the build.
function unplacedAreas(node: ComponentNode, dataName: string, column: string, state: RenderState): string {
  const variant = state.variants.get(dataName)
  const results = variant === undefined ? [state.results.get(dataName)!] : [...variant.variants.values()]
  const unplaced = new Set<string>()
  for (const result of results) {
    for (const value of result.values[result.columns.indexOf(column)] ?? []) {
      if (value !== null && !state.areaNames!.has(String(value))) unplaced.add(String(value))
    }
  }
  if (unplaced.size === 0) return ''
  const listed = [...unplaced].sort().map((value) => `${value} (${unmatchedReason(value)})`)
  const message = `Not on the map: ${listed.join('; ')}.`
  state.notes.push({ line: node.line, message: `<AreaMap> ${message}` })
  return message
}

function payloadOf(state: RenderState): PagePayload {
  const queries: Record<string, EmbeddedQuery> = {}
  for (const query of state.page.queries) {
    if (!state.used.has(query.name)) continue
    const variant = state.variants.get(query.name)
    const result = state.results.get(query.name)
    if (result === undefined) continue
    queries[query.name] =
      variant === undefined
        ? { columns: result.columns, values: result.values }
        : {
            columns: result.columns,
            inputs: variant.inputKeys,
            variants: Object.fromEntries([...variant.variants].map(([key, entry]) => [key, entry.values])),
            filters: variant.filters,
          }
  }
  return { queries, components: state.components, inputs: state.embeddedInputs, texts: state.texts }
}

/** Query names as arrays of row objects (built on first use), plus params and $page.params. */
function pageScope(
  results: ReadonlyMap<string, QueryResult>,
  params: Readonly<Record<string, string>>,
): Scope {
  const rows = new Map<string, unknown>()
  const fixed = new Map<string, unknown>([
    ['params', params],
    ['$page', { params }],
  ])
  return {
    has: (name) => fixed.has(name) || results.has(name),
    get: (name) => {
      if (fixed.has(name)) return fixed.get(name)
      const result = results.get(name)
      if (result === undefined) return undefined
      if (!rows.has(name)) rows.set(name, rowsOf(result))
      return rows.get(name)
    },
    keys: () => [...fixed.keys(), ...results.keys()],
  }
}

function rowsOf(result: QueryResult): Array<Record<string, Cell>> {
  return Array.from({ length: result.rowCount }, (_, row) =>
    Object.fromEntries(result.columns.map((column, index) => [column, result.values[index]![row]!])),
  )
}

function withName(scope: Scope, name: string, value: unknown): Scope {
  return {
    has: (candidate) => candidate === name || scope.has(candidate),
    get: (candidate) => (candidate === name ? value : scope.get(candidate)),
    keys: () => [name, ...scope.keys()],
  }
}

function renderNodes(
  nodes: readonly PageNode[],
  scope: Scope,
  aliases: ReadonlyMap<string, QueryResult>,
  state: RenderState,
): string {
  const parts: string[] = []
  const problem = (issue: PageIssue) => {
    state.issues.push(issue)
    parts.push(renderIssue(state.page.path, issue))
  }
  for (const node of nodes) {
    switch (node.kind) {
      case 'issue':
        problem(node.issue)
        break
      case 'markdown':
        parts.push(renderMarkdown(node.text, node.line, scope, aliases, state, problem))
        break
      case 'if': {
        const chosen = chooseBranch(node.branches, scope, state, problem)
        if (chosen !== null) parts.push(renderNodes(chosen, scope, aliases, state))
        break
      }
      case 'each': {
        const result = state.results.get(node.query)
        if (result === undefined || state.variants.has(node.query)) {
          const reason = state.variants.has(node.query)
            ? `{#each ${node.query}}: the query reads inputs, so its rows are only known in the browser; loop over a query without inputs`
            : `{#each ${node.query}}: ${state.defined.has(node.query) ? 'the query failed (see its sql block)' : 'no sql block has this name'}`
          problem({ line: node.line, message: reason })
          break
        }
        const rows = scope.get(node.query) as unknown[]
        const inner = new Map(aliases).set(node.alias, result)
        for (const row of rows)
          parts.push(renderNodes(node.nodes, withName(scope, node.alias, row), inner, state))
        break
      }
      case 'component':
        parts.push(renderComponentNode(node, scope, aliases, state, problem))
        break
      case 'container':
        parts.push(
          renderContainer(
            node,
            undefined,
            (nodes) => renderNodes(nodes, scope, aliases, state),
            state,
            problem,
          ),
        )
        break
      default: {
        const never: never = node
        return never
      }
    }
  }
  return parts.join('\n')
}

function chooseBranch(
  branches: readonly { condition: string | null; line: number; nodes: readonly PageNode[] }[],
  scope: Scope,
  state: RenderState,
  problem: (issue: PageIssue) => void,
): readonly PageNode[] | null {
  for (const branch of branches) {
    if (branch.condition === null) return branch.nodes
    const expression = parseExpression(branch.condition)
    if (typeof expression === 'string') {
      problem({
        line: branch.line,
        message: `cannot read the condition "${branch.condition}" (${expression})`,
      })
      return null
    }
    const live = rootNames(expression).filter((name) => name === 'inputs' || state.variants.has(name))
    if (live.length > 0) {
      problem({
        line: branch.line,
        message: `conditions are decided when the page is built, so they cannot read ${live[0]} (it changes in the browser); read inputs in a query's SQL instead`,
      })
      return null
    }
    try {
      if (evaluate(expression, scope)) return branch.nodes
    } catch (error) {
      if (!(error instanceof EvaluationError)) throw error
      problem({ line: branch.line, message: `condition "${branch.condition}": ${error.message}` })
      return null
    }
  }
  return null
}

// <Value/>, <Delta/> and <Sparkline/> may stand inside a sentence, as in Evidence; other components
// take a line of their own.
const inlineValuePattern = /<(Value|Delta|Sparkline)\b((?:[^>"'{}]|"[^"]*"|'[^']*'|\{[^}]*\})*)\/>/g

function renderMarkdown(
  text: string,
  line: number,
  scope: Scope,
  aliases: ReadonlyMap<string, QueryResult>,
  state: RenderState,
  problem: (issue: PageIssue) => void,
): string {
  const tokens = new Map<string, string>()
  const live = new Set([...state.variants.keys()])
  const withValues = text.replace(
    inlineValuePattern,
    (_whole, name: string, attributes: string, offset: number) => {
      const at = line + text.slice(0, offset).split('\n').length - 1
      const props = parseAttributes(attributes)
      const token = `MATERIAVALUE${tokens.size + 1}X`
      if (typeof props === 'string') {
        problem({ line: at, message: props })
        tokens.set(token, '')
        return token
      }
      const node: ComponentNode = { kind: 'component', name, props, children: [], body: '', line: at }
      tokens.set(token, renderComponentNode(node, scope, aliases, state, problem))
      return token
    },
  )
  const rendered = renderExpressions(withValues, line, {
    scope,
    live,
    placeholder: (liveText, initial) => {
      const id = `t${state.texts.length + 1}`
      state.texts.push({ ...liveText, id })
      if ('query' in liveText) state.used.add(liveText.query)
      const token = `MATERIALIVE${tokens.size + 1}X`
      tokens.set(token, `<span class="materia-live" id="${id}">${escapeHtml(initial)}</span>`)
      return token
    },
  })
  for (const issue of rendered.issues) problem(issue)
  let html = markdown.render(rendered.text)
  // A function, not a string: a replacement string reads $&, $' and $` in the span (text from the
  // data) as the token and the page around it.
  for (const [token, span] of tokens) html = html.replace(token, () => span)
  return html
}

function renderComponentNode(
  node: ComponentNode,
  scope: Scope,
  aliases: ReadonlyMap<string, QueryResult>,
  state: RenderState,
  problem: (issue: PageIssue) => void,
): string {
  const nodeIssues = validateComponent(node, { results: state.results, defined: state.defined, aliases })
  if (nodeIssues.length > 0) {
    for (const issue of nodeIssues) problem(issue)
    return ''
  }
  const data = node.props.get('data')
  const dataName = data?.kind === 'reference' ? data.name : null
  // A component over a failed query shows nothing more: the query's own issue says why.
  if (dataName !== null && !aliases.has(dataName) && !state.results.has(dataName)) return ''
  const props = textProps(node.props)
  const type = node.name as ComponentName
  if (type === 'Alert') return renderAlert(props.status ?? 'info', markdown.renderInline(node.body))
  if (type === 'Value' || type === 'Delta') return renderValue(type, props, dataName!, scope, aliases, state)
  const id = `c${state.components.length + 1}`
  if (dataName !== null) state.used.add(dataName)
  state.components.push({
    id,
    type,
    data: dataName,
    props,
    // DataTable <Column>s; a chart's <ReferenceLine>/<ReferenceArea>s carry their component name.
    columns: node.children.map((child) =>
      child.name === 'Column' ? textProps(child.props) : { component: child.name, ...textProps(child.props) },
    ),
  })
  const input = state.inputs.get(props.name ?? '')
  if (input !== undefined && input.line === node.line) {
    state.embeddedInputs.push({ name: input.name, type: input.type, id, defaults: input.defaults })
    if (type === 'Dropdown') return renderDropdown(id, props, state.results.get(dataName!)!)
    return renderInput(id, type, props, input)
  }
  if (type === 'Dropdown' || type === 'ButtonGroup' || type === 'Slider' || type === 'DateRange') {
    problem({
      line: node.line,
      message: `<${type} name=${props.name}>: its values could not be read; check its data and props`,
    })
    return ''
  }
  const note = type === 'AreaMap' ? unplacedAreas(node, dataName!, props.areaCol!, state) : ''
  return renderComponentShell(id, type, props, note)
}

// Layout containers: their props, and where each may stand.
const containerProps: Readonly<Record<ContainerName, readonly string[]>> = {
  Details: ['title', 'open'],
  Tabs: [],
  Tab: ['label'],
  Accordion: [],
  AccordionItem: ['title'],
  Grid: ['cols'],
}
const containerParents: Partial<Record<ContainerName, ContainerName>> = {
  Tab: 'Tabs',
  AccordionItem: 'Accordion',
}
// Written out so that the stylesheet keeps them: md:grid-cols-1 md:grid-cols-2 md:grid-cols-3 md:grid-cols-4
const gridColumns: Readonly<Record<string, string>> = {
  '1': 'md:grid-cols-1',
  '2': 'md:grid-cols-2',
  '3': 'md:grid-cols-3',
  '4': 'md:grid-cols-4',
}

function renderContainer(
  node: ContainerNode,
  parent: ContainerName | undefined,
  inner: (nodes: readonly PageNode[]) => string,
  state: RenderState,
  problem: (issue: PageIssue) => void,
): string {
  const props = textProps(node.props)
  for (const prop of Object.keys(props)) {
    if (!containerProps[node.name].includes(prop)) {
      const allowed = containerProps[node.name].join(', ') || 'none'
      problem({ line: node.line, message: `<${node.name}> has no prop "${prop}"; use ${allowed}` })
      return ''
    }
  }
  const required = containerParents[node.name]
  if (required !== undefined && parent !== required) {
    problem({ line: node.line, message: `<${node.name}> stands only inside <${required}>` })
    return ''
  }
  const id = `g${state.components.length + state.texts.length + node.line}`
  const children = (name: ContainerName) =>
    node.nodes.flatMap((child) => {
      if (child.kind === 'container' && child.name === name) return [child]
      if (child.kind === 'markdown' && child.text.trim() === '') return []
      problem({
        line: child.kind === 'issue' ? child.issue.line : child.line,
        message: `<${node.name}> holds only <${name}> items`,
      })
      return []
    })
  switch (node.name) {
    case 'Details': {
      const open = props.open === 'true' ? ' open' : ''
      return `<details class="materia-details collapse collapse-arrow bg-base-100 border border-base-300 my-3"${open}><summary class="collapse-title font-semibold">${escapeHtml(props.title ?? 'Details')}</summary><div class="collapse-content">${inner(node.nodes)}</div></details>`
    }
    case 'Grid': {
      const columns = gridColumns[props.cols ?? '2']
      if (columns === undefined) {
        problem({ line: node.line, message: '<Grid> cols must be 1, 2, 3 or 4' })
        return ''
      }
      return `<div class="materia-grid grid gap-4 ${columns}">${inner(node.nodes)}</div>`
    }
    case 'Tabs': {
      const tabs = children('Tab')
        .map((tab, index) => {
          const label = escapeHtml(textProps(tab.props).label ?? `Tab ${index + 1}`)
          const checked = index === 0 ? ' checked' : ''
          const body = renderContainer(tab, 'Tabs', inner, state, problem)
          return `<input type="radio" name="${id}" role="tab" class="tab" aria-label="${label}"${checked}><div role="tabpanel" class="tab-content bg-base-100 border-base-300 p-4">${body}</div>`
        })
        .join('')
      return `<div role="tablist" class="materia-tabs tabs tabs-lift my-3">${tabs}</div>`
    }
    case 'Accordion': {
      const items = children('AccordionItem')
        .map((item) => {
          const title = escapeHtml(textProps(item.props).title ?? '')
          const body = renderContainer(item, 'Accordion', inner, state, problem)
          return `<details name="${id}" class="collapse collapse-arrow bg-base-100 border border-base-300"><summary class="collapse-title font-semibold">${title}</summary><div class="collapse-content">${body}</div></details>`
        })
        .join('')
      return `<div class="materia-accordion join join-vertical w-full my-3">${items}</div>`
    }
    case 'Tab':
    case 'AccordionItem':
      return inner(node.nodes)
    default: {
      const never: never = node.name
      return never
    }
  }
}

// <Value data={query} column=c row=0 fmt=f />: text now, or a live span when the query reads inputs.
function renderValue(
  type: 'Value' | 'Delta',
  props: Readonly<Record<string, string>>,
  dataName: string,
  scope: Scope,
  aliases: ReadonlyMap<string, QueryResult>,
  state: RenderState,
): string {
  const column = props.column!
  const row = Number(props.row ?? 0)
  const format = props.fmt ?? null
  const source = aliases.has(dataName) ? [scope.get(dataName)] : (scope.get(dataName) as unknown[])
  const value = ((source[row] as Record<string, Cell> | undefined)?.[column] ?? null) as Cell
  const text = escapeHtml(formatCell(value, format as never, column))
  if (type === 'Delta') {
    // Up in green with a plus, down in red; the arrow carries the sign for colour-blind readers.
    const sign = typeof value === 'number' ? Math.sign(value) : 0
    const [arrow, tone] = sign > 0 ? ['▲ +', 'text-success'] : sign < 0 ? ['▼ ', 'text-error'] : ['', '']
    return `<span class="materia-delta font-semibold ${tone}">${arrow}${text}</span>`
  }
  if (!state.variants.has(dataName)) return `<span class="materia-value">${text}</span>`
  const id = `t${state.texts.length + 1}`
  state.texts.push({ id, query: dataName, row, column, format })
  state.used.add(dataName)
  return `<span class="materia-value materia-live" id="${id}">${text}</span>`
}

function textProps(props: ReadonlyMap<string, PropValue>): Record<string, string> {
  const record: Record<string, string> = {}
  for (const [name, value] of [...props].sort(([left], [right]) => left.localeCompare(right))) {
    if (name === 'data') continue
    record[name] = value.kind === 'text' ? value.text : value.kind === 'flag' ? 'true' : value.name
  }
  return record
}

export function renderIssue(path: string, issue: PageIssue): string {
  return `<div role="alert" class="alert alert-error materia-issue my-3" data-line="${issue.line}"><span><strong>${escapeHtml(`${path}:${issue.line}`)}</strong> ${escapeHtml(issue.message)}</span></div>`
}
