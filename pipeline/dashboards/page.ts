// A dashboard page as written (Evidence's format): front matter, named SQL blocks, markdown and
// components. parsePage is pure and never throws on bad input: problems become PageIssues with a
// line, so the preview can show them in place and a build can refuse the page.
import { parse as parseYaml } from 'yaml'
import { parseComponent } from './component-parse.ts'

export interface PageIssue {
  readonly line: number
  readonly message: string
}

export interface Query {
  readonly name: string
  readonly sql: string
  readonly line: number
}

export type PropValue =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'reference'; readonly name: string } // data={query}
  | { readonly kind: 'flag' } // a bare attribute: true

export interface ComponentNode {
  readonly kind: 'component'
  readonly name: string
  readonly props: ReadonlyMap<string, PropValue>
  readonly children: readonly ComponentNode[]
  readonly body: string // inner markdown (Alert)
  readonly line: number
}

export interface Branch {
  readonly condition: string | null // null: {:else}
  readonly line: number
  readonly nodes: readonly PageNode[]
}

export type PageNode =
  | { readonly kind: 'markdown'; readonly text: string; readonly line: number }
  | ComponentNode
  | { readonly kind: 'issue'; readonly issue: PageIssue }
  | { readonly kind: 'if'; readonly line: number; readonly branches: readonly Branch[] }
  | {
      readonly kind: 'each'
      readonly line: number
      readonly query: string
      readonly alias: string
      readonly nodes: readonly PageNode[]
    }

// Who may read a page: everyone (`public: true` or `access: public`), signed-in subscribers of the
// paid site (`access: subscribers`), or only the internal dashboards build (the default).
export type PageAccess = 'internal' | 'public' | 'subscribers'

export interface PageMeta {
  readonly title: string
  readonly description: string
  readonly public: boolean // access === 'public'
  readonly access: PageAccess
  readonly params: Readonly<Record<string, string>> // templated pages: parameter -> sql block of its values
  readonly environment: string | null
  readonly position: number | null // Evidence's sidebar_position: order in listings, then path
}

export interface Page {
  readonly path: string // relative to the pages folder, e.g. "world-balance.md"
  readonly meta: PageMeta
  readonly queries: readonly Query[]
  readonly nodes: readonly PageNode[]
}

