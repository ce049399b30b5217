// Apply progress: one rewritten status line on a terminal (model, batch i/n, rows, elapsed), plain
// log lines otherwise (CI, cron, the workbench's log pane).
import type { ApplyEvent } from '../engine/index.ts'

export function progressReporter(stream: NodeJS.WritableStream, isTTY: boolean): (event: ApplyEvent) => void {
  const started = performance.now()
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)}s`
  return (event) => {
    let text: string | null = null
    switch (event.kind) {
      case 'model_start':
        text = isTTY ? `${event.model}: ${event.step}` : null
        break
      case 'batch_done':
        text = `${event.model}: batch ${event.batch}/${event.batches}, ${event.rows} rows`
        break
      case 'model_done':
        text = `${event.model}: done, ${event.rows} rows in ${(event.elapsedMs / 1000).toFixed(1)}s`
        break
      case 'audit':
        text = event.outcome.passed
          ? null
          : `${event.model}: audit ${event.outcome.audit} failed${event.outcome.blocking ? '' : ' (non-blocking)'}`
        break
      case 'views_swapped':
        text = `${event.environment}: ${event.views} view(s) switched`
        break
      default: {
        const never: never = event
        throw new Error(`unknown event ${JSON.stringify(never)}`)
      }
    }
    if (text === null) return
    if (isTTY) stream.write(`\r\u001b[2K[${elapsed()}] ${text}${event.kind === 'views_swapped' ? '\n' : ''}`)
    else stream.write(`[${elapsed()}] ${text}\n`)
  }
}
