// A child process for tests that need a second process: `apply` plans and applies a test project
// (the crash test kills it at MATERIA_CRASH_AT points or on a timer); `hold` keeps the database
// open until killed (the lock test), `hold_read_only` the same through a read-only open. Argument:
// one JSON object.
import { applyPlan } from '../apply.ts'
import { crashPointsReached } from '../crash-point.ts'
import { openDatabase } from '../database.ts'
import { buildPlan } from '../plan.ts'
import { type ModelSpec, makeProject } from './test-project.ts'

interface ChildInput {
  readonly mode: 'apply' | 'hold' | 'hold_read_only'
  readonly root: string
  readonly database: string
  readonly specs: readonly ModelSpec[]
  readonly environment: string
  readonly now: string
}

const input = JSON.parse(process.argv[2] ?? '{}') as ChildInput
const db = await openDatabase(input.database, { readOnly: input.mode === 'hold_read_only' })
if (input.mode === 'hold' || input.mode === 'hold_read_only') {
  process.stdout.write('ready\n')
  setInterval(() => undefined, 60_000)
} else {
  const project = makeProject(input.root, input.specs)
  const plan = await buildPlan(db, project, { environment: input.environment, now: new Date(input.now) })
  process.stdout.write('applying\n')
  await applyPlan(db, project, plan)
  db.close()
  process.stdout.write(`applied after ${crashPointsReached()} crash points\n`)
}
