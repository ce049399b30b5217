// Test support for the CLI's tests: run the real `main` in-process on a project with the clock pinned,
// and a digest of every view and table of the project's database (name, row count, row hash) to show
// that a refused command changed nothing.
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { main } from '../../cli.ts'
import { openDatabase } from '../../engine/database.ts'

export const example = new URL('../../engine/testdata/example', import.meta.url).pathname

export interface Run {
  readonly code: number
  readonly stdout: string
  readonly stderr: string
}

export function materia(root: string, ...argv: string[]): Promise<Run> {
  return materiaWith({}, root, ...argv)
}

// `env` adds to (or overrides) the process environment, e.g. MATERIA_LANDING.
export async function materiaWith(
  env: Record<string, string>,
  root: string,
  ...argv: string[]
): Promise<Run> {
  let stdout = ''
  let stderr = ''
  const sink = (append: (text: string) => void) =>
    new Writable({
      write(chunk, _encoding, done) {
        append(chunk.toString())
        done()
      },
    })
  const code = await main([...argv, '--project', root], {
    cwd: root,
    env: { ...process.env, MATERIA_NOW: '2024-03-01T12:00:00Z', MATERIA_ENV: '', ...env },
    stdout: sink((text) => {
      stdout += text
    }),
    stderr: sink((text) => {
      stderr += text
    }),
    isTTY: false,
  })
  return { code, stdout, stderr }
}

// Every view and base table of the file with its row count and a hash of its rows. With
// `views: 'definitions'`, views are digested by their SQL instead (for views that can no longer be
// read, e.g. over an unreadable landed file).
export async function databaseDigest(
  root: string,
  options: { readonly views?: 'rows' | 'definitions' } = {},
): Promise<string> {
  const db = await openDatabase(join(root, '.materia', 'local.duckdb'), { readOnly: true })
  try {
    const byDefinition = options.views === 'definitions'
    const relations = await db.rows(
      `SELECT schema_name, view_name AS name, sql FROM duckdb_views() WHERE NOT internal
       UNION ALL SELECT schema_name, table_name, NULL FROM duckdb_tables() ORDER BY 1, 2`,
    )
    const lines: string[] = []
    for (const relation of relations) {
      const name = `"${String(relation.schema_name)}"."${String(relation.name)}"`
      if (byDefinition && relation.sql !== null) {
        lines.push(`${name} ${String(relation.sql)}`)
        continue
      }
      const [row] = await db.rows(
        `SELECT count(*)::INTEGER AS n, coalesce(sum(hash(t::VARCHAR)), 0)::VARCHAR AS h FROM ${name} AS t`,
      )
      lines.push(`${name} ${String(row?.n)} ${String(row?.h)}`)
    }
    return lines.join('\n')
  } finally {
    db.close()
  }
}
