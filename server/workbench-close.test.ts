// Goal: closing the workbench while queries are still being answered neither crashes the process
// nor leaves the database open. Closing the sockets does not stop a handler whose query runs in
// DuckDB; closing the database under it freed the connection the query ran on, and the process died
// with SIGSEGV in ClientContext::LockContext (seen at the end of `npm run soak` under load).
// Method: the real workbench in-process on a temporary project; eight slow queries posted at once,
// close() called once all eight are running (it interrupts them and waits for their handlers); then the requests have settled, the process is alive,
// and the database file opens again (its lock released).
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase } from '../pipeline/engine/database.ts'
import { createFixtureProject, type FixtureProject } from './testing/fixture-project.ts'
import { startWorkbench, type Workbench } from './workbench.ts'

let project: FixtureProject
let workbench: Workbench

beforeAll(async () => {
  project = createFixtureProject()
  workbench = await startWorkbench({ projectRoot: project.root, env: { USER: 'close' } })
})

afterAll(() => project.remove())

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await new Promise((resolve) => setImmediate(resolve))
}

describe('closing the workbench during queries', () => {
  it('interrupts and waits for them, then closes the database', async () => {
    const queries = 8
    const runIds = Array.from({ length: queries }, (_, index) => `close-${index}`)
    const replies = runIds.map((runId) =>
      fetch(`${workbench.baseUrl}/query/run`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${workbench.token}`,
          origin: workbench.baseUrl,
          'content-type': 'application/x-www-form-urlencoded',
        },
        // Still running when close() comes (it is called once all eight run), and finite.
        body: new URLSearchParams({
          sql: 'SELECT count(*) FROM range(300000000) AS t(i) WHERE i % 7 = 3',
          runId,
        }).toString(),
      }).then(
        (reply) => reply.status,
        (error: Error) => error.message,
      ),
    )
    await until(() => workbench.context.queries.runningIds().length === queries)
    await workbench.close()
    const settled = await Promise.all(replies)
    expect(settled).toHaveLength(queries)
    // The database was closed: another instance can open (and lock) the file now.
    const reopened = await openDatabase(workbench.context.db.path)
    reopened.close()
    expect(join(workbench.context.db.path)).toContain(project.root)
  })
})
