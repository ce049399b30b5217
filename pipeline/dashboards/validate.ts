// Checks each component against its spec and the query results: unknown component or prop, a
// missing required prop, a bad enum or format, a data reference to a missing query or column.
import { type ComponentName, componentSpecs, isComponentName, topLevelComponents } from './components.ts'
import { formatNames, isFormatName } from './format.ts'
import type { ComponentNode, PageIssue, PropValue } from './page.ts'
import type { QueryResult } from './query.ts'

export interface QueryContext {
  readonly results: ReadonlyMap<string, QueryResult>
  readonly defined: ReadonlySet<string> // every sql block name, failed or not
  readonly aliases?: ReadonlyMap<string, QueryResult> // {#each query as row}: row -> the query's result
}

const formatProps = new Set(['fmt', 'comparisonFmt', 'yFmt', 'xFmt'])

/** Returns the issues of one component; an empty list means it can be rendered. */
export function validateComponent(
  node: ComponentNode,
  context: QueryContext,
  parent?: ComponentName,
): PageIssue[] {
  const at = (message: string): PageIssue => ({ line: node.line, message })
  if (
    !isComponentName(node.name) ||
    (parent === undefined && (node.name === 'Column' || node.name === 'ButtonGroupItem'))
  ) {
    return [at(`unknown component <${node.name}>; use one of ${topLevelComponents.join(', ')}`)]
  }
  const spec = componentSpecs[node.name]
  const issues: PageIssue[] = []
  for (const [prop, value] of node.props) {
    if (!spec.props.includes(prop)) {
      issues.push(at(`<${node.name}> has no prop "${prop}"; use ${spec.props.join(', ')}`))
      continue
    }
    issues.push(...checkPropValue(node.name, prop, value, spec.enums[prop]).map(at))
  }
  for (const prop of spec.required) {
    if (!node.props.has(prop)) issues.push(at(`<${node.name}> needs the prop ${prop}=...`))
  }
  for (const child of node.children) {
    if (!spec.children.includes(child.name as ComponentName)) {
      issues.push({ line: child.line, message: `<${child.name}> cannot be placed inside <${node.name}>` })
    }
  }
  if (issues.length > 0) return issues
  return checkData(node, context)
}

function checkPropValue(
  component: string,
  prop: string,
  value: PropValue,
  allowed: readonly string[] | undefined,
): string[] {
  if (prop === 'data') {
    return value.kind === 'reference'
      ? []
      : [`<${component}> data must name a query in braces: data={query_name}`]
  }
  if (value.kind === 'reference') return [`<${component}> prop ${prop} takes a value, not {${value.name}}`]
  const text = value.kind === 'flag' ? 'true' : value.text
  if (allowed !== undefined && !allowed.includes(text)) {
    return [`<${component}> ${prop}="${text}" is not allowed; use ${allowed.join(' | ')}`]
  }
  if (formatProps.has(prop) && !isFormatName(text)) {
    return [`<${component}> ${prop}="${text}" is not a format; use ${formatNames.join(', ')}`]
  }
  if (['min', 'max', 'step', 'row'].includes(prop) && !Number.isFinite(Number(text)))
    return [`<${component}> ${prop} must be a number`]
  if (prop === 'rows' && !/^[1-9][0-9]{0,3}$/.test(text))
    return [`<${component}> rows must be a number from 1 to 9999`]
  return []
}

function checkData(node: ComponentNode, context: QueryContext): PageIssue[] {
  const data = node.props.get('data')
  if (data?.kind !== 'reference') return []
  const row = context.aliases?.get(data.name)
  if (row !== undefined) {
    if (node.name !== 'Value')
      return [
        {
          line: node.line,
          message: `<${node.name}> data={${data.name}} is one row of {#each}; only <Value> takes a row, charts take a query`,
        },
      ]
    return checkColumns(node, data.name, row)
  }
  if (!context.defined.has(data.name)) {
    const known = [...context.defined].join(', ') || 'none on this page'
    return [
      {
        line: node.line,
        message: `<${node.name}> data={${data.name}} names no query; define \`\`\`sql ${data.name}\`\`\` (queries: ${known})`,
      },
    ]
  }
  const result = context.results.get(data.name)
  if (result === undefined) return [] // the query failed and is reported at its own line
  return [node, ...node.children].flatMap((target) => checkColumns(target, data.name, result))
}

function checkColumns(node: ComponentNode, queryName: string, result: QueryResult): PageIssue[] {
  const spec = componentSpecs[node.name as ComponentName]
  const issues: PageIssue[] = []
  for (const prop of spec.columns) {
    const value = node.props.get(prop)
    if (value?.kind !== 'text') continue
    for (const column of value.text.split(',').map((part) => part.trim())) {
      if (!result.columns.includes(column)) {
        const message = `<${node.name}> ${prop}=${column}: query "${queryName}" has no column "${column}" (columns: ${result.columns.join(', ')})`
        issues.push({ line: node.line, message })
      }
    }
  }
  return issues
}
