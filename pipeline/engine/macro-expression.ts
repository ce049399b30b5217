// Evaluates the constant SQL expressions of @IF, @FILTER, @EVAL, @UNION and @AND/@OR conditions at
// render time, as SQLMesh does with SQLGlot's executor before the query reaches the engine. The
// documented operators: = == != <> < > <= >=, BETWEEN, IN, AND, OR, NOT, IS [NOT] NULL, arithmetic
// and || over numbers, strings, booleans and NULL (sqlmesh_macros.md, @IF). A column name cannot
// be known at render time: it is an error naming the line.
import { MateriaError } from '../errors.ts'
import { quoteLiteral } from './sql-quote.ts'
import { isTrivia, stringValue, type Token, tokenize } from './sql-tokens.ts'

type ConstantValue = number | string | boolean | null

interface Cursor {
  readonly tokens: readonly Token[]
  index: number
  readonly fail: (message: string) => never
}

function peek(cursor: Cursor, offset = 0): Token | undefined {
  return cursor.tokens[cursor.index + offset]
}

function peekWord(cursor: Cursor, offset = 0): string {
  const token = peek(cursor, offset)
  return token?.kind === 'word' ? token.text.toUpperCase() : ''
}

function expect(cursor: Cursor, text: string): void {
  const token = peek(cursor)
  if (token?.text.toUpperCase() !== text) cursor.fail(`expected ${text} in the macro condition`)
  cursor.index += 1
}

function truthy(value: ConstantValue): boolean {
  if (value === null) return false
  if (typeof value === 'string') return value.length > 0
  if (typeof value === 'number') return value !== 0
  return value
}

function compare(left: ConstantValue, right: ConstantValue, operator: string): ConstantValue {
  if (left === null || right === null) return null
  const a = typeof left === 'boolean' ? Number(left) : left
  const b = typeof right === 'boolean' ? Number(right) : right
  switch (operator) {
    case '=':
    case '==':
      return a === b
    case '!=':
    case '<>':
      return a !== b
    case '<':
      return a < b
    case '>':
      return a > b
    case '<=':
      return a <= b
    default:
      return a >= b
  }
}

function arithmetic(left: ConstantValue, right: ConstantValue, operator: string, cursor: Cursor) {
  if (left === null || right === null) return null
  if (operator === '||') return `${String(left)}${String(right)}`
  if (typeof left !== 'number' || typeof right !== 'number')
    return cursor.fail(`${operator} needs numbers in the macro condition`)
  if (operator === '+') return left + right
  if (operator === '-') return left - right
  if (operator === '*') return left * right
  if (operator === '%') return left % right
  return right === 0 ? null : left / right
}

function primary(cursor: Cursor): ConstantValue {
  const token = peek(cursor)
  if (token === undefined) return cursor.fail('the macro condition ends too early')
  cursor.index += 1
  if (token.kind === 'number') return Number(token.text.replaceAll('_', ''))
  if (token.kind === 'string') return stringValue(token)
  if (token.text === '(') {
    const value = disjunction(cursor)
    expect(cursor, ')')
    return value
  }
  if (token.text === '-') {
    const value = primary(cursor)
    return typeof value === 'number' ? -value : cursor.fail('- needs a number in the macro condition')
  }
  const word = token.kind === 'word' ? token.text.toUpperCase() : ''
  if (word === 'TRUE') return true
  if (word === 'FALSE') return false
  if (word === 'NULL') return null
  return cursor.fail(
    `cannot evaluate ${token.text} at render time; a macro condition holds literals and macro variables only`,
  )
}

function product(cursor: Cursor): ConstantValue {
  let value = primary(cursor)
  for (;;) {
    const operator = peek(cursor)?.text
    if (operator !== '*' && operator !== '/' && operator !== '%') return value
    cursor.index += 1
    value = arithmetic(value, primary(cursor), operator, cursor)
  }
}

function sum(cursor: Cursor): ConstantValue {
  let value = product(cursor)
  for (;;) {
    const operator = peek(cursor)?.text
    if (operator !== '+' && operator !== '-' && operator !== '||') return value
    cursor.index += 1
    value = arithmetic(value, product(cursor), operator, cursor)
  }
}

const comparisons = new Set(['=', '==', '!=', '<>', '<', '>', '<=', '>='])

function comparison(cursor: Cursor): ConstantValue {
  const left = sum(cursor)
  const operator = peek(cursor)?.text ?? ''
  if (comparisons.has(operator)) {
    cursor.index += 1
    // '=' followed by '=' comes as two tokens.
    if (operator === '=' && peek(cursor)?.text === '=') cursor.index += 1
    return compare(left, sum(cursor), operator)
  }
  if (peekWord(cursor) === 'IS') {
    cursor.index += 1
    const negated = peekWord(cursor) === 'NOT'
    if (negated) cursor.index += 1
    expect(cursor, 'NULL')
    return negated ? left !== null : left === null
  }
  const negated = peekWord(cursor) === 'NOT' && ['BETWEEN', 'IN'].includes(peekWord(cursor, 1))
  if (negated) cursor.index += 1
  const word = peekWord(cursor)
  if (word === 'BETWEEN') {
    cursor.index += 1
    const low = sum(cursor)
    expect(cursor, 'AND')
    const high = sum(cursor)
    const inside = compare(left, low, '>=') === true && compare(left, high, '<=') === true
    return negated ? !inside : inside
  }
  if (word === 'IN') {
    cursor.index += 1
    expect(cursor, '(')
    let found = false
    for (;;) {
      if (compare(left, disjunction(cursor), '=') === true) found = true
      if (peek(cursor)?.text !== ',') break
      cursor.index += 1
    }
    expect(cursor, ')')
    return negated ? !found : found
  }
  return left
}

function negation(cursor: Cursor): ConstantValue {
  if (peekWord(cursor) !== 'NOT') return comparison(cursor)
  cursor.index += 1
  const value = negation(cursor)
  return value === null ? null : !truthy(value)
}

function conjunction(cursor: Cursor): ConstantValue {
  let value = negation(cursor)
  while (peekWord(cursor) === 'AND') {
    cursor.index += 1
    const right = negation(cursor)
    value = truthy(value) && truthy(right)
  }
  return value
}

function disjunction(cursor: Cursor): ConstantValue {
  let value = conjunction(cursor)
  while (peekWord(cursor) === 'OR') {
    cursor.index += 1
    const right = conjunction(cursor)
    value = truthy(value) || truthy(right)
  }
  return value
}

// The value of a constant SQL expression (macros already rendered). `where` prefixes messages.
export function evaluateConstant(text: string, where: string, firstLine: number): ConstantValue {
  const tokens = tokenize(text, where, firstLine).filter((token) => !isTrivia(token))
  const cursor: Cursor = {
    tokens,
    index: 0,
    fail: (message) => {
      const line = (cursor.tokens[cursor.index] ?? cursor.tokens.at(-1))?.line ?? firstLine
      throw new MateriaError('model', `${where}:${line} ${message}`)
    },
  }
  if (tokens.length === 0) return cursor.fail('empty macro condition')
  const value = disjunction(cursor)
  if (cursor.index < tokens.length)
    cursor.fail(`unexpected ${tokens[cursor.index]!.text} in the macro condition`)
  return value
}

export function isTrue(value: ConstantValue): boolean {
  return truthy(value)
}

// A constant as SQL text: 6, 'text', TRUE, NULL.
export function constantSql(value: ConstantValue): string {
  if (value === null) return 'NULL'
  if (typeof value === 'boolean') return value ? 'TRUE' : 'FALSE'
  if (typeof value === 'number') return String(value)
  return quoteLiteral(value)
}
