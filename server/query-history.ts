// Query history: one JSON line per run in <project>/.materia/query-history.jsonl, appended as runs
// finish, read back newest first, searchable by substring. The file survives restarts.
import { appendFile, mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname } from 'node:path'
import { queryHistoryEntriesMax } from '../pipeline/limits.ts'

export interface HistoryEntry {
  readonly at: string // ISO time the run finished
  readonly environment: string
  readonly sql: string
  readonly rowCount: number | null
  readonly elapsedMs: number
  readonly error: string | null
}

export async function appendHistory(path: string, entry: HistoryEntry): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `${JSON.stringify(entry)}\n`, { encoding: 'utf8', mode: 0o600 })
}

export async function readHistory(path: string, search: string, limit: number): Promise<HistoryEntry[]> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch {
    return []
  }
  const lines = text.split('\n').filter((line) => line.trim() !== '')
  // Trim the file once it passes the limit, keeping the newest entries.
  if (lines.length > queryHistoryEntriesMax * 2) {
    await writeFile(path, `${lines.slice(-queryHistoryEntriesMax).join('\n')}\n`, 'utf8')
  }
  const needle = search.trim().toLowerCase()
  const entries: HistoryEntry[] = []
  for (const line of lines.slice(-queryHistoryEntriesMax).reverse()) {
    let entry: HistoryEntry
    try {
      entry = JSON.parse(line) as HistoryEntry
    } catch {
      continue // a line cut by a crash mid-append; the others still count
    }
    if (needle !== '' && !entry.sql.toLowerCase().includes(needle)) continue
    entries.push(entry)
    if (entries.length >= limit) break
  }
  return entries
}
