// Parses one component tag (Evidence/Svelte-like syntax) that starts on lines[startIndex]:
// `<Name a=b c="d e" data={query} flag />` or `<Name ...>body</Name>`, possibly over several lines.
import type { ComponentNode, PageNode, PropValue } from './page.ts'

// A tag longer than this is a missing `/>` swallowing the page, not a real component.
const tagLinesMax = 200

interface OpenTag {
  readonly name: string
  readonly attributes: string
  readonly selfClosing: boolean
  readonly rest: string // text after the opening tag, from its last line
  readonly endIndex: number // index of the line holding the tag's end
}

export function parseComponent(
  lines: readonly string[],
  startIndex: number,
): { node: PageNode; nextIndex: number } {
  const line = startIndex + 1
  const open = readOpenTag(lines, startIndex)
  if (typeof open === 'string')
    return { node: { kind: 'issue', issue: { line, message: open } }, nextIndex: startIndex + 1 }
  const props = parseAttributes(open.attributes)
  if (typeof props === 'string') {
    return { node: { kind: 'issue', issue: { line, message: props } }, nextIndex: open.endIndex + 1 }
  }
  if (open.selfClosing) {
    return { node: component(open.name, props, '', [], line), nextIndex: open.endIndex + 1 }
  }
  const closing = `</${open.name}>`
  const bodyLines: string[] = []
  let text = open.rest
  for (let index = open.endIndex; index < lines.length && index < startIndex + tagLinesMax; index++) {
    if (index > open.endIndex) text = lines[index]!
    const at = text.indexOf(closing)
    if (at !== -1) {
      bodyLines.push(text.slice(0, at))
      const body = bodyLines.join('\n')
      const children = parseChildren(body, line)
      if (typeof children === 'string') {
        return { node: { kind: 'issue', issue: { line, message: children } }, nextIndex: index + 1 }
      }
      return { node: component(open.name, props, body, children, line), nextIndex: index + 1 }
    }
    bodyLines.push(text)
  }
  const message = `<${open.name}> is never closed; end it with ${closing} or write <${open.name} ... />`
  return { node: { kind: 'issue', issue: { line, message } }, nextIndex: startIndex + 1 }
}

function component(
  name: string,
  props: ReadonlyMap<string, PropValue>,
  body: string,
  children: readonly ComponentNode[],
  line: number,
): ComponentNode {
  return { kind: 'component', name, props, body: children.length > 0 ? '' : body.trim(), children, line }
}

function readOpenTag(lines: readonly string[], startIndex: number): OpenTag | string {
  const first = lines[startIndex]!
  const nameMatch = /^\s*<([A-Z][A-Za-z]*)/.exec(first)!
  const name = nameMatch[1]!
  let quote: string | null = null
  let braces = 0
  let attributes = ''
  for (let index = startIndex; index < lines.length && index < startIndex + tagLinesMax; index++) {
    const text = index === startIndex ? first.slice(nameMatch[0].length) : lines[index]!
    for (let at = 0; at < text.length; at++) {
      const char = text[at]!
      if (quote !== null) quote = char === quote ? null : quote
      else if (char === '"' || char === "'") quote = char
      else if (char === '{') braces++
      else if (char === '}') braces--
      else if (braces === 0 && char === '/' && text[at + 1] === '>') {
        return { name, attributes, selfClosing: true, rest: text.slice(at + 2), endIndex: index }
      } else if (braces === 0 && char === '>') {
        return { name, attributes, selfClosing: false, rest: text.slice(at + 1), endIndex: index }
      }
      attributes += char
    }
    attributes += ' '
  }
  return `<${name} tag is never closed; end it with /> or >`
}

const attributePattern =
  /([A-Za-z_][A-Za-z0-9_-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|\{([^}]*)\}|([^\s"'{}]+)))?/y

export function parseAttributes(text: string): Map<string, PropValue> | string {
  const props = new Map<string, PropValue>()
  let at = 0
  while (at < text.length) {
    if (/\s/.test(text[at]!)) {
      at++
      continue
    }
    attributePattern.lastIndex = at
    const match = attributePattern.exec(text)
    if (match === null)
      return `cannot read the attributes near "${text.slice(at, at + 20).trim()}"; write name=value`
    const [, name, doubleQuoted, singleQuoted, braced, bare] = match
    if (props.has(name!)) return `attribute "${name}" is given twice`
    props.set(name!, propValue(doubleQuoted ?? singleQuoted ?? bare, braced))
    at = attributePattern.lastIndex
  }
  return props
}

function propValue(text: string | undefined, braced: string | undefined): PropValue {
  if (braced !== undefined) {
    const trimmed = braced.trim()
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(trimmed)) return { kind: 'reference', name: trimmed }
    if (trimmed === 'true' || trimmed === 'false') return { kind: 'text', text: trimmed }
    // {['a','b']} is Evidence's list syntax: keep it as comma-separated text.
    const list = /^\[(.*)\]$/.exec(trimmed)
    if (list !== null) return { kind: 'text', text: list[1]!.replace(/['"\s]/g, '') }
    return { kind: 'text', text: trimmed }
  }
  return text === undefined ? { kind: 'flag' } : { kind: 'text', text }
}

// Children are only nested components (a DataTable's <Column/>s); plain text inside stays the body.
function parseChildren(body: string, line: number): ComponentNode[] | string {
  if (!/^\s*</.test(body) || !/<[A-Z]/.test(body)) return []
  const children: ComponentNode[] = []
  const tags = body.matchAll(/<([A-Z][A-Za-z]*)((?:[^>"']|"[^"]*"|'[^']*')*?)\/>/g)
  for (const tag of tags) {
    const props = parseAttributes(tag[2]!)
    if (typeof props === 'string') return props
    const childLine = line + body.slice(0, tag.index).split('\n').length - 1
    children.push({ kind: 'component', name: tag[1]!, props, children: [], body: '', line: childLine })
  }
  return children
}
