// Progress for `materia extract psd`: a redrawn bar with bytes and rate on a terminal, plain log
// lines otherwise (CI logs and files must stay readable).
import type { ExtractReporter } from './extract.ts'
import type { LandResult } from './land.ts'

// Redrawing more often than this only costs terminal time.
const redrawIntervalMs = 100

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`
}

export function describeResult(result: LandResult): string {
  const where = result.key === undefined ? '' : ` ${result.key}`
  const rows = result.rows === undefined ? '' : ` (${result.rows.toLocaleString('en-US')} rows)`
  switch (result.status) {
    case 'landed':
      return `landed${where}${rows} from ${result.url}`
    case 'duplicate':
      return `unchanged content from ${result.url}: same CSV as${where}; recorded its manifest only`
    case 'unchanged':
      return `unchanged ${result.dataset} ${result.month ?? ''} at ${result.url}: already landed, ${formatBytes(result.bodyBytes)} of body transferred`
    default:
      result.status satisfies never
      return ''
  }
}

export function createReporter(output: NodeJS.WritableStream, isTTY: boolean): ExtractReporter {
  let startedMs = 0
  let lastDrawMs = 0
  let drawn = false
  const clear = () => {
    if (drawn) output.write('\r\u001b[2K')
    drawn = false
  }
  return {
    start(url) {
      startedMs = performance.now()
      lastDrawMs = 0
      if (!isTTY) output.write(`fetching ${url}\n`)
    },
    progress(bytes, totalBytes) {
      if (!isTTY) return
      const nowMs = performance.now()
      if (nowMs - lastDrawMs < redrawIntervalMs && bytes !== totalBytes) return
      lastDrawMs = nowMs
      const rate = bytes / Math.max((nowMs - startedMs) / 1000, 0.001)
      const width = 30
      const filled = totalBytes ? Math.min(width, Math.round((bytes / totalBytes) * width)) : 0
      const bar = totalBytes ? `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ` : ''
      const total = totalBytes ? ` / ${formatBytes(totalBytes)}` : ''
      output.write(`\r\u001b[2K${bar}${formatBytes(bytes)}${total}  ${formatBytes(rate)}/s`)
      drawn = true
    },
    verifying(csvName) {
      clear()
      const line = `verifying ${csvName} (CRC-32, header) and compressing to gzip`
      if (isTTY) {
        output.write(line)
        drawn = true
      } else {
        output.write(`${line}\n`)
      }
    },
    failed() {
      clear()
    },
    skipped(url, reason) {
      clear()
      output.write(`skipped ${url}: ${reason}\n`)
    },
    done(result) {
      clear()
      const seconds = (performance.now() - startedMs) / 1000
      output.write(`${describeResult(result)} in ${seconds.toFixed(1)} s\n`)
    },
  }
}
