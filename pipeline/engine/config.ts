// Reads <project>/materia.yaml into a ProjectConfig. Every key is checked: unknown keys and wrong
// types are errors with materia.yaml:line, because a misspelt key silently ignored is a setting
// silently lost. Paths are resolved against the project root and returned absolute.
import { readFileSync } from 'node:fs'
import { userInfo } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { isMap, isScalar, LineCounter, type Node, parseDocument } from 'yaml'
import { MateriaError } from '../errors.ts'
import { isValidCron, isValidDate } from './model-parser.ts'
import type { GatewayConfig, LintSeverity, ProjectConfig } from './project.ts'

const file = 'materia.yaml'
const topKeys = [
  'name',
  'default_gateway',
  'gateways',
  'model_defaults',
  'landing',
  'default_environment',
  'variables',
  'lint',
  'audit_grain',
  // Read by pipeline/remote/config.ts (workers per pipeline, the supervisor's schedule), not here.
  'workers',
  'schedule',
]
const identifier = /^[a-z_][a-z0-9_]*$/
type Scalar = string | number | boolean | null

interface Entry {
  readonly node: Node | null
  readonly line: number
}

function fail(line: number, message: string): never {
  throw new MateriaError('config', `${file}:${line} ${message}`)
}

// The entries of a YAML mapping, each with its line; keys outside `allowed` (when given) are errors.
function mapEntries(
  entry: Entry,
  where: string,
  lines: LineCounter,
  allowed?: readonly string[],
): Map<string, Entry> {
  if (!isMap(entry.node)) return fail(entry.line, `${where} must be a mapping (key: value lines)`)
  const entries = new Map<string, Entry>()
  for (const pair of entry.node.items) {
    const keyNode = pair.key as Node | null
    const line = keyNode?.range ? lines.linePos(keyNode.range[0]).line : entry.line
    const key = isScalar(keyNode) ? String(keyNode.value) : ''
    if (allowed !== undefined && !allowed.includes(key))
      fail(line, `unknown key "${key}" in ${where}; use ${allowed.join(' | ')}`)
    const valueNode = pair.value as Node | null
    const valueLine = valueNode?.range ? lines.linePos(valueNode.range[0]).line : line
    entries.set(key, { node: valueNode, line: valueLine })
  }
  return entries
}

function scalar(entry: Entry | undefined, where: string): Scalar | undefined {
  if (entry === undefined) return undefined
  if (entry.node === null) return null
  if (!isScalar(entry.node)) return fail(entry.line, `${where} must be a single value, not a list or mapping`)
  const value = entry.node.value
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return value as Scalar
  return fail(entry.line, `${where} must be a string, number or boolean`)
}

function stringValue(entry: Entry | undefined, where: string): string | undefined {
  const value = scalar(entry, where)
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') return fail(entry!.line, `${where} must be a string`)
  return value
}

function gateways(entry: Entry | undefined, root: string, lines: LineCounter): Record<string, GatewayConfig> {
  if (entry === undefined) return { local: { type: 'duckdb', path: join(root, '.materia', 'local.duckdb') } }
  const result: Record<string, GatewayConfig> = {}
  for (const [name, gateway] of mapEntries(entry, 'gateways', lines)) {
    const fields = mapEntries(gateway, `gateway ${name}`, lines, ['type', 'path'])
    const type = stringValue(fields.get('type'), `gateway ${name} type`) ?? 'duckdb'
    if (type !== 'duckdb')
      fail(fields.get('type')!.line, `gateway ${name} has type "${type}"; the only type is duckdb`)
    const path = stringValue(fields.get('path'), `gateway ${name} path`) ?? '.materia/local.duckdb'
    result[name] = { type: 'duckdb', path: resolve(root, path) }
  }
  return result
}

function modelDefaults(entry: Entry | undefined, lines: LineCounter): { start: string; cron: string } {
  const fields =
    entry === undefined
      ? new Map<string, Entry>()
      : mapEntries(entry, 'model_defaults', lines, ['start', 'cron'])
  const start = String(scalar(fields.get('start'), 'model_defaults start') ?? '2006-01-01')
  const cron = stringValue(fields.get('cron'), 'model_defaults cron') ?? '@daily'
  if (!isValidDate(start))
    fail(fields.get('start')!.line, `model_defaults start "${start}" is not an ISO date like '2006-01-01'`)
  if (!isValidCron(cron))
    fail(
      fields.get('cron')!.line,
      `model_defaults cron "${cron}" is not @hourly | @daily | @weekly | @monthly or a cron expression`,
    )
  return { start, cron }
}

