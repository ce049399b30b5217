// What people may run: `materia query`, the workbench editor and dashboard SQL blocks read model
// objects and never change them (only plan/apply write an environment). The check uses DuckDB's own
// parser: `json_serialize_sql` serializes exactly one SELECT-like statement (SELECT, FROM-first,
// VALUES, set operations, WITH ... SELECT, DESCRIBE, SUMMARIZE, SHOW) and refuses everything else,
// so `;`-chained scripts, data-modifying CTEs, COPY, ATTACH, PRAGMA, CALL, INSTALL/LOAD, SET, USE,
// EXPORT, CHECKPOINT and every DDL/DML statement are refused without a list of our own. A SELECT can
// still call a few functions that act instead of read; those are refused by name below.
//
// Scratch work: in the workbench, tables of one's own go to the per-user schema `scratch_<user>`,
// which no model reads (loading a project refuses a model that does). Only these forms are accepted
// there, with the target named as scratch_<user>.<table> and any query part checked like a query:
//   CREATE [OR REPLACE] TABLE|VIEW scratch_<user>.t AS <query>
//   INSERT INTO scratch_<user>.t [BY NAME] <query>
//   DELETE FROM scratch_<user>.t [WHERE <condition>]
//   DROP TABLE|VIEW [IF EXISTS] scratch_<user>.t
import { userInfo } from 'node:os'
import { resolve } from 'node:path'
import { MateriaError } from '../errors.ts'
import { loadConfig } from './config.ts'
import type { Project } from './project.ts'
import { parseStatementTree } from './sql-ast.ts'

// Table and scalar functions that change the database or the session although called from a SELECT,
// or that run SQL text the guard cannot see (query, query_table, json_execute_serialized_sql).
const actingFunctions = new Set([
  'checkpoint',
  'force_checkpoint',
  'nextval',
  'setseed',
  'query',
  'query_table',
  'json_execute_serialized_sql',
  'enable_logging',
  'disable_logging',
  'truncate_duckdb_logs',
  'enable_profiling',
  'disable_profiling',
  'enable_peg_parser',
  'disable_peg_parser',
])

export const scratchSchemaPrefix = 'scratch_'

// The scratch schema of the user running the workbench: scratch_<user>, lower-case letters, digits and _.
export function scratchSchema(env: NodeJS.ProcessEnv = process.env): string {
  const user = (env.USER ?? env.USERNAME ?? userInfo().username).toLowerCase().replace(/[^a-z0-9_]/g, '_')
  return `${scratchSchemaPrefix}${user || 'local'}`
}

function functionNames(node: unknown, out: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) functionNames(item, out)
    return
  }
  if (typeof node !== 'object' || node === null) return
  const record = node as Record<string, unknown>
  if (typeof record.function_name === 'string') out.add(record.function_name.toLowerCase())
  for (const value of Object.values(record)) {
    if (typeof value === 'object' && value !== null) functionNames(value, out)
  }
}

function firstWords(sql: string): string {
  const text = sql.trim().replace(/\s+/g, ' ')
  return text.length > 40 ? `${text.slice(0, 40)}...` : text
}

const readOnlyHint =
  'models are read-only to queries: change one through its file and materia plan, or keep tables of your own in your scratch schema'

// Refuses anything but one SELECT-like statement that reads. Throws MateriaError('query') naming
// what was refused and what to do instead.
export async function guardReadOnlyQuery(sql: string): Promise<void> {
  const tree = await parseStatementTree(sql)
  if (!tree.ok) {
    if (tree.kind === 'syntax') throw new MateriaError('query', `SQL syntax error: ${tree.message}`)
    throw new MateriaError(
      'query',
      `refused "${firstWords(sql)}": ${tree.message}, not one SELECT; ${readOnlyHint}`,
    )
  }
  const names = new Set<string>()
  functionNames(tree.statement, names)
  const acting = [...names].filter((name) => actingFunctions.has(name))
  if (acting.length > 0) {
    throw new MateriaError(
      'query',
      `refused "${firstWords(sql)}": ${acting.join(', ')}() acts instead of reading; ${readOnlyHint}`,
    )
  }
}

