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

export type PageNode =
  | { readonly kind: 'markdown'; readonly text: string; readonly line: number }
  | ComponentNode
  | { readonly kind: 'issue'; readonly issue: PageIssue }

export interface PageMeta {
  readonly title: string
  readonly description: string
  readonly public: boolean
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

export function parsePage(path: string, text: string): Page {
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  const nodes: PageNode[] = []
  const { meta, bodyStart } = parseFrontMatter(lines, nodes)
  const queries: Query[] = []
  let markdown: string[] = []
  let markdownLine = bodyStart + 1
  const flush = (nextLine: number): void => {
    if (markdown.join('').trim() !== '')
      nodes.push({ kind: 'markdown', text: markdown.join('\n'), line: markdownLine })
    markdown = []
    markdownLine = nextLine
  }
  let index = bodyStart
  while (index < lines.length) {
    const line = lines[index]!
    const fence = fencePattern.exec(line)
    if (fence !== null) {
      flush(index + 1)
      const end = findLine(lines, index + 1, (candidate) => candidate.trim() === '```')
      if (end === -1) {
        nodes.push(issue(index + 1, `sql block "${fence[1]}" is never closed; end it with a line of \`\`\``))
        return { path, meta, queries, nodes }
      }
      queries.push({ name: fence[1]!, sql: lines.slice(index + 1, end).join('\n'), line: index + 1 })
      index = end + 1
      markdownLine = index + 1
      continue
    }
    if (componentStartPattern.test(line)) {
      flush(index + 1)
      const parsed = parseComponent(lines, index)
      nodes.push(parsed.node)
      index = parsed.nextIndex
      markdownLine = index + 1
      continue
    }
    if (markdown.length === 0) markdownLine = index + 1
    markdown.push(line)
    index++
  }
  flush(index + 1)
  return { path, meta, queries, nodes: [...duplicateQueryIssues(queries), ...nodes] }
}

function parseFrontMatter(
  lines: readonly string[],
  nodes: PageNode[],
): { meta: PageMeta; bodyStart: number } {
  const fallback: PageMeta = {
    title: 'Untitled',
    description: '',
    public: false,
    environment: null,
    position: null,
  }
  if (lines[0]?.trim() !== '---') return { meta: fallback, bodyStart: 0 }
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
  const known = new Set(['title', 'description', 'public', 'environment', 'sidebar_position'])
  for (const key of Object.keys(record)) {
    if (!known.has(key))
      nodes.push(issue(1, `unknown front matter key "${key}"; use ${[...known].join(', ')}`))
  }
  if (record.public !== undefined && typeof record.public !== 'boolean') {
    nodes.push(issue(1, 'front matter "public" must be true or false'))
  }
  if (record.sidebar_position !== undefined && typeof record.sidebar_position !== 'number') {
    nodes.push(issue(1, 'front matter "sidebar_position" must be a number'))
  }
  const meta: PageMeta = {
    title: typeof record.title === 'string' ? record.title : fallback.title,
    description: typeof record.description === 'string' ? record.description : '',
    public: record.public === true,
    environment: typeof record.environment === 'string' ? record.environment : null,
    position: typeof record.sidebar_position === 'number' ? record.sidebar_position : null,
  }
  return { meta, bodyStart: end + 1 }
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
