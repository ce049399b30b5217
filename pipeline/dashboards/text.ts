// Expressions in page text: every `{...}` outside code is evaluated when the page is built and
// replaced by its formatted value. One that reads an input (or a query that reads inputs) becomes a
// placeholder the browser fills and refreshes when the input changes. A brace that cannot be read is
// an issue at its line, never literal text.
import {
  EvaluationError,
  type Expression,
  evaluate,
  parseExpression,
  rootNames,
  type Scope,
} from './expression.ts'
import { type Cell, formatCell, isFormatName } from './format.ts'
import type { PageIssue } from './page.ts'

/** A value the browser shows and refreshes: an input field, or a cell of a query reading inputs. */
export type LiveText =
  | { readonly input: string; readonly format: string | null } // "name.field"
  | { readonly query: string; readonly row: number; readonly column: string; readonly format: string | null }

export interface TextContext {
  readonly scope: Scope
  readonly live: ReadonlySet<string> // names whose values change in the browser: inputs and queries reading them
  readonly placeholder: (text: LiveText, initial: string) => string // returns a token to put in the markdown
}

// `{` ... `}` on one line; inline code (`...`) is skipped.
const bracePattern = /`+[^`]*`+|\{([^{}\n]*)\}/g

export function renderExpressions(
  text: string,
  firstLine: number,
  context: TextContext,
): { text: string; issues: PageIssue[] } {
  const issues: PageIssue[] = []
  const replaced = text.replace(bracePattern, (whole: string, inner: string | undefined, offset: number) => {
    if (inner === undefined) return whole // code span
    const line = firstLine + text.slice(0, offset).split('\n').length - 1
    const outcome = expressionText(inner, context)
    if (typeof outcome === 'string') return outcome
    issues.push({ line, message: `${whole}: ${outcome.problem}` })
    return whole
  })
  return { text: replaced, issues }
}

/** The markdown for one expression, or the problem with it. */
export function expressionText(source: string, context: TextContext): string | { problem: string } {
  const expression = parseExpression(source)
  if (typeof expression === 'string') return { problem: `cannot read it (${expression}); ${supported}` }
  const format = expression.kind === 'call' ? expression.format : null
  if (format !== null && !isFormatName(format)) return { problem: `"${format}" is not a format` }
  const roots = rootNames(expression)
  if (roots.some((name) => context.live.has(name) || name === 'inputs')) {
    const live = liveText(expression.kind === 'call' ? expression.value : expression, format)
    if (live === null) {
      return {
        problem:
          'a value that follows an input must be {inputs.name.value} or {query[n].column}, optionally in fmt()',
      }
    }
    const initial = 'input' in live ? '' : cellText(context, live)
    return context.placeholder(live, initial)
  }
  try {
    const value = evaluate(expression, context.scope)
    if (typeof value === 'object' && value !== null) {
      return { problem: 'is a query or a row, not a value; pick one: {query[0].column}' }
    }
    return escapeMarkdown(formatCell(value as Cell, format as never, columnOf(expression)))
  } catch (error) {
    if (error instanceof EvaluationError) return { problem: error.message }
    throw error
  }
}

const supported =
  "write {query[0].column}, {query.length}, {row.column} inside {#each}, {params.name}, {inputs.name.value} or {fmt(value, 'bags')}"

function liveText(expression: Expression, format: string | null): LiveText | null {
  if (
    expression.kind === 'member' &&
    expression.target.kind === 'member' &&
    expression.target.target.kind === 'name' &&
    expression.target.target.name === 'inputs'
  ) {
    return { input: `${expression.target.property}.${expression.property}`, format }
  }
  if (
    expression.kind === 'member' &&
    expression.target.kind === 'index' &&
    expression.target.target.kind === 'name'
  ) {
    return {
      query: expression.target.target.name,
      row: expression.target.index,
      column: expression.property,
      format,
    }
  }
  return null
}

function cellText(
  context: TextContext,
  live: { query: string; row: number; column: string; format: string | null },
): string {
  const rows = context.scope.get(live.query) as Array<Record<string, Cell>> | undefined
  const value = rows?.[live.row]?.[live.column] ?? null
  return formatCell(value, live.format as never, live.column)
}

// The column an expression ends in, so that a `market_year` shows as 2022 rather than 2,022.
function columnOf(expression: Expression): string {
  const inner = expression.kind === 'call' ? expression.value : expression
  return inner.kind === 'member' ? inner.property : ''
}

function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_[\]<>#|{}]/g, (char) => `\\${char}`)
}
