// The SQLMesh macro language over a token stream (docs/concepts/macros/sqlmesh_macros.md):
// variables (@name, @{name} as an identifier), @DEF values and @DEF lambdas (@DEF(f, (x, y) -> ...)),
// @VAR, @EACH, @FILTER, @REDUCE, @IF, @EVAL, @SQL and the generating operators of macro-functions.ts.
// Text outside macros is copied byte for byte; macros inside strings and comments are left alone.
// Lambda arguments are substituted as text; a compound value is parenthesized so that the
// operators around it keep their meaning (SQLMesh substitutes parse trees, which does the same).
import { MateriaError } from '../errors.ts'
import { constantSql, evaluateConstant, isTrue } from './macro-expression.ts'
import {
  bareText,
  generateMacro,
  generatingMacros,
  listOf,
  type MacroArgument,
  type MacroTools,
  type MacroValue,
  textOf,
} from './macro-functions.ts'
import type { ModelColumn } from './model.ts'
import { literalAsIdentifier } from './sql-quote.ts'
import { isTrivia, stringValue, type Token, tokenize } from './sql-tokens.ts'

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

interface MacroScope {
  readonly path: string // prefixes messages: "models/x.sql" -> "models/x.sql:3 ..."
  readonly values: Record<string, string> // variable -> SQL text; @DEF adds to it
  readonly variables: Readonly<Record<string, string>> // @VAR: global variables as SQL literals
  readonly columnsOf: (relation: string) => readonly ModelColumn[] | null
  readonly knownNames: string // for the unknown-macro message
}

interface Lambda {
  readonly params: readonly string[]
  readonly body: string
  readonly line: number
}

interface RawArgument {
  readonly name: string | null
  readonly text: string
  readonly line: number
}

// Macros SQLMesh documents that have no meaning on a single DuckDB query here.
const unsupportedMacros: Readonly<Record<string, string>> = {
  resolve_template:
    'its placeholders name physical tables, which the environments here hide; name the table directly',
}

// SQLMesh's SQL clause operators (sqlmesh_macros.md, "SQL clause operators"): @WHERE(condition) ...
// writes the clause when its condition holds; otherwise the clause is dropped up to where the next
// clause starts (a word of `endsAt` outside parentheses, a closing parenthesis, `;` or the end).
const setOperations = ['union', 'except', 'intersect']
const joinWords = [
  'join',
  'left',
  'right',
  'full',
  'inner',
  'cross',
  'natural',
  'semi',
  'anti',
  'asof',
  'positional',
]
const clauseOperators: Readonly<
  Record<string, { readonly keyword: string; readonly endsAt: readonly string[] }>
> = {
  with: { keyword: 'WITH', endsAt: ['select', 'from', 'values'] },
  join: {
    keyword: 'JOIN',
    endsAt: [
      ...joinWords,
      'where',
      'group',
      'having',
      'qualify',
      'window',
      'order',
      'limit',
      'offset',
      ...setOperations,
    ],
  },
  where: {
    keyword: 'WHERE',
    endsAt: ['group', 'having', 'qualify', 'window', 'order', 'limit', 'offset', ...setOperations],
  },
  group_by: {
    keyword: 'GROUP BY',
    endsAt: ['having', 'qualify', 'window', 'order', 'limit', 'offset', ...setOperations],
  },
  having: { keyword: 'HAVING', endsAt: ['qualify', 'window', 'order', 'limit', 'offset', ...setOperations] },
  order_by: { keyword: 'ORDER BY', endsAt: ['limit', 'offset', ...setOperations] },
  limit: { keyword: 'LIMIT', endsAt: ['offset', ...setOperations] },
}
// The join type before a dropped @JOIN goes with it: `LEFT OUTER @JOIN(FALSE) t ON ...`.
const joinTypeBefore = /(?:\b(?:natural|asof|positional|left|right|full|inner|outer|cross|semi|anti)\s+)+$/i

// The index of the last significant token of a dropped clause whose body starts at tokens[from].
function clauseEnd(tokens: readonly Token[], from: number, operator: string): number {
  const endsAt = clauseOperators[operator]!.endsAt
  let depth = 0
  let last = from - 1
  for (let index = from; index < tokens.length; index += 1) {
    const token = tokens[index]!
    if (isTrivia(token)) continue
    const word = token.kind === 'word' ? token.text.toLowerCase() : ''
    if (depth === 0) {
      if (token.text === ')' || token.text === ']' || token.text === ';') break
      if (endsAt.includes(word)) break
      if (token.kind === 'macro' && clauseOperators[token.text.slice(1).toLowerCase()] !== undefined) break
    }
    if (token.text === '(' || token.text === '[') depth += 1
    if (token.text === ')' || token.text === ']') depth -= 1
    last = index
  }
  return last
}

