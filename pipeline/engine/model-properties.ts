// Interpreting the values of MODEL header properties that have structure: kind, audits, columns,
// and the plain strings and name lists. Each reads a HeaderNode sequence and returns plain data,
// or raises MateriaError naming the file and line.
import { MateriaError } from '../errors.ts'
import { type HeaderNode, nodesLine, nodesName, nodesNameList, nodesText } from './header.ts'
import type { AuditCall, ModelColumn, ModelKind } from './model.ts'
import { stringValue } from './sql-tokens.ts'

const kindNames = [
  'FULL',
  'VIEW',
  'SEED',
  'INCREMENTAL_BY_TIME_RANGE',
  'INCREMENTAL_BY_UNIQUE_KEY',
  'INCREMENTAL_BY_PARTITION',
  'INCREMENTAL_UNMANAGED',
  'SCD_TYPE_2',
  'SCD_TYPE_2_BY_TIME',
  'SCD_TYPE_2_BY_COLUMN',
  'EMBEDDED',
] as const

// Kinds SQLMesh documents that cannot work here, each with the reason.
const unsupportedKinds: Readonly<Record<string, string>> = {
  CUSTOM: 'CUSTOM materializations are Python classes; write the model as FULL or INCREMENTAL_* instead',
  MANAGED:
    'MANAGED models need an engine that maintains them (Snowflake dynamic tables); DuckDB has none, use FULL',
  EXTERNAL: 'EXTERNAL models are declared in external_models.yaml at the project root, not in a model file',
}

// The options SQLMesh documents per kind (reference/model_configuration): `effect` ones change what
// is built here; `ignored` ones are accepted with a warning that they have no effect on DuckDB.
const incrementalIgnored = [
  'batch_concurrency',
  'forward_only',
  'disable_restatement',
  'on_destructive_change',
  'on_additive_change',
  'auto_restatement_cron',
  'auto_restatement_intervals',
]
const scdOptions = ['unique_key', 'valid_from_name', 'valid_to_name', 'invalidate_hard_deletes']
const kindOptions: Readonly<
  Record<string, { readonly effect: readonly string[]; readonly ignored: readonly string[] }>
> = {
  FULL: { effect: [], ignored: [] },
  VIEW: { effect: [], ignored: ['materialized'] },
  EMBEDDED: { effect: [], ignored: [] },
  SEED: { effect: ['path', 'batch_size', 'csv_settings', 'allow_empty'], ignored: [] },
  INCREMENTAL_BY_TIME_RANGE: {
    effect: ['time_column', 'batch_size', 'lookback', 'format'],
    ignored: [...incrementalIgnored, 'partition_by_time_column', 'time_data_type'],
  },
  INCREMENTAL_BY_UNIQUE_KEY: {
    effect: ['unique_key'],
    ignored: [...incrementalIgnored, 'when_matched', 'merge_filter', 'batch_size', 'lookback'],
  },
  INCREMENTAL_BY_PARTITION: { effect: [], ignored: [...incrementalIgnored, 'batch_size', 'lookback'] },
  INCREMENTAL_UNMANAGED: { effect: [], ignored: [...incrementalIgnored, 'insert_overwrite'] },
  SCD_TYPE_2_BY_TIME: {
    effect: [...scdOptions, 'updated_at_name', 'updated_at_as_valid_from'],
    ignored: [...incrementalIgnored, 'time_data_type', 'batch_size', 'lookback'],
  },
  SCD_TYPE_2_BY_COLUMN: {
    effect: [...scdOptions, 'columns', 'execution_time_as_valid_from'],
    ignored: [...incrementalIgnored, 'time_data_type', 'updated_at_name', 'batch_size', 'lookback'],
  },
}

function fail(path: string, line: number, message: string): never {
  throw new MateriaError('model', `${path}:${line} ${message}`)
}

// A single string literal (or a "double-quoted" one, as SQLMesh accepts), or a bare word/number
// for convenience (owner alice).
export function stringProperty(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  what: string,
): string {
  const [node] = nodes
  if (nodes.length === 1 && node?.kind === 'token') {
    if (node.token.kind === 'string') return stringValue(node.token)
    if (node.token.kind === 'quoted') return node.token.text.slice(1, -1).replaceAll('""', '"')
    if (node.token.kind === 'word' || node.token.kind === 'number') return node.token.text
  }
  return fail(path, line, `${what} must be a string like '...'`)
}

