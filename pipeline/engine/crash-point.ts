// Named points where a test can kill the applying process (kill -9 semantics) to prove that a
// crash anywhere leaves every environment readable. MATERIA_CRASH_AT=<n> kills the process at the
// n-th point reached; unset, this is one comparison.
const crashAt = Number(process.env.MATERIA_CRASH_AT ?? 0)
let reached = 0

export function crashPoint(name: string): void {
  if (crashAt <= 0) return
  reached += 1
  if (reached === crashAt) {
    process.stderr.write(`crash point ${reached}: ${name}\n`)
    process.kill(process.pid, 'SIGKILL')
  }
}

export function crashPointsReached(): number {
  return reached
}
