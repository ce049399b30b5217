// Model blueprints (sqlmesh_macros.md, "Blueprint variables"): one model file, several models.
//   MODEL (name @customer.some_table, blueprints ((customer := customer1, field_a := x), ...));
// Each blueprint's variables replace @name (the value as written: x, 'foo') and @{name} (as an
// identifier: 'foo' -> foo) in the whole file, header included; strings and comments are left
// alone. A local @DEF of the same name wins, as SQLMesh's precedence says. The `blueprints`
// property itself is blanked, so line numbers stay those of the file.
import { MateriaError } from '../errors.ts'
import { type HeaderNode, nodesText, parseHeader } from './header.ts'
import { literalAsIdentifier } from './sql-quote.ts'
import { isTrivia, stringValue, type Token, tokenize } from './sql-tokens.ts'

// One model per blueprint: more than this is a generator gone wrong, not a hand-written file.
const blueprintsMax = 1_000

function fail(path: string, line: number, message: string): never {
  throw new MateriaError('model', `${path}:${line} ${message}`)
}

function blueprintVariables(
  text: string,
  group: HeaderNode,
  path: string,
  line: number,
): Map<string, string> {
  if (group.kind !== 'group') return fail(path, line, 'each blueprint is a list like (name := value, ...)')
  const variables = new Map<string, string>()
  for (const item of group.items) {
    if (item.length === 0) continue
    const [nameNode, assign, ...value] = item
    const ok =
      nameNode?.kind === 'token' &&
      nameNode.token.kind === 'word' &&
      assign?.kind === 'token' &&
      (assign.token.text === ':=' || assign.token.text === '=') &&
      value.length > 0
    if (!ok) return fail(path, line, 'malformed blueprint variable; write name := value')
    variables.set(nameNode.token.text.toLowerCase(), nodesText(text, value))
  }
  return variables
}

function substitute(tokens: readonly Token[], variables: ReadonlyMap<string, string>): string {
  const defined = new Set<string>()
  for (const [index, token] of tokens.entries()) {
    if (token.kind !== 'macro' || token.text.toLowerCase() !== '@def') continue
    const name = tokens.slice(index + 1).find((next) => !isTrivia(next) && next.text !== '(')
    if (name !== undefined) defined.add(name.text.toLowerCase())
  }
  let output = ''
  for (let index = 0; index < tokens.length; index += 1) {
    const token = tokens[index]!
    if (token.kind !== 'macro') {
      output += token.text
      continue
    }
    // @BLUEPRINT_VAR('name', default): the blueprint's value, else the default.
    if (token.text.toLowerCase() === '@blueprint_var') {
      const call = blueprintVarCall(tokens, index, variables)
      if (call !== null) {
        output += call.text
        index = call.last
        continue
      }
    }
    const curly = token.text.startsWith('@{')
    const name = (curly ? token.text.slice(2, -1) : token.text.slice(1)).toLowerCase()
    const value = defined.has(name) ? undefined : variables.get(name)
    if (value === undefined) output += token.text
    else output += curly ? literalAsIdentifier(value) : value
  }
  return output
}

function blueprintVarCall(
  tokens: readonly Token[],
  index: number,
  variables: ReadonlyMap<string, string>,
): { text: string; last: number } | null {
  const rest: { token: Token; index: number }[] = []
  for (let cursor = index + 1; cursor < tokens.length; cursor += 1)
    if (!isTrivia(tokens[cursor]!)) rest.push({ token: tokens[cursor]!, index: cursor })
  const [open, name, separator] = rest
  if (open?.token.text !== '(' || name?.token.kind !== 'string') return null
  const value = variables.get(stringValue(name.token).toLowerCase())
  if (separator?.token.text === ')')
    return value === undefined ? null : { text: value, last: separator.index }
  if (separator?.token.text !== ',') return null
  let depth = 1
  const fallback: Token[] = []
  for (const { token, index: position } of rest.slice(3)) {
    if (token.text === '(') depth += 1
    if (token.text === ')') depth -= 1
    if (depth === 0) {
      const text = value ?? fallback.map((item) => item.text).join(' ')
      return { text, last: position }
    }
    fallback.push(token)
  }
  return null
}

// The texts of the models a file defines: itself, or one per blueprint.
export function expandBlueprints(text: string, path: string): string[] {
  if (!/\bblueprints\b/i.test(text)) return [text]
  const tokens = tokenize(text, path)
  const header = parseHeader(tokens, path, 'MODEL')
  const property = header.properties.find((candidate) => candidate.name === 'blueprints')
  if (property === undefined) return [text]
  const [list] = property.value
  if (property.value.length !== 1 || list?.kind !== 'group')
    return fail(path, property.line, 'blueprints must be a list like ((name := a), (name := b))')
  const groups = list.items.filter((item) => item.length > 0)
  if (groups.length > blueprintsMax)
    fail(path, property.line, `more than ${blueprintsMax} blueprints (blueprintsMax); split the file`)
  const blueprints = groups.map((item) => {
    if (item.length !== 1)
      return fail(path, property.line, 'each blueprint is a list like (name := value, ...)')
    return blueprintVariables(text, item[0]!, path, property.line)
  })
  if (blueprints.length === 0) return fail(path, property.line, 'blueprints is empty; give at least one')
  // Blank `blueprints (...)` in place: from the property's name to the end of its value.
  const valueEnd = list.close.end
  const nameStart = text.slice(0, list.open.start).search(/blueprints\s*$/i)
  const blanked =
    text.slice(0, nameStart) + text.slice(nameStart, valueEnd).replace(/[^\n]/g, ' ') + text.slice(valueEnd)
  const blankedTokens = tokenize(blanked, path)
  return blueprints.map((variables) => substitute(blankedTokens, variables))
}
