// The history of runs, one JSON object per line (<project>/.materia/runs.jsonl by default): what the
// workbench lists and what the supervisor appends to. Appends are single writes of one line, so
// concurrent writers never interleave inside a record.
import { appendFile, mkdir, readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { supervisorRunsLogLinesMax } from '../limits.ts'

export interface RunRecord {
  readonly runId: string
  readonly pipeline: string
  readonly environment: string
  readonly remote: boolean
  readonly commit: string
  readonly startedAt: string
  readonly finishedAt: string
  readonly durationMs: number
  readonly outcome: 'done' | 'failed' | 'skipped'
  readonly message: string
  readonly provider?: string // the cloud of a remote run (hetzner | scaleway)
  readonly serverType: string | null
  readonly costEur: number | null
  readonly trigger: 'cli' | 'workbench' | 'schedule'
  readonly slot?: string // the scheduled time this run served (supervisor)
}

export function runHistoryPath(projectRoot: string, env: NodeJS.ProcessEnv): string {
  return env.MATERIA_RUN_LOG || join(projectRoot, '.materia', 'runs.jsonl')
}

export async function appendRunRecord(path: string, record: RunRecord): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  await appendFile(path, `${JSON.stringify(record)}\n`)
}

// The newest records last; a torn or foreign line is skipped rather than failing the history.
export async function readRunRecords(path: string): Promise<RunRecord[]> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const lines = text.split('\n').filter((line) => line.trim() !== '')
  return lines.slice(-supervisorRunsLogLinesMax).flatMap((line) => {
    try {
      return [JSON.parse(line) as RunRecord]
    } catch {
      return []
    }
  })
}