export function booleanProperty(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  what: string,
): boolean {
  const [node] = nodes
  const text = nodes.length === 1 && node?.kind === 'token' ? node.token.text.toLowerCase() : ''
  const value = text.replace(/^'(.*)'$/, '$1')
  if (value === 'true') return true
  if (value === 'false') return false
  return fail(path, line, `${what} must be true or false`)
}

export function nameListProperty(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  what: string,
): string[] {
  const names = nodesNameList(nodes)
  if (names === null) fail(path, line, `${what} must be a name or a list of names like (a, b)`)
  return names
}

export type Warn = (line: number, message: string) => void

function kindOptionValues(
  group: HeaderNode | undefined,
  kind: string,
  path: string,
  line: number,
  warn: Warn,
): Map<string, readonly HeaderNode[]> {
  const values = new Map<string, readonly HeaderNode[]>()
  if (group === undefined) return values
  if (group.kind !== 'group') return fail(path, line, `kind ${kind} takes its options in parentheses`)
  const { effect, ignored } = kindOptions[kind]!
  for (const item of group.items) {
    const [nameNode, ...value] = item
    if (nameNode === undefined) continue
    const name = nameNode.kind === 'token' ? nameNode.token.text.toLowerCase() : '('
    const itemLine = nodesLine(item, line)
    if (ignored.includes(name)) {
      warn(itemLine, `option ${name} of kind ${kind} has no effect on DuckDB; accepted and ignored`)
      continue
    }
    if (!effect.includes(name)) {
      const allowed = [...effect, ...ignored]
      const use = allowed.length === 0 ? 'it takes none' : `use ${allowed.join(' | ')}`
      fail(path, itemLine, `unknown option "${name}" of kind ${kind}; ${use}`)
    }
    if (value.length === 0) fail(path, itemLine, `option ${name} of kind ${kind} has no value`)
    values.set(name, value)
  }
  return values
}

function integerOption(
  nodes: readonly HeaderNode[] | undefined,
  path: string,
  line: number,
  name: string,
): number | null {
  if (nodes === undefined) return null
  const [node] = nodes
  if (nodes.length === 1 && node?.kind === 'token' && /^[0-9]+$/.test(node.token.text))
    return Number(node.token.text)
  return fail(path, line, `${name} must be a whole number`)
}

// csv_settings (delimiter = ';', quotechar = '"', skipinitialspace = true)
// The csv_settings DuckDB's read_csv honours (apply.ts maps them); SQLMesh's others are pandas-only.
const csvSettingsRead = ['delimiter', 'sep', 'quotechar', 'escapechar', 'encoding', 'lineterminator']

function csvSettingsOption(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  warn: Warn,
): Record<string, string | boolean> {
  const [group] = nodes
  if (nodes.length !== 1 || group?.kind !== 'group')
    return fail(path, line, "csv_settings must be a list like (delimiter = ';', quotechar = '\"')")
  const settings: Record<string, string | boolean> = {}
  for (const item of group.items) {
    if (item.length === 0) continue
    const [nameNode, assign, ...value] = item
    const itemLine = nodesLine(item, line)
    const ok = nameNode?.kind === 'token' && assign?.kind === 'token' && value.length > 0
    if (!ok || !(assign.token.text === '=' || assign.token.text === ':=')) {
      return fail(path, itemLine, 'malformed csv_settings entry; write name = value')
    }
    const name = nameNode.token.text.toLowerCase()
    const [valueNode] = value
    const word = valueNode?.kind === 'token' ? valueNode.token.text.toLowerCase() : ''
    settings[name] =
      word === 'true' || word === 'false'
        ? word === 'true'
        : stringProperty(value, path, itemLine, `csv_settings ${name}`)
    if (!csvSettingsRead.includes(name))
      warn(
        itemLine,
        `csv_settings ${name} has no effect here (DuckDB's CSV reader has no such option); accepted and ignored`,
      )
  }
  return settings
}

// time_column event_date  |  time_column (event_date, '%Y-%m-%d')
function timeColumnOption(nodes: readonly HeaderNode[], path: string, line: number, warn: Warn): string {
  const [first] = nodes
  if (nodes.length === 1 && first?.kind === 'group') {
    const [columnNodes, formatNodes] = first.items
    const column = columnNodes === undefined ? null : nodesName(columnNodes)
    if (column === null) return fail(path, line, "time_column must be a column or (column, 'format')")
    if (formatNodes !== undefined && formatNodes.length > 0) {
      const format = stringProperty(formatNodes, path, line, 'time_column format')
      if (format !== '%Y-%m-%d')
        warn(line, `time_column format '${format}' has no effect; the column is compared as a TIMESTAMP`)
    }
    return column
  }
  const column = nodesName(nodes)
  if (column === null) return fail(path, line, "time_column must be a column or (column, 'format')")
  return column
}

