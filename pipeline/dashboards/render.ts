// Renders a parsed page to an HTML fragment plus the compact data the browser script draws from.
// Queries run first; then every node renders in order. Issues render in place (red alerts naming
// the line) so a preview shows them where they are; a build refuses any page with issues.
import MarkdownIt from 'markdown-it'
import type { ComponentName } from './components.ts'
import { escapeHtml } from './html.ts'
import { interpolate } from './interpolate.ts'
import type { ComponentNode, Page, PageIssue, PropValue } from './page.ts'
import { type QueryResult, type QueryRunner, runQueries } from './query.ts'
import { renderAlert, renderComponentShell, renderDropdown } from './render-component.ts'
import { validateComponent } from './validate.ts'

export interface ComponentData {
  readonly id: string
  readonly type: ComponentName
  readonly data: string | null
  readonly props: Readonly<Record<string, string>>
  readonly columns: ReadonlyArray<Readonly<Record<string, string>>> // DataTable <Column>s
}

export interface PagePayload {
  readonly queries: Readonly<Record<string, { columns: readonly string[]; values: QueryResult['values'] }>>
  readonly components: readonly ComponentData[]
}

export interface RenderedPage {
  readonly html: string
  readonly payload: PagePayload
  readonly issues: readonly PageIssue[] // sorted by line
}

const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false })

export async function renderPage(page: Page, run: QueryRunner): Promise<RenderedPage> {
  const { results, issues: queryIssues } = await runQueries(page.queries, run)
  const defined = new Set(page.queries.map((query) => query.name))
  const context = { results, defined }
  const parts: string[] = queryIssues.map((issue) => renderIssue(page.path, issue))
  const issues: PageIssue[] = [...queryIssues]
  const components: ComponentData[] = []
  for (const node of page.nodes) {
    if (node.kind === 'issue') {
      issues.push(node.issue)
      parts.push(renderIssue(page.path, node.issue))
    } else if (node.kind === 'markdown') {
      const interpolated = interpolate(node.text, node.line, results, defined)
      issues.push(...interpolated.issues)
      parts.push(...interpolated.issues.map((issue) => renderIssue(page.path, issue)))
      parts.push(markdown.render(interpolated.text))
    } else {
      const nodeIssues = validateComponent(node, context)
      issues.push(...nodeIssues)
      if (nodeIssues.length > 0) {
        parts.push(...nodeIssues.map((issue) => renderIssue(page.path, issue)))
        continue
      }
      const data = node.props.get('data')
      // A component over a failed query shows nothing more: the query's own issue says why.
      if (data?.kind === 'reference' && !results.has(data.name)) continue
      const rendered = renderComponent(node, `c${components.length + 1}`, results)
      parts.push(rendered.html)
      if (rendered.data !== null) components.push(rendered.data)
    }
  }
  const used = new Set(components.flatMap((component) => (component.data === null ? [] : [component.data])))
  const queries = Object.fromEntries(
    page.queries
      .filter((query) => used.has(query.name) && results.has(query.name))
      .map((query) => {
        const result = results.get(query.name)!
        return [query.name, { columns: result.columns, values: result.values }]
      }),
  )
  issues.sort((left, right) => left.line - right.line)
  return { html: parts.join('\n'), payload: { queries, components }, issues }
}

function renderComponent(
  node: ComponentNode,
  id: string,
  results: ReadonlyMap<string, QueryResult>,
): { html: string; data: ComponentData | null } {
  const props = textProps(node.props)
  const type = node.name as ComponentName
  if (type === 'Alert')
    return { html: renderAlert(props.status ?? 'info', markdown.renderInline(node.body)), data: null }
  const data = node.props.get('data')
  const dataName = data?.kind === 'reference' ? data.name : null
  const componentData: ComponentData = {
    id,
    type,
    data: dataName,
    props,
    columns: node.children.map((child) => textProps(child.props)),
  }
  if (type === 'Dropdown') {
    const result = results.get(dataName!)!
    return { html: renderDropdown(id, props, result), data: componentData }
  }
  return { html: renderComponentShell(id, type, props), data: componentData }
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
