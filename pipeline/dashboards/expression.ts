// The expressions a page may write in braces (Evidence evaluates JavaScript there; a static build
// supports the part of it that pages use): `{query[0].column}`, `{query.length}`, `{row.column}`
// inside `{#each}`, `{params.country}`, `{inputs.name.value}`, `{fmt(x, 'bags')}`, literals,
// comparisons (== === != !== < <= > >=), `&& || !`, parentheses and `a ? b : c`. Anything else is
// an error naming what to write instead, never literal text on the page.

export type Expression =
  | { readonly kind: 'literal'; readonly value: string | number | boolean | null }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'member'; readonly target: Expression; readonly property: string }
  | { readonly kind: 'index'; readonly target: Expression; readonly index: number }
  | { readonly kind: 'unary'; readonly operator: '!' | '-'; readonly operand: Expression }
  | {
      readonly kind: 'binary'
      readonly operator: string
      readonly left: Expression
      readonly right: Expression
    }
  | {
      readonly kind: 'conditional'
      readonly test: Expression
      readonly then: Expression
      readonly otherwise: Expression
    }
  | { readonly kind: 'call'; readonly name: 'fmt'; readonly value: Expression; readonly format: string }

type Token = { readonly kind: 'number' | 'string' | 'name' | 'operator'; readonly text: string }

const tokenPattern =
  /\s*(?:(\d+(?:\.\d+)?)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|([A-Za-z_$][A-Za-z0-9_$]*)|(===|!==|==|!=|<=|>=|&&|\|\||[<>!()[\].,?:-]))/y

function tokenize(text: string): Token[] | string {
  const tokens: Token[] = []
  let at = 0
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break
    tokenPattern.lastIndex = at
    const match = tokenPattern.exec(text)
    if (match === null) return `cannot read "${text.slice(at).trim().slice(0, 20)}"`
    const [, number, single, double, name, operator] = match
    if (number !== undefined) tokens.push({ kind: 'number', text: number })
    else if (single !== undefined || double !== undefined)
      tokens.push({ kind: 'string', text: (single ?? double)!.replace(/\\(.)/g, '$1') })
    else if (name !== undefined) tokens.push({ kind: 'name', text: name })
    else tokens.push({ kind: 'operator', text: operator! })
    at = tokenPattern.lastIndex
  }
  return tokens
}

const precedence: Readonly<Record<string, number>> = {
  '||': 1,
  '&&': 2,
  '==': 3,
  '===': 3,
  '!=': 3,
  '!==': 3,
  '<': 4,
  '<=': 4,
  '>': 4,
  '>=': 4,
}

/** Parses one expression; a string result is the reason it cannot be read. */
export function parseExpression(text: string): Expression | string {
  const tokens = tokenize(text)
  if (typeof tokens === 'string') return tokens
  if (tokens.length === 0) return 'empty braces'
  let position = 0
  const peek = (): Token | undefined => tokens[position]
  const isOperator = (text: string) => peek()?.kind === 'operator' && peek()!.text === text
  const expect = (text: string): void => {
    if (!isOperator(text)) throw new Error(`expected "${text}"`)
    position++
  }
  const primary = (): Expression => {
    const token = tokens[position++]
    if (token === undefined) throw new Error('the expression ends too early')
    if (token.kind === 'number') return { kind: 'literal', value: Number(token.text) }
    if (token.kind === 'string') return { kind: 'literal', value: token.text }
    if (token.kind === 'operator') {
      if (token.text === '(') {
        const inner = conditional()
        expect(')')
        return inner
      }
      if (token.text === '!' || token.text === '-')
        return { kind: 'unary', operator: token.text, operand: postfix() }
      throw new Error(`unexpected "${token.text}"`)
    }
    if (token.text === 'true' || token.text === 'false')
      return { kind: 'literal', value: token.text === 'true' }
    if (token.text === 'null') return { kind: 'literal', value: null }
    if (token.text === 'fmt' && isOperator('(')) {
      position++
      const value = conditional()
      expect(',')
      const format = tokens[position++]
      if (format?.kind !== 'string') throw new Error("fmt takes a format name in quotes: fmt(x, 'bags')")
      expect(')')
      return { kind: 'call', name: 'fmt', value, format: format.text }
    }
    if (isOperator('('))
      throw new Error(`${token.text}(...) is not a supported function; only fmt(value, 'format')`)
    return { kind: 'name', name: token.text }
  }
  const postfix = (): Expression => {
    let target = primary()
    while (isOperator('.') || isOperator('[')) {
      if (isOperator('.')) {
        position++
        const property = tokens[position++]
        if (property?.kind !== 'name') throw new Error('a name must follow "."')
        if (isOperator('(')) throw new Error(`.${property.text}(...) is not supported; write a query instead`)
        target = { kind: 'member', target, property: property.text }
      } else {
        position++
        const index = tokens[position++]
        if (index?.kind !== 'number' || !/^\d+$/.test(index.text)) throw new Error('[...] takes a row number')
        expect(']')
        target = { kind: 'index', target, index: Number(index.text) }
      }
    }
    return target
  }
  const binary = (minimum: number): Expression => {
    let left = postfix()
    for (;;) {
      const token = peek()
      const level = token?.kind === 'operator' ? precedence[token.text] : undefined
      if (level === undefined || level < minimum) return left
      position++
      left = { kind: 'binary', operator: token!.text, left, right: binary(level + 1) }
    }
  }
  const conditional = (): Expression => {
    const test = binary(1)
    if (!isOperator('?')) return test
    position++
    const then = conditional()
    expect(':')
    return { kind: 'conditional', test, then, otherwise: conditional() }
  }
  try {
    const expression = conditional()
    if (position < tokens.length) return `unexpected "${tokens[position]!.text}"`
    return expression
  } catch (error) {
    return (error as Error).message
  }
}