export type GuardedStatement =
  | { readonly kind: 'read' }
  | { readonly kind: 'scratch'; readonly table: string } // lower-case scratch_<user>.<table>

// One identifier as DuckDB reads it: plain (case-insensitive) or double-quoted with "" escapes.
const identifier = '(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)'
const qualified = String.raw`(${identifier})\s*\.\s*(${identifier})`
const scratchForms: readonly {
  readonly pattern: RegExp
  readonly query: (match: RegExpExecArray) => string
}[] = [
  {
    pattern: new RegExp(
      String.raw`^CREATE\s+(?:OR\s+REPLACE\s+)?(?:TABLE|VIEW)\s+${qualified}\s+AS\s+([\s\S]+)$`,
      'i',
    ),
    query: (match) => match[3] ?? '',
  },
  {
    pattern: new RegExp(String.raw`^INSERT\s+INTO\s+${qualified}\s+(?:BY\s+NAME\s+)?([\s\S]+)$`, 'i'),
    query: (match) => match[3] ?? '',
  },
  {
    pattern: new RegExp(String.raw`^DELETE\s+FROM\s+${qualified}(?:\s+WHERE\s+([\s\S]+))?$`, 'i'),
    // The condition is checked as the SELECT that reads the same rows.
    query: (match) =>
      `SELECT 1 FROM ${match[1]}.${match[2]}${match[3] === undefined ? '' : ` WHERE ${match[3]}`}`,
  },
  {
    pattern: new RegExp(String.raw`^DROP\s+(?:TABLE|VIEW)\s+(?:IF\s+EXISTS\s+)?${qualified}$`, 'i'),
    query: () => 'SELECT 1',
  },
]

function unquote(part: string): string {
  return (part.startsWith('"') ? part.slice(1, -1).replaceAll('""', '"') : part).toLowerCase()
}

// The workbench's check of one statement of a script: a read (as guardReadOnlyQuery), or one of the
// scratch forms above writing to `scratch` (the user's scratch schema). Anything else is refused.
export async function guardWorkbenchStatement(sql: string, scratch: string): Promise<GuardedStatement> {
  const text = sql.trim().replace(/;\s*$/, '')
  const tree = await parseStatementTree(text)
  if (tree.ok) {
    await guardReadOnlyQuery(text)
    return { kind: 'read' }
  }
  if (tree.kind === 'syntax') throw new MateriaError('query', `SQL syntax error: ${tree.message}`)
  for (const form of scratchForms) {
    const match = form.pattern.exec(text)
    if (match === null) continue
    const schema = unquote(match[1] ?? '')
    const table = unquote(match[2] ?? '')
    if (schema !== scratch) {
      throw new MateriaError(
        'query',
        `refused "${firstWords(text)}": it writes ${schema}.${table}, but everything outside your scratch schema is read-only to queries; only tables in your scratch schema ${scratch} can be written (e.g. CREATE TABLE ${scratch}.${table} AS SELECT ...)`,
      )
    }
    await guardReadOnlyQuery(form.query(match))
    return { kind: 'scratch', table: `${schema}.${table}` }
  }
  throw new MateriaError(
    'query',
    `refused "${firstWords(text)}": ${tree.message}, not one SELECT; ${readOnlyHint} (${scratch})`,
  )
}

// The folders a query may read files in: the project (seeds, its database) and the landing store.
// Anything else on disk (read_text('/etc/passwd')) is refused by DuckDB itself (see OpenOptions).
// Takes a project root when the project does not load (a model has an error): its materia.yaml still
// names the landing folder, which apply needs once the model is fixed.
export function queryDirectories(project: Project | string, env: NodeJS.ProcessEnv = process.env): string[] {
  if (typeof project !== 'string') return [project.root, project.config.landingDir]
  try {
    return [resolve(project), loadConfig(project, env).landingDir]
  } catch {
    return [resolve(project)]
  }
}
