// Goal: `materia supervisor --once --local` wired for real: it fetches its clone, catches up the
// missed extract and transform slots once, in order, with publish after the transform (as child `materia pipeline run` processes writing to a
// local stand-in for the bucket), records both runs in .materia/supervisor.jsonl and the slots in
// .materia/supervisor-slots.json; a second pass runs nothing.
// Method: the CLI as a child process in a committed copy of this tree (testing/e2e-fixture.ts).
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type E2e, e2eProject, startE2e } from './testing/e2e-fixture.ts'

let e2e: E2e
beforeAll(async () => {
  // No R2 settings: the prod "bucket" is a local folder (MATERIA_PROD_BUCKET).
  e2e = await startE2e({ R2_ENDPOINT: '', R2_BUCKET: '', R2_ACCESS_KEY: '', R2_SECRET_KEY: '' })
})
afterAll(() => e2e?.close())

describe('materia supervisor --once --local', { timeout: 150_000 }, () => {
  it('catches up the missed slots once, records them, and runs nothing on the next pass', async () => {
    const env = { MATERIA_PROD_BUCKET: join(e2e.work, 'bucket') }
    // Between 02:00 and 03:00 UTC the latest transform slot is yesterday's, whose extract never ran
    // here: the transform then waits for that day's extract and only the extract catches up.
    const transformWaits = new Date().getUTCHours() === 2
    const first = e2e.runCli(['supervisor', '--once', '--local', '--project', e2eProject], env)
    const code = await first.done
    const { stdout, stderr } = first.output()
    expect(code, `${stdout}\n${stderr}`).toBe(0)
    expect(stdout).toMatch(
      /supervisor: local runs, every 15 min, extract "0 2 \* \* \*", transform "0 3 \* \* \*"/,
    )
    const records = (await readFile(join(e2e.work, e2eProject, '.materia/supervisor.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { pipeline: string; outcome: string; slot: string })
    expect(records.map((record) => [record.pipeline, record.outcome])).toEqual(
      transformWaits
        ? [['extract', 'done']]
        : [
            ['extract', 'done'],
            ['transform', 'done'],
            ['publish', 'done'],
          ],
    )
    if (transformWaits)
      expect(stdout).toMatch(/transform slot \S+T03:00:00.000Z waits for that day's extract/)
    expect(records.every((record) => /T0[23]:00:00.000Z$/.test(record.slot))).toBe(true)
    const slots = JSON.parse(
      await readFile(join(e2e.work, e2eProject, '.materia/supervisor-slots.json'), 'utf8'),
    )
    expect(Object.keys(slots).sort()).toEqual(
      transformWaits ? ['done:extract', 'extract'] : ['done:extract', 'extract', 'transform'],
    )

    const second = e2e.runCli(['supervisor', '--once', '--local', '--project', e2eProject], env)
    expect(await second.done).toBe(0)
    expect(second.output().stdout).not.toContain('starting')
  })
})