function significant(tokens: readonly Token[]): Token[] {
  return tokens.filter((token) => !isTrivia(token))
}

// The index of the token closing the bracket opened at tokens[open] ('(' or '['), or -1.
function closingIndex(tokens: readonly Token[], open: number): number {
  let depth = 0
  for (let index = open; index < tokens.length; index += 1) {
    const text = tokens[index]!.text
    if (text === '(' || text === '[') depth += 1
    if (text === ')' || text === ']') depth -= 1
    if (depth === 0) return index
  }
  return -1
}

// Splits significant tokens between positions (exclusive) on top-level commas into source spans.
function splitOnCommas(source: string, tokens: readonly Token[], from: number, to: number): RawArgument[] {
  const parts: RawArgument[] = []
  let depth = 0
  let first = from
  const push = (end: number) => {
    if (end <= first) return
    const head = tokens[first]!
    const named = head.kind === 'word' && tokens[first + 1]?.text === ':=' && first + 2 < end
    const start = named ? tokens[first + 2]! : head
    const text = source.slice(start.start, tokens[end - 1]!.end)
    parts.push({ name: named ? head.text.toLowerCase() : null, text, line: start.line })
  }
  for (let index = from; index < to; index += 1) {
    const text = tokens[index]!.text
    if (text === '(' || text === '[') depth += 1
    if (text === ')' || text === ']') depth -= 1
    if (text === ',' && depth === 0) {
      push(index)
      first = index + 1
    }
  }
  push(to)
  return parts
}

// A value spliced where an expression stands: parenthesized unless it is one token or one group.
function operandText(value: string, path: string, line: number): string {
  const text = value.trim()
  const tokens = significant(tokenize(text, path, line))
  if (tokens.length <= 1) return text
  if ((tokens[0]!.text === '(' || tokens[0]!.text === '[') && closingIndex(tokens, 0) === tokens.length - 1)
    return text
  if (tokens.length === 2 && tokens[0]!.text === '-') return text
  return `(${text})`
}

