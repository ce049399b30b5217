// Query tabs: the editor's open tabs (title and SQL each) in <project>/.materia/query-tabs.json, so
// they survive restarts. The browser's own storage would not: the workbench listens on a new port
// each start, and storage belongs to the origin, port included.
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { MateriaError } from '../pipeline/errors.ts'
import { querySqlBytesMax, queryTabsMax } from '../pipeline/limits.ts'

export interface QueryTab {
  readonly title: string
  readonly sql: string
}

export interface QueryTabs {
  readonly tabs: readonly QueryTab[]
  readonly active: number // index into tabs
}

// A project's first tab: one tab holding `sql` (starterSql in context.ts).
export function firstTabs(sql: string): QueryTabs {
  return { tabs: [{ title: 'Query 1', sql }], active: 0 }
}

// Checks what the browser sends: a list of 1..queryTabsMax tabs with string titles and SQL.
export function parseQueryTabs(value: unknown): QueryTabs {
  const { tabs, active } = (value ?? {}) as { tabs?: unknown; active?: unknown }
  if (!Array.isArray(tabs) || tabs.length === 0 || tabs.length > queryTabsMax) {
    throw new MateriaError('usage', `query tabs must be a list of 1 to ${queryTabsMax} tabs`)
  }
  const parsed = tabs.map((tab: unknown, index) => {
    const { title, sql } = (tab ?? {}) as { title?: unknown; sql?: unknown }
    if (typeof title !== 'string' || typeof sql !== 'string' || Buffer.byteLength(sql) > querySqlBytesMax) {
      throw new MateriaError(
        'usage',
        `query tab ${index + 1} needs a title and SQL under ${querySqlBytesMax} bytes`,
      )
    }
    return { title: title.slice(0, 80), sql }
  })
  const index = Number(active)
  return { tabs: parsed, active: Number.isInteger(index) && index >= 0 && index < parsed.length ? index : 0 }
}

// The saved tabs; null when there are none yet, or the file was damaged by hand: the page then
// starts with one tab rather than refuse to open.
export async function readQueryTabs(path: string): Promise<QueryTabs | null> {
  try {
    return parseQueryTabs(JSON.parse(await readFile(path, 'utf8')))
  } catch {
    return null
  }
}

// Written to a temporary file and renamed, so a crash never leaves half a file.
export async function writeQueryTabs(path: string, tabs: QueryTabs): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await writeFile(`${path}.tmp`, JSON.stringify(tabs), { encoding: 'utf8', mode: 0o600 })
  await rename(`${path}.tmp`, path)
}
