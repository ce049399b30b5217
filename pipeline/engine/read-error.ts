// The one line a failed DuckDB statement is reported with. When a read_csv over several files
// (raw.psd_alldata reads every landed snapshot with union_by_name) cannot sniff one of them, DuckDB
// says `Error when sniffing file ""` and names none, so every query over the landing fails with
// nothing to act on. Then each landed CSV is sniffed on its own (DuckDB's sniff_csv, which reads
// only the start of a compressed file) and the error names the files that fail, with what to do.
// A file that got past extract's checks (landed before they existed, or copied in by hand) is the
// case this is for; the landing itself is never changed here.
import type { DuckDBConnection } from '@duckdb/node-api'
import { landedFilesSniffedMax } from '../limits.ts'
import { landingExpression } from './landing-runtime.ts'
import { quoteLiteral } from './sql-quote.ts'

// DuckDB's own words for a file it could not read; `file ""` means it did not say which.
const unnamedFile = /\bfile ""/

// DuckDB's second line, when it is a suggestion: 'Did you mean "obt_commodity_metrics"?' after a
// missing table or function, 'Candidate bindings: "market_year"' after a missing column.
const suggestion = /^(Did you mean .*|Candidate bindings: .*)$/
// A suggestion longer than this (a list of candidate columns) is cut, with an ellipsis.
const suggestionCharsMax = 200

// DuckDB's first line, with its suggestion when it made one (in `environment`'s names): `lines` 'one'
// leaves out the lines after (the query again, with a caret under the failing word), as a one-line
// error does; 'all' keeps them, each on its line, as the workbench's editor shows them.
function reported(error: unknown, environment: string | undefined, lines: 'one' | 'all'): string {
  const [first = '', second = '', ...rest] = String(error instanceof Error ? error.message : error).split(
    '\n',
  )
  if (!suggestion.test(second)) return lines === 'one' ? first : [first, second, ...rest].join('\n')
  const cut = second.length > suggestionCharsMax ? `${second.slice(0, suggestionCharsMax)}...` : second
  const hint = modelNames(cut, environment)
  return lines === 'one' ? `${first} ${hint}` : [first, hint, ...rest].join('\n')
}

// In a dev environment DuckDB may suggest the environment's own schema ("serving.x or
// serving__dev_x.x"): a query names serving.x, which reads dev's view, so the suggestion says that.
function modelNames(hint: string, environment: string | undefined): string {
  if (environment === undefined || environment === 'prod') return hint
  const named = hint.replace(new RegExp(`\\b([a-z0-9_]+)__${environment}\\.`, 'g'), '$1.')
  return named.replace(/"([^"]+) or \1"/, '"$1"')
}

// `environment`: the one the query ran in; `lines`: see reported.
export async function describeQueryError(
  connection: DuckDBConnection,
  error: unknown,
  options: { readonly environment?: string; readonly lines?: 'one' | 'all' } = {},
): Promise<string> {
  const line = reported(error, options.environment, 'one')
  if (!unnamedFile.test(line)) return reported(error, options.environment, options.lines ?? 'one')
  const landingDir = await boundLanding(connection)
  if (landingDir === undefined) return `${line}; DuckDB names no file: check the CSV files the query reads`
  const bad = await unreadableLandedFiles(connection, landingDir)
  if (bad.length === 0)
    return `${line}; DuckDB names no file and every CSV in the landing folder ${landingDir} sniffs cleanly: check the other files the query reads`
  const first = bad[0] as { path: string; reason: string }
  const more =
    bad.length > 1
      ? ` (and ${bad.length - 1} more: ${bad
          .slice(1, 4)
          .map((file) => file.path)
          .join(', ')}${bad.length > 4 ? ', ...' : ''})`
      : ''
  return `landed file ${first.path} is not readable as CSV by DuckDB (${first.reason}; check its line endings and quoting)${more}; move it out of the landing folder (e.g. into ${landingDir}/_quarantine/) and land that month again with materia extract`
}

// The landing folder this instance was opened with, or undefined when none was bound.
async function boundLanding(connection: DuckDBConnection): Promise<string | undefined> {
  try {
    const reader = await connection.runAndReadAll(`SELECT ${landingExpression} AS landing`)
    const value = reader.getRowObjectsJS()[0]?.landing
    return typeof value === 'string' ? value : undefined
  } catch {
    return undefined
  }
}

// DuckDB's first line names the file again; its second says what went wrong.
// "Invalid Input Error: Error when sniffing file "/x.csv.gz".\nIt was not possible to ..." becomes
// "Error when sniffing: It was not possible to ...".
function sniffReason(error: unknown): string {
  const [first = '', second] = String(error instanceof Error ? error.message : error).split('\n')
  const what = first.replace(/^[\w ]*Error: /, '').replace(/ file "[^"]*"\.?$/, '')
  return second === undefined || second === '' ? what : `${what}: ${second}`
}

async function unreadableLandedFiles(
  connection: DuckDBConnection,
  landingDir: string,
): Promise<{ path: string; reason: string }[]> {
  let files: string[]
  try {
    const reader = await connection.runAndReadAll(
      `SELECT file FROM glob(${quoteLiteral(`${landingDir}/**`)}) ORDER BY file LIMIT ${landedFilesSniffedMax}`,
    )
    files = reader
      .getRowObjectsJS()
      .map((row) => String(row.file))
      .filter((file) => /\.(csv|tsv|txt)(\.gz|\.zst)?$/i.test(file) && !file.includes('/_quarantine/'))
  } catch {
    return []
  }
  const bad: { path: string; reason: string }[] = []
  for (const file of files) {
    try {
      await connection.runAndReadAll(`SELECT Delimiter FROM sniff_csv(${quoteLiteral(file)})`)
    } catch (error) {
      bad.push({ path: file, reason: sniffReason(error) })
    }
  }
  return bad
}