// columns [a, b] | columns (a, b) | columns * | columns '*'
function scdColumnsOption(nodes: readonly HeaderNode[], path: string, line: number): readonly string[] | '*' {
  const [first] = nodes
  if (
    nodes.length === 1 &&
    first?.kind === 'token' &&
    (first.token.text === '*' || first.token.text === "'*'")
  )
    return '*'
  return nameListProperty(nodes, path, line, 'columns of SCD_TYPE_2_BY_COLUMN')
}

function scdKind(
  name: 'SCD_TYPE_2_BY_TIME' | 'SCD_TYPE_2_BY_COLUMN',
  options: ReadonlyMap<string, readonly HeaderNode[]>,
  path: string,
  line: number,
): ModelKind {
  const key = options.get('unique_key')
  if (key === undefined) return fail(path, line, `kind ${name} needs (unique_key (a, b))`)
  const text = (option: string, fallback: string) => {
    const nodes = options.get(option)
    return nodes === undefined
      ? fallback
      : (nodesName(nodes) ?? fail(path, line, `${option} must be a column name`))
  }
  const flag = (option: string, fallback: boolean) => {
    const nodes = options.get(option)
    return nodes === undefined ? fallback : booleanProperty(nodes, path, line, option)
  }
  const common = {
    uniqueKey: nameListProperty(key, path, line, 'unique_key'),
    validFromName: text('valid_from_name', 'valid_from'),
    validToName: text('valid_to_name', 'valid_to'),
    // SQLMesh's documented default (model_kinds "Deletes"): true.
    invalidateHardDeletes: flag('invalidate_hard_deletes', true),
  }
  if (name === 'SCD_TYPE_2_BY_TIME') {
    return {
      name,
      ...common,
      updatedAtName: text('updated_at_name', 'updated_at'),
      updatedAtAsValidFrom: flag('updated_at_as_valid_from', false),
    }
  }
  const columns = options.get('columns')
  if (columns === undefined) return fail(path, line, `kind ${name} needs (columns (a, b)) or (columns *)`)
  return {
    name,
    ...common,
    columns: scdColumnsOption(columns, path, line),
    executionTimeAsValidFrom: flag('execution_time_as_valid_from', false),
  }
}

export function kindProperty(
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
  warn: Warn = () => {},
): ModelKind {
  const [nameNode, group, extra] = nodes
  const written = nameNode?.kind === 'token' ? nameNode.token.text : nodesText('', nodes)
  const upper = written.toUpperCase()
  const unsupported = unsupportedKinds[upper]
  if (unsupported !== undefined) return fail(path, line, `kind ${upper} is not supported: ${unsupported}`)
  if (nameNode?.kind !== 'token' || !(kindNames as readonly string[]).includes(upper)) {
    return fail(path, line, `unknown kind "${written}"; use ${kindNames.join(' | ')}`)
  }
  if (extra !== undefined) fail(path, line, `unexpected text after kind ${upper}`)
  // SQLMesh keeps SCD_TYPE_2 as the old name of SCD_TYPE_2_BY_TIME.
  const name = upper === 'SCD_TYPE_2' ? 'SCD_TYPE_2_BY_TIME' : upper
  const options = kindOptionValues(group, name, path, line, warn)
  switch (name) {
    case 'FULL':
    case 'VIEW':
    case 'EMBEDDED':
    case 'INCREMENTAL_BY_PARTITION':
    case 'INCREMENTAL_UNMANAGED':
      return { name }
    case 'SEED': {
      const pathNodes = options.get('path')
      if (pathNodes === undefined)
        return fail(path, line, `kind SEED needs a file: SEED (path 'seeds/x.csv')`)
      const batchSize = integerOption(options.get('batch_size'), path, line, 'batch_size')
      if (batchSize === 0) fail(path, line, 'batch_size must be at least 1')
      const settings = options.get('csv_settings')
      const allowEmpty = options.get('allow_empty')
      return {
        name,
        path: stringProperty(pathNodes, path, line, 'SEED path'),
        ...(allowEmpty === undefined
          ? {}
          : { allowEmpty: booleanProperty(allowEmpty, path, line, 'allow_empty') }),
        ...(batchSize === null ? {} : { batchSize }),
        ...(settings === undefined ? {} : { csvSettings: csvSettingsOption(settings, path, line, warn) }),
      }
    }
    case 'INCREMENTAL_BY_TIME_RANGE': {
      const column = options.get('time_column')
      if (column === undefined)
        return fail(path, line, `kind ${name} needs (time_column c): the column holding each row's time`)
      const timeColumn = timeColumnOption(column, path, line, warn)
      const format = options.get('format')
      if (format !== undefined) {
        const text = stringProperty(format, path, line, 'format')
        if (text !== '%Y-%m-%d')
          warn(line, `format '${text}' has no effect; the time column is compared as a TIMESTAMP`)
      }
      const batchSize = integerOption(options.get('batch_size'), path, line, 'batch_size')
      const lookback = integerOption(options.get('lookback'), path, line, 'lookback') ?? 0
      if (batchSize === 0) fail(path, line, 'batch_size must be at least 1')
      return { name, timeColumn, batchSize, lookback }
    }
    case 'INCREMENTAL_BY_UNIQUE_KEY': {
      const key = options.get('unique_key')
      if (key === undefined) return fail(path, line, `kind ${name} needs (unique_key (a, b))`)
      return { name, uniqueKey: nameListProperty(key, path, line, 'unique_key') }
    }
    case 'SCD_TYPE_2_BY_TIME':
    case 'SCD_TYPE_2_BY_COLUMN':
      return scdKind(name, options, path, line)
    default:
      throw new Error(`assertion failed: kind ${name} handled`)
  }
}