const fencePattern = /^```sql\s+([A-Za-z_][A-Za-z0-9_]*)\s*$/
const componentStartPattern = /^\s*<([A-Z][A-Za-z]*)\b/

// A line holding only a Svelte-style block tag: {#if ...}, {:else if ...}, {:else}, {/if},
// {#each query as row}, {/each}. Other block tags ({#await}, {@html}) are errors, not text.
const blockPattern = /^\s*\{([#:/@])\s*([a-z]+)?(.*)\}\s*$/
const inlineBlockPattern = /\{[#:/@]\s*(?:if|else|each|await|key|html|const|debug)\b/

interface OpenBlock {
  readonly kind: 'if' | 'each'
  readonly line: number
  nodes: PageNode[] // where the current branch's nodes go
  readonly branches: Array<{ condition: string | null; line: number; nodes: PageNode[] }>
  readonly query: string
  readonly alias: string
  elseSeen: boolean
}

export function parsePage(path: string, text: string): Page {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const root: PageNode[] = []
  const { meta, bodyStart } = parseFrontMatter(path, lines, root)
  const queries: Query[] = []
  const stack: OpenBlock[] = []
  const target = (): PageNode[] => stack.at(-1)?.nodes ?? root
  let markdown: string[] = []
  let markdownLine = bodyStart + 1
  const flush = (nextLine: number): void => {
    if (markdown.join('').trim() !== '')
      target().push({ kind: 'markdown', text: markdown.join('\n'), line: markdownLine })
    markdown = []
    markdownLine = nextLine
  }
  let index = bodyStart
  let fenced = false // inside a non-sql ``` fence: braces there are code, not expressions
  while (index < lines.length) {
    const line = lines[index]!
    const fence = fencePattern.exec(line)
    if (fence !== null && !fenced) {
      flush(index + 1)
      const end = findLine(lines, index + 1, (candidate) => candidate.trim() === '```')
      if (end === -1) {
        root.push(issue(index + 1, `sql block "${fence[1]}" is never closed; end it with a line of \`\`\``))
        return { path, meta, queries, nodes: root }
      }
      queries.push({ name: fence[1]!, sql: lines.slice(index + 1, end).join('\n'), line: index + 1 })
      index = end + 1
      markdownLine = index + 1
      continue
    }
    if (/^\s*```/.test(line)) fenced = !fenced
    const block = fenced ? null : blockPattern.exec(line)
    if (block !== null) {
      flush(index + 2)
      const problem = applyBlock(block, index + 1, stack, root)
      if (problem !== null) target().push(issue(index + 1, problem))
      index++
      continue
    }
    if (!fenced && inlineBlockPattern.test(line)) {
      flush(index + 2)
      target().push(
        issue(
          index + 1,
          'a block tag ({#if}, {:else}, {/if}, {#each}, {/each}) must stand on a line of its own',
        ),
      )
      index++
      continue
    }
    if (!fenced && componentStartPattern.test(line)) {
      flush(index + 1)
      const parsed = parseComponent(lines, index)
      target().push(parsed.node)
      index = parsed.nextIndex
      markdownLine = index + 1
      continue
    }
    if (markdown.length === 0) markdownLine = index + 1
    markdown.push(line)
    index++
  }
  flush(index + 1)
  for (const open of stack.reverse()) {
    root.push(issue(open.line, `{#${open.kind}} is never closed; end it with {/${open.kind}}`))
  }
  return { path, meta, queries, nodes: [...duplicateQueryIssues(queries), ...root] }
}

/** Opens, continues or closes a block; returns a problem or null. */
function applyBlock(
  match: RegExpExecArray,
  line: number,
  stack: OpenBlock[],
  root: PageNode[],
): string | null {
  const [, sigil, word = '', rest = ''] = match
  const tag = `${sigil}${word}`
  const top = stack.at(-1)
  if (tag === '#if' || tag === ':else') {
    const elseIf = tag === ':else' && /^\s*if\b/.test(rest)
    const condition = tag === '#if' ? rest.trim() : elseIf ? rest.replace(/^\s*if\b/, '').trim() : null
    if (condition === '')
      return `{${tag}${elseIf ? ' if' : ''}} needs a condition, e.g. {#if world.length > 0}`
    if (tag === '#if') {
      const nodes: PageNode[] = []
      stack.push({
        kind: 'if',
        line,
        nodes,
        branches: [{ condition, line, nodes }],
        query: '',
        alias: '',
        elseSeen: false,
      })
      return null
    }
    if (top?.kind !== 'if') return '{:else} outside an {#if} block'
    if (top.elseSeen) return '{:else} after {:else}: the last branch of an {#if} is the only {:else}'
    if (condition === null && rest.trim() !== '')
      return `cannot read {:else${rest}}; write {:else} or {:else if condition}`
    top.elseSeen = condition === null
    const nodes: PageNode[] = []
    top.branches.push({ condition, line, nodes })
    top.nodes = nodes
    return null
  }
  if (tag === '#each') {
    const each = /^\s*([A-Za-z_]\w*)\s+as\s+([A-Za-z_]\w*)\s*$/.exec(rest)
    if (each === null) return `cannot read {#each${rest}}; write {#each query_name as row}`
    stack.push({
      kind: 'each',
      line,
      nodes: [],
      branches: [],
      query: each[1]!,
      alias: each[2]!,
      elseSeen: false,
    })
    return null
  }
  if (tag === '/if' || tag === '/each') {
    const kind = word as 'if' | 'each'
    if (top?.kind !== kind) return `{/${kind}} without an open {#${kind}}`
    stack.pop()
    const node: PageNode =
      kind === 'if'
        ? { kind: 'if', line: top.line, branches: top.branches }
        : { kind: 'each', line: top.line, query: top.query, alias: top.alias, nodes: top.nodes }
    ;(stack.at(-1)?.nodes ?? root).push(node)
    return null
  }
  return `{${tag}} is not supported; use {#if}, {:else if}, {:else}, {/if}, {#each query as row}, {/each}`
}

function parseFrontMatter(
  path: string,
  lines: readonly string[],
  nodes: PageNode[],
): { meta: PageMeta; bodyStart: number } {
  const fallback: PageMeta = {
    title: 'Untitled',
    description: '',
    public: false,
    access: 'internal',
    params: {},
    environment: null,
    position: null,
  }
  const pathParams = templateParams(path)
  const missingParams = (params: Readonly<Record<string, string>>): void => {
    for (const name of pathParams) {
      if (params[name] === undefined)
        nodes.push(issue(1, `templated page needs its values: front matter params: { ${name}: <sql block> }`))
    }
  }
  if (lines[0]?.trim() !== '---') {
    missingParams({})
    return { meta: fallback, bodyStart: 0 }
  }
  const end = findLine(lines, 1, (line) => line.trim() === '---')
  if (end === -1) {
    nodes.push(issue(1, 'front matter is never closed; end it with a line of ---'))
    return { meta: fallback, bodyStart: lines.length }
  }
  let data: unknown
  try {
    data = parseYaml(lines.slice(1, end).join('\n'))
  } catch (error) {
    nodes.push(issue(1, `front matter is not valid YAML (${(error as Error).message.split('\n')[0]})`))
    return { meta: fallback, bodyStart: end + 1 }
  }
  const record = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>
  const known = new Set([
    'title',
    'description',
    'public',
    'access',
    'params',
    'environment',
    'sidebar_position',
  ])
  for (const key of Object.keys(record)) {
    if (!known.has(key))
      nodes.push(issue(1, `unknown front matter key "${key}"; use ${[...known].join(', ')}`))
  }
  if (record.public !== undefined && typeof record.public !== 'boolean') {
    nodes.push(issue(1, 'front matter "public" must be true or false'))
  }
  const accessValues = ['public', 'subscribers', 'internal']
  if (record.access !== undefined && !accessValues.includes(record.access as string)) {
    nodes.push(issue(1, `front matter "access" must be ${accessValues.join(' | ')}`))
  }
  if (record.sidebar_position !== undefined && typeof record.sidebar_position !== 'number') {
    nodes.push(issue(1, 'front matter "sidebar_position" must be a number'))
  }
  const params = paramsOf(record.params, pathParams, nodes)
  missingParams(params)
  const access: PageAccess = accessValues.includes(record.access as string)
    ? (record.access as PageAccess)
    : record.public === true
      ? 'public'
      : 'internal'
  const meta: PageMeta = {
    title: typeof record.title === 'string' ? record.title : fallback.title,
    description: typeof record.description === 'string' ? record.description : '',
    public: access === 'public',
    access,
    params,
    environment: typeof record.environment === 'string' ? record.environment : null,
    position: typeof record.sidebar_position === 'number' ? record.sidebar_position : null,
  }
  return { meta, bodyStart: end + 1 }
}

/** The [name] parts of a templated page's path: "country/[country].md" -> ["country"]. */
export function templateParams(path: string): string[] {
  return [...path.matchAll(/\[([A-Za-z_]\w*)\]/g)].map((match) => match[1]!)
}

function paramsOf(value: unknown, pathParams: readonly string[], nodes: PageNode[]): Record<string, string> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    nodes.push(
      issue(1, 'front matter "params" maps each [parameter] to a sql block: params: { country: countries }'),
    )
    return {}
  }
  const params: Record<string, string> = {}
  for (const [name, query] of Object.entries(value)) {
    if (!pathParams.includes(name)) {
      nodes.push(issue(1, `front matter params.${name}: the page path has no [${name}]`))
    } else if (typeof query !== 'string' || !/^[A-Za-z_]\w*$/.test(query)) {
      nodes.push(issue(1, `front matter params.${name} must name a sql block on this page`))
    } else {
      params[name] = query
    }
  }
  return params
}

function duplicateQueryIssues(queries: readonly Query[]): PageNode[] {
  const seen = new Set<string>()
  return queries.flatMap((query) => {
    if (!seen.has(query.name)) {
      seen.add(query.name)
      return []
    }
    return [issue(query.line, `query "${query.name}" is defined twice; rename one of the sql blocks`)]
  })
}

export function findLine(lines: readonly string[], from: number, test: (line: string) => boolean): number {
  for (let index = from; index < lines.length; index++) if (test(lines[index]!)) return index
  return -1
}

export function issue(line: number, message: string): PageNode {
  return { kind: 'issue', issue: { line, message } }
}
