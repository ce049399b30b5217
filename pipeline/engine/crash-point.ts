// Named points where a test can kill the applying process (kill -9 semantics) to prove that a
// crash anywhere leaves every environment readable. MATERIA_CRASH_AT=<n> kills the process at the
// n-th point reached, MATERIA_CRASH_AT=<name> at the first point of that name; unset, this is one
// comparison.
const crashAt = process.env.MATERIA_CRASH_AT ?? ''
const crashAtCount = /^\d+$/.test(crashAt) ? Number(crashAt) : 0
let reached = 0

export function crashPoint(name: string): void {
  if (crashAt === '') return
  reached += 1
  if (reached === crashAtCount || name === crashAt) {
    process.stderr.write(`crash point ${reached}: ${name}\n`)
    process.kill(process.pid, 'SIGKILL')
  }
}

export function crashPointsReached(): number {
  return reached
}
