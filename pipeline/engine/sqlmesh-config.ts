// Reads a SQLMesh config.yaml (guides/configuration: gateways, default_gateway, model_defaults,
// variables) into the text of a materia.yaml. Only DuckDB gateways can run here; other gateways and
// keys without a meaning here are listed as notes, one line each, so nothing is dropped silently.
import { basename } from 'node:path'
import { isMap, parseDocument, stringify } from 'yaml'
import { MateriaError } from '../errors.ts'

interface ConvertedConfig {
  readonly text: string // the materia.yaml
  readonly notes: readonly string[] // what was not carried over, and why
}

type Plain = Record<string, unknown>

function mapping(value: unknown): Plain {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Plain) : {}
}

// The project name materia.yaml needs: the folder's name, as letters, digits and _.
export function projectName(directory: string): string {
  const name = basename(directory)
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/^_+|_+$/g, '')
  return name === '' ? 'project' : name
}

export function convertSqlmeshConfig(text: string, path: string, name: string): ConvertedConfig {
  const document = parseDocument(text)
  const [error] = document.errors
  if (error !== undefined)
    throw new MateriaError('config', `${path}: ${error.message.split('\n')[0]}; fix the YAML`)
  if (!isMap(document.contents)) throw new MateriaError('config', `${path}: expected a mapping of settings`)
  const config = mapping(document.toJS())
  const notes: string[] = []
  const gateways: Plain = {}
  for (const [gateway, settings] of Object.entries(mapping(config.gateways))) {
    const connection = mapping(mapping(settings).connection)
    if (connection.type !== 'duckdb') {
      notes.push(
        `gateway ${gateway} (${String(connection.type ?? 'no type')}) left out: only DuckDB gateways run here`,
      )
      continue
    }
    const database = typeof connection.database === 'string' ? connection.database : '.materia/local.duckdb'
    gateways[gateway] = { type: 'duckdb', path: database }
  }
  const defaults = mapping(config.model_defaults)
  const modelDefaults: Plain = {}
  if (defaults.start !== undefined) modelDefaults.start = String(defaults.start)
  if (defaults.cron !== undefined) modelDefaults.cron = String(defaults.cron)
  for (const key of Object.keys(defaults)) {
    if (key === 'start' || key === 'cron') continue
    if (key === 'dialect' && defaults.dialect === 'duckdb') continue
    notes.push(`model_defaults ${key} left out: it has no effect here`)
  }
  const result: Plain = { name }
  const gatewayNames = Object.keys(gateways)
  if (gatewayNames.length > 0) {
    const wanted = typeof config.default_gateway === 'string' ? config.default_gateway : gatewayNames[0]!
    result.default_gateway = gatewayNames.includes(wanted) ? wanted : gatewayNames[0]
    result.gateways = gateways
  }
  if (Object.keys(modelDefaults).length > 0) result.model_defaults = modelDefaults
  const variables = mapping(config.variables)
  if (Object.keys(variables).length > 0) result.variables = variables
  const known = ['gateways', 'default_gateway', 'model_defaults', 'variables']
  for (const key of Object.keys(config)) {
    if (!known.includes(key)) notes.push(`${key} left out: it has no meaning here`)
  }
  const header = `# Read from SQLMesh's ${basename(path)} by materia init; the model files are unchanged.\n`
  return { text: header + stringify(result), notes }
}