function variables(entry: Entry | undefined, lines: LineCounter, landingDir: string): Record<string, Scalar> {
  const result: Record<string, Scalar> = {}
  if (entry !== undefined && entry.node !== null) {
    for (const [name, value] of mapEntries(entry, 'variables', lines)) {
      if (!identifier.test(name))
        fail(value.line, `variable name "${name}" must be lower case letters, digits and _`)
      if (name === 'landing_dir')
        fail(
          value.line,
          'variable landing_dir is set by landing: (or MATERIA_LANDING); remove it from variables',
        )
      result[name] = scalar(value, `variable ${name}`) ?? null
    }
  }
  result.landing_dir = landingDir
  return result
}

function lint(entry: Entry | undefined, lines: LineCounter): Record<string, LintSeverity> {
  const result: Record<string, LintSeverity> = {}
  if (entry === undefined || entry.node === null) return result
  for (const [rule, value] of mapEntries(entry, 'lint', lines)) {
    if (!/^[a-z_]+$/.test(rule)) fail(value.line, `lint rule "${rule}" must be lower case letters and _`)
    const severity = scalar(value, `lint ${rule}`)
    if (severity !== 'error' && severity !== 'warn' && severity !== 'off') {
      fail(value.line, `lint ${rule} is "${String(severity)}"; use error | warn | off`)
    }
    result[rule] = severity
  }
  return result
}

function auditGrain(entry: Entry | undefined): boolean {
  const value = scalar(entry, 'audit_grain')
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean')
    return fail(entry!.line, `audit_grain is "${String(value)}"; use true or false`)
  return value
}

function environmentName(value: string, line: number | null, source: string): string {
  if (identifier.test(value)) return value
  const message = `${source} "${value}" is not an environment name (lower case letters, digits, _), e.g. prod or dev_alice`
  if (line === null) throw new MateriaError('config', message)
  return fail(line, message)
}

function defaultUserEnvironment(): string {
  const name = userInfo()
    .username.toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
  return `dev_${name === '' ? 'user' : name}`
}

// The one error for a folder that is not a project: every command and the workbench say it alike.
export function projectConfigMissing(root: string): MateriaError {
  return new MateriaError(
    'config',
    `${join(resolve(root), file)} not found; run from a project folder or pass --project DIR`,
  )
}

export function loadConfig(root: string, env: NodeJS.ProcessEnv = process.env): ProjectConfig {
  const absoluteRoot = resolve(root)
  let text: string
  try {
    text = readFileSync(join(absoluteRoot, file), 'utf8')
  } catch {
    throw projectConfigMissing(absoluteRoot)
  }
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true })
  const [error] = document.errors
  if (error !== undefined)
    fail(lines.linePos(error.pos[0]).line, `${error.message.split('\n')[0]}; fix the YAML`)
  if (document.contents === null) fail(1, 'is empty; it needs at least name: <project name>')
  const top = mapEntries({ node: document.contents, line: 1 }, 'materia.yaml', lines, topKeys)
  const name = stringValue(top.get('name'), 'name')
  if (name === undefined) fail(1, 'has no name; add name: <project name>')
  const gatewayMap = gateways(top.get('gateways'), absoluteRoot, lines)
  const defaultGateway =
    stringValue(top.get('default_gateway'), 'default_gateway') ?? Object.keys(gatewayMap)[0] ?? 'local'
  if (gatewayMap[defaultGateway] === undefined) {
    fail(
      top.get('default_gateway')?.line ?? 1,
      `default_gateway "${defaultGateway}" is not under gateways; use ${Object.keys(gatewayMap).join(' | ')}`,
    )
  }
  const landingSetting = stringValue(top.get('landing'), 'landing') ?? '.materia/landing'
  const landingEnv = env.MATERIA_LANDING
  const landingDir = landingEnv
    ? resolve(landingEnv)
    : isAbsolute(landingSetting)
      ? landingSetting
      : resolve(absoluteRoot, landingSetting)
  const environmentEntry = top.get('default_environment')
  const configured = stringValue(environmentEntry, 'default_environment')
  const defaultEnvironment = env.MATERIA_ENV
    ? environmentName(env.MATERIA_ENV, null, 'MATERIA_ENV')
    : configured === undefined
      ? defaultUserEnvironment()
      : environmentName(configured, environmentEntry!.line, 'default_environment')
  return {
    name,
    defaultGateway,
    gateways: gatewayMap,
    modelDefaults: modelDefaults(top.get('model_defaults'), lines),
    variables: variables(top.get('variables'), lines, landingDir),
    lint: lint(top.get('lint'), lines),
    landingDir,
    defaultEnvironment,
    auditGrain: auditGrain(top.get('audit_grain')),
  }
}