export function createMacroEngine(scope: MacroScope) {
  const lambdas = new Map<string, Lambda>()
  const fail = (line: number, message: string): never => {
    throw new MateriaError('model', `${scope.path}:${line} ${message}`)
  }
  const condition = (sql: string, line: number) =>
    isTrue(evaluateConstant(render(sql, line).text, scope.path, line))
  const tools: MacroTools = { fail, columnsOf: scope.columnsOf, isTrue: condition }

  function parseLambda(raw: RawArgument): Lambda | null {
    const tokens = significant(tokenize(raw.text, scope.path, raw.line))
    const arrow = tokens.findIndex(
      (token, index) =>
        token.text === '-' && tokens[index + 1]?.text === '>' && tokens[index + 1]!.start === token.end,
    )
    if (arrow < 1) return null
    const head = tokens.slice(0, arrow)
    const params =
      head.length === 1 && head[0]!.kind === 'word'
        ? [head[0]!.text.toLowerCase()]
        : head[0]?.text === '(' && head.at(-1)?.text === ')'
          ? head
              .slice(1, -1)
              .filter((token) => token.text !== ',')
              .map((token) => token.text.toLowerCase())
          : null
    if (params === null || params.length === 0) return null
    const bodyToken = tokens[arrow + 2]
    if (bodyToken === undefined) return fail(raw.line, 'the anonymous function has no body after ->')
    return { params, body: raw.text.slice(bodyToken.start), line: bodyToken.line }
  }

  function applyLambda(lambda: Lambda, values: readonly string[], line: number): string {
    if (values.length !== lambda.params.length)
      fail(line, `the function takes ${lambda.params.length} arguments, got ${values.length}`)
    const byName = new Map(lambda.params.map((param, index) => [param, values[index]!]))
    let output = ''
    let previous: Token | undefined
    for (const token of tokenize(lambda.body, scope.path, lambda.line)) {
      const word =
        token.kind === 'word' && previous?.text !== '.' ? byName.get(token.text.toLowerCase()) : undefined
      const macroName =
        token.kind === 'macro'
          ? token.text
              .slice(1)
              .replace(/^\{(.*)\}$/, '$1')
              .toLowerCase()
          : ''
      const macro = byName.get(macroName)
      if (word !== undefined) output += operandText(word, scope.path, token.line)
      else if (macro !== undefined) output += bareText(macro)
      else output += token.text
      if (!isTrivia(token)) previous = token
    }
    return render(output, lambda.line).text
  }

  function lambdaArgument(raw: RawArgument | undefined, macro: string, params: number, line: number): Lambda {
    const lambda = raw === undefined ? null : parseLambda(raw)
    if (lambda === null || lambda.params.length !== params) {
      const shape = params === 1 ? 'x -> ...' : '(x, y) -> ...'
      return fail(raw?.line ?? line, `@${macro} needs an anonymous function ${shape} as its second argument`)
    }
    return lambda
  }

  // An argument's value: a [list], the list a macro returns, or rendered SQL text.
  function argumentValue(raw: RawArgument): MacroValue {
    const tokens = significant(tokenize(raw.text, scope.path, raw.line))
    const first = tokens[0]
    if (first === undefined) return ''
    if (first.text === '[' && closingIndex(tokens, 0) === tokens.length - 1) {
      return splitOnCommas(raw.text, tokens, 1, tokens.length - 1).map(
        (item) => render(item.text, item.line).text,
      )
    }
    if (first.kind === 'macro' && tokens.length === 1 && !first.text.startsWith('@{')) {
      const value = scope.values[first.text.slice(1).toLowerCase()]
      if (value?.trim().startsWith('[')) return argumentValue({ ...raw, text: value })
    }
    if (first.kind === 'macro' && tokens[1]?.text === '(' && closingIndex(tokens, 1) === tokens.length - 1) {
      return call(
        first.text.slice(1).toLowerCase(),
        splitOnCommas(raw.text, tokens, 2, tokens.length - 1),
        first.line,
      )
    }
    return render(raw.text, raw.line).text
  }

  function define(raw: readonly RawArgument[], line: number): void {
    const [name, value] = raw
    if (raw.length !== 2 || name === undefined || value === undefined || !/^[A-Za-z_]\w*$/.test(name.text))
      fail(line, '@DEF takes a name and a value: @DEF(name, value);')
    const key = name!.text.toLowerCase()
    const lambda = parseLambda(value!)
    if (lambda !== null) lambdas.set(key, lambda)
    else scope.values[key] = render(value!.text, value!.line).text
  }

  function variable(raw: readonly RawArgument[], line: number): string {
    const usage = "@VAR takes a quoted name and an optional default: @VAR('name', default)"
    const [name, fallback] = raw
    const tokens = name === undefined ? [] : significant(tokenize(name.text, scope.path, name.line))
    if (tokens.length !== 1 || tokens[0]!.kind !== 'string' || raw.length > 2) return fail(line, usage)
    const key = stringValue(tokens[0]!).toLowerCase()
    const value = scope.variables[key]
    if (value !== undefined) return value
    if (fallback !== undefined) return render(fallback.text, fallback.line).text
    return fail(line, `unknown variable '${key}'; add it under variables: in materia.yaml or give a default`)
  }

  function call(name: string, raw: readonly RawArgument[], line: number): MacroValue {
    switch (name) {
      case 'var':
        return variable(raw, line)
      case 'blueprint_var':
        // Blueprint values were substituted when the file was read (blueprint.ts): what is left
        // names a variable no blueprint gives, so its default applies.
        if (raw[1] === undefined)
          return fail(line, `@BLUEPRINT_VAR(${raw[0]?.text ?? ''}) has no blueprint value and no default`)
        return render(raw[1].text, raw[1].line).text
      case 'each': {
        const lambda = lambdaArgument(raw[1], 'EACH', 1, line)
        return listOf(argumentValue(raw[0]!)).map((item) => applyLambda(lambda, [item], line))
      }
      case 'filter': {
        const lambda = lambdaArgument(raw[1], 'FILTER', 1, line)
        return listOf(argumentValue(raw[0]!)).filter((item) =>
          condition(applyLambda(lambda, [item], line), line),
        )
      }
      case 'reduce': {
        const lambda = lambdaArgument(raw[1], 'REDUCE', 2, line)
        const items = listOf(argumentValue(raw[0]!))
        if (items.length === 0) return fail(line, '@REDUCE needs a non-empty list')
        return items.slice(1).reduce((total, item) => applyLambda(lambda, [total, item], line), items[0]!)
      }
      case 'if': {
        if (raw.length < 2 || raw.length > 3)
          return fail(line, '@IF takes a condition, a value if true and an optional value if false')
        const chosen = condition(raw[0]!.text, raw[0]!.line) ? raw[1] : raw[2]
        return chosen === undefined ? '' : argumentValue(chosen)
      }
      case 'eval':
        if (raw.length !== 1) return fail(line, '@EVAL takes one expression')
        return constantSql(evaluateConstant(render(raw[0]!.text, raw[0]!.line).text, scope.path, line))
      case 'sql': {
        const value = textOf(argumentValue(raw[0] ?? { name: null, text: '', line })).trim()
        if (!(value.startsWith("'") && value.endsWith("'") && value.length >= 2))
          return fail(line, "@SQL takes a string of SQL: @SQL('SELECT 1')")
        return render(value.slice(1, -1).replaceAll("''", "'"), line).text
      }
    }
    const lambda = lambdas.get(name)
    if (lambda !== undefined) {
      return applyLambda(
        lambda,
        raw.map((arg) => textOf(argumentValue(arg))),
        line,
      )
    }
    if ((generatingMacros as readonly string[]).includes(name)) {
      const args: MacroArgument[] = raw.map((arg) => ({
        name: arg.name,
        value: argumentValue(arg),
        line: arg.line,
      }))
      return generateMacro(name, args, tools, line)!
    }
    const advice = unsupportedMacros[name]
    if (advice !== undefined) return fail(line, `@${name.toUpperCase()} is not supported; ${advice}`)
    return unknown(`@${name}`, line)
  }

  function unknown(text: string, line: number): never {
    return fail(
      line,
      `unknown macro ${text}; use ${scope.knownNames} or a name defined with @DEF (Python macro functions in macros/*.py are not supported)`,
    )
  }

  function render(text: string, firstLine: number): Rendered {
    // Most texts hold no macro at all; an '@' anywhere (even in a string) takes the full path.
    if (!text.includes('@') && !text.includes('{')) return { text, edits: [] }
    const tokens = tokenize(text, scope.path, firstLine)
    let output = ''
    const edits: RenderEdit[] = []
    for (let index = 0; index < tokens.length; index += 1) {
      const token = tokens[index]!
      if (token.kind !== 'macro') {
        const next = tokens[index + 1]
        if (token.text === '{' && next !== undefined && next.start === token.end && /^[{%#]/.test(next.text))
          fail(
            token.line,
            'Jinja templates are not supported; rewrite the block with SQLMesh macros (@IF, @EACH, @DEF)',
          )
        output += token.text
        continue
      }
      const curly = token.text.startsWith('@{')
      const name = (curly ? token.text.slice(2, -1) : token.text.slice(1)).toLowerCase()
      let open = index + 1
      while (open < tokens.length && isTrivia(tokens[open]!)) open += 1
      const isCall =
        !curly &&
        tokens[open]?.text === '(' &&
        (scope.values[name] === undefined || lambdas.has(name)) &&
        name !== 'this_model'
      let replacement: MacroValue
      let last = index
      let sourceStart = token.start
      if (isCall) {
        const close = closingIndex(tokens, open)
        if (close === -1) fail(token.line, 'macro call never closes its parenthesis; add the matching )')
        const inner = significant(tokens.slice(open + 1, close))
        const raw = splitOnCommas(text, inner, 0, inner.length)
        last = close
        if (name === 'def') {
          define(raw, token.line)
          let after = close + 1
          while (after < tokens.length && isTrivia(tokens[after]!)) after += 1
          if (tokens[after]?.text === ';') last = after
          replacement = ''
        } else if (clauseOperators[name] !== undefined) {
          const upper = name.toUpperCase()
          if (raw.length !== 1)
            fail(token.line, `@${upper} takes one condition, then the clause: @${upper}(TRUE) ...`)
          if (condition(raw[0]!.text, raw[0]!.line)) replacement = clauseOperators[name]!.keyword
          else {
            replacement = ''
            last = Math.max(close, clauseEnd(tokens, close + 1, name))
            const joinType = name === 'join' ? (joinTypeBefore.exec(output)?.[0] ?? '') : ''
            output = output.slice(0, output.length - joinType.length)
            sourceStart -= joinType.length
          }
        } else replacement = call(name, raw, token.line)
      } else {
        const value = scope.values[name]
        if (value === undefined) return unknown(token.text, token.line)
        replacement = curly ? literalAsIdentifier(value) : value
      }
      const replacementText = textOf(replacement)
      edits.push({
        sourceStart,
        sourceEnd: tokens[last]!.end,
        renderedStart: output.length,
        renderedEnd: output.length + replacementText.length,
      })
      output += replacementText
      index = last
    }
    return { text: output, edits }
  }

  return { render }
}