/** Names an expression reads at its root: `world` for `world[0].x`, `inputs` for `inputs.a.value`. */
export function rootNames(expression: Expression): string[] {
  switch (expression.kind) {
    case 'literal':
      return []
    case 'name':
      return [expression.name]
    case 'member':
    case 'index':
      return rootNames(expression.target)
    case 'unary':
      return rootNames(expression.operand)
    case 'binary':
      return [...rootNames(expression.left), ...rootNames(expression.right)]
    case 'conditional':
      return [
        ...rootNames(expression.test),
        ...rootNames(expression.then),
        ...rootNames(expression.otherwise),
      ]
    case 'call':
      return rootNames(expression.value)
    default: {
      const never: never = expression
      return never
    }
  }
}

export class EvaluationError extends Error {}

/** What names mean where an expression is evaluated (a Map will do; pages build theirs lazily). */
export interface Scope {
  has(name: string): boolean
  get(name: string): unknown
  keys(): Iterable<string>
}

/** Evaluates over plain values: arrays of row objects, records, and cells. */
export function evaluate(expression: Expression, scope: Scope): unknown {
  switch (expression.kind) {
    case 'literal':
      return expression.value
    case 'name': {
      if (!scope.has(expression.name)) {
        const known = [...scope.keys()].join(', ')
        throw new EvaluationError(
          `no query, {#each} row or params named "${expression.name}" (known: ${known})`,
        )
      }
      return scope.get(expression.name)
    }
    case 'member': {
      const target = evaluate(expression.target, scope)
      if (Array.isArray(target)) {
        if (expression.property === 'length') return target.length
        throw new EvaluationError(`a query result has .length and rows [n], not .${expression.property}`)
      }
      if (typeof target !== 'object' || target === null || !Object.hasOwn(target, expression.property)) {
        const fields = typeof target === 'object' && target !== null ? Object.keys(target).join(', ') : 'none'
        throw new EvaluationError(`has no column "${expression.property}" (columns: ${fields})`)
      }
      return (target as Record<string, unknown>)[expression.property]
    }
    case 'index': {
      const target = evaluate(expression.target, scope)
      if (!Array.isArray(target)) throw new EvaluationError('[n] applies to a query result only')
      if (expression.index >= target.length) {
        throw new EvaluationError(
          `the query has ${target.length} rows, so row ${expression.index} does not exist`,
        )
      }
      return target[expression.index]
    }
    case 'unary': {
      const operand = evaluate(expression.operand, scope)
      return expression.operator === '!' ? !operand : -(operand as number)
    }
    case 'binary':
      return binaryValue(expression.operator, expression.left, expression.right, scope)
    case 'conditional':
      return evaluate(expression.test, scope)
        ? evaluate(expression.then, scope)
        : evaluate(expression.otherwise, scope)
    case 'call':
      return evaluate(expression.value, scope)
    default: {
      const never: never = expression
      return never
    }
  }
}

function binaryValue(
  operator: string,
  leftExpression: Expression,
  rightExpression: Expression,
  scope: Scope,
): unknown {
  const left = evaluate(leftExpression, scope)
  if (operator === '&&') return left ? evaluate(rightExpression, scope) : left
  if (operator === '||') return left ? left : evaluate(rightExpression, scope)
  const right = evaluate(rightExpression, scope)
  switch (operator) {
    case '==':
    case '===':
      return left === right
    case '!=':
    case '!==':
      return left !== right
    case '<':
      return (left as number) < (right as number)
    case '<=':
      return (left as number) <= (right as number)
    case '>':
      return (left as number) > (right as number)
    case '>=':
      return (left as number) >= (right as number)
    default:
      throw new EvaluationError(`operator ${operator} is not supported`)
  }
}