// audits (not_null(columns := (a, b)), accepted_range(column := x, min_v := 0), my_audit)
export function auditsProperty(
  text: string,
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
): AuditCall[] {
  const [group] = nodes
  if (nodes.length !== 1 || group?.kind !== 'group')
    return fail(path, line, 'audits must be a list like (not_null(columns := (a)))')
  return group.items
    .filter((item) => item.length > 0)
    .map((item) => {
      const [nameNode, argsNode, extra] = item
      const itemLine = nodesLine(item, line)
      if (nameNode?.kind !== 'token' || nameNode.token.kind !== 'word' || extra !== undefined) {
        return fail(
          path,
          itemLine,
          `malformed audit "${nodesText(text, item)}"; write name(arg := value, ...)`,
        )
      }
      const written = nameNode.token.text.toLowerCase()
      const blocking = !written.endsWith('_non_blocking')
      const name = blocking ? written : written.slice(0, -'_non_blocking'.length)
      const args = argsNode === undefined ? {} : auditArguments(text, argsNode, path, itemLine, name)
      return { name, args, blocking }
    })
}

function auditArguments(
  text: string,
  node: HeaderNode,
  path: string,
  line: number,
  audit: string,
): Record<string, string> {
  if (node.kind !== 'group') return fail(path, line, `audit ${audit} takes its arguments in parentheses`)
  const args: Record<string, string> = {}
  for (const item of node.items) {
    if (item.length === 0) continue
    const [nameNode, assign, ...value] = item
    const ok = nameNode?.kind === 'token' && nameNode.token.kind === 'word' && assign?.kind === 'token'
    if (!ok || !(assign.token.text === ':=' || assign.token.text === '=') || value.length === 0) {
      return fail(path, nodesLine(item, line), `malformed argument of audit ${audit}; write name := value`)
    }
    args[nameNode.token.text.toLowerCase()] = nodesText(text, value)
  }
  return args
}

// columns (a INT, b DECIMAL(10, 2))
export function columnsProperty(
  text: string,
  nodes: readonly HeaderNode[],
  path: string,
  line: number,
): ModelColumn[] {
  const [group] = nodes
  if (nodes.length !== 1 || group?.kind !== 'group')
    return fail(path, line, 'columns must be a list like (a INT, b TEXT)')
  return group.items
    .filter((item) => item.length > 0)
    .map((item) => {
      const [nameNode, ...type] = item
      const name = nameNode === undefined ? null : nodesName([nameNode])
      if (name === null || type.length === 0) {
        return fail(
          path,
          nodesLine(item, line),
          `malformed column "${nodesText(text, item)}"; write name TYPE`,
        )
      }
      return { name, type: nodesText(text, type) }
    })
}
