// Goal: the supervisor runs the schedule from materia.yaml on time, never runs two of one pipeline
// at once (a duplicate slot is skipped and logged), catches up only the latest missed slot once
// after downtime, keeps going when the update fails, and records every run in its JSON-lines log;
// transform waits for that day's extract and publish follows a successful transform; a failed run
// is retried with backoff and then alerted; after the clone moved it stops to be restarted;
// updateClone fast-forwards a real clone and notices a lockfile change.
// Method: a fake clock and an injected runner whose runs the test finishes by hand; real git repos.
import { existsSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, describe, expect, it, vi } from 'vitest'
import { type PipelineName, parseRemoteConfig } from './config.ts'
import { latestSlot, Supervisor, type SupervisorEntry, type SupervisorRunOutcome } from './supervisor.ts'
import { alertRequest, sendAlert, updateClone } from './supervisor-runtime.ts'
import { git, makeBareRepo } from './testing/git-fixture.ts'

const cleanup: string[] = []
afterAll(async () => {
  for (const path of cleanup) await rm(path, { recursive: true, force: true })
})

function harness(start: string, options: { retries?: number; moved?: string | null } = {}) {
  let now = new Date(start)
  const slots: Record<string, string> = {}
  const entries: SupervisorEntry[] = []
  const pending = new Map<PipelineName, (outcome: SupervisorRunOutcome) => void>()
  const started: string[] = []
  const lines: string[] = []
  let updateFails = false
  const sleeps: number[] = []
  const alerts: string[] = []
  const supervisor = new Supervisor({
    clock: {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms)
      },
    },
    retries: options.retries ?? 0,
    retryBackoffMs: 60_000,
    alert: async (title, message) => {
      alerts.push(`${title}: ${message}`)
    },
    restartOnUpdate: true,
    schedule: parseRemoteConfig({}, 'materia.yaml').schedule,
    update: async () => {
      if (updateFails) throw new Error('fetch failed')
      return options.moved ?? null
    },
    run: (pipeline) =>
      new Promise((resolve) => {
        started.push(`${pipeline}@${now.toISOString()}`)
        pending.set(pipeline, resolve)
      }),
    reap: async () => 0,
    readLastSlots: async () => ({ ...slots }),
    writeLastSlots: async (next) => {
      Object.assign(slots, next)
    },
    record: async (entry) => {
      entries.push(entry)
    },
    log: (line) => lines.push(line),
  })
  return {
    supervisor,
    entries,
    started,
    sleeps,
    alerts,
    pending,
    // Ends the run in flight without waiting for what follows it (publish after transform).
    resolve: async (
      pipeline: PipelineName,
      outcome: SupervisorRunOutcome = { outcome: 'done', message: 'ok' },
    ) => {
      await vi.waitFor(() => expect(pending.has(pipeline)).toBe(true))
      pending.get(pipeline)!(outcome)
      pending.delete(pipeline)
    },
    lines,
    slots,
    at: (iso: string) => {
      now = new Date(iso)
    },
    finish: async (
      pipeline: PipelineName,
      outcome: SupervisorRunOutcome = { outcome: 'done', message: 'ok' },
    ) => {
      pending.get(pipeline)!(outcome)
      pending.delete(pipeline)
      await supervisor.settled(pipeline)
    },
    failUpdates: () => {
      updateFails = true
    },
  }
}

describe('supervisor', () => {
  it('runs extract at 02:00 and transform at 03:00 UTC, each once per slot', async () => {
    const h = harness('2026-03-10T01:50:00Z')
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-09T03:00:00.000Z' })
    const signal = new AbortController().signal
    expect(await h.supervisor.tick(signal)).toEqual([])
    h.at('2026-03-10T02:05:00Z')
    expect(await h.supervisor.tick(signal)).toEqual(['extract'])
    await h.finish('extract')
    h.at('2026-03-10T02:20:00Z')
    expect(await h.supervisor.tick(signal)).toEqual([])
    h.at('2026-03-10T03:00:00Z')
    expect(await h.supervisor.tick(signal)).toEqual(['transform'])
    await h.finish('transform', { outcome: 'failed', message: 'exit 1' })
    expect(h.started).toEqual(['extract@2026-03-10T02:05:00.000Z', 'transform@2026-03-10T03:00:00.000Z'])
    expect(h.entries.map((entry) => [entry.pipeline, entry.slot, entry.outcome])).toEqual([
      ['extract', '2026-03-10T02:00:00.000Z', 'done'],
      ['transform', '2026-03-10T03:00:00.000Z', 'failed'],
    ])
  })

  it('skips a slot while the previous run of that pipeline is still running', async () => {
    const h = harness('2026-03-10T02:01:00Z')
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-10T03:00:00.000Z' })
    const signal = new AbortController().signal
    expect(await h.supervisor.tick(signal)).toEqual(['extract'])
    h.at('2026-03-11T02:00:00Z') // the extract of the 10th is still running a day later
    expect(await h.supervisor.tick(signal)).toEqual([])
    expect(h.entries).toEqual([
      expect.objectContaining({ pipeline: 'extract', slot: '2026-03-11T02:00:00.000Z', outcome: 'skipped' }),
    ])
    expect(h.started.filter((run) => run.startsWith('extract'))).toHaveLength(1)
    await h.finish('extract')
  })

  it('catches up only the latest missed slot, once, after downtime', async () => {
    const h = harness('2026-03-14T09:30:00Z') // down since the 10th: four extract slots missed
    Object.assign(h.slots, { extract: '2026-03-10T02:00:00.000Z', transform: '2026-03-10T03:00:00.000Z' })
    const signal = new AbortController().signal
    expect(await h.supervisor.tick(signal)).toEqual(['extract']) // transform waits for it
    await h.finish('extract')
    expect(await h.supervisor.tick(signal)).toEqual(['transform'])
    await h.resolve('transform')
    await h.resolve('publish')
    await h.supervisor.idle()
    h.at('2026-03-14T09:45:00Z')
    expect(await h.supervisor.tick(signal)).toEqual([])
    expect(h.entries.map((entry) => [entry.pipeline, entry.slot])).toEqual([
      ['extract', '2026-03-14T02:00:00.000Z'],
      ['transform', '2026-03-14T03:00:00.000Z'],
      ['publish', '2026-03-14T03:00:00.000Z'],
    ])
  })

  it("waits with transform until that day's extract succeeded, then publishes after it", async () => {
    const h = harness('2026-03-10T03:05:00Z')
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-09T03:00:00.000Z' })
    const signal = new AbortController().signal
    expect(await h.supervisor.tick(signal)).toEqual(['extract'])
    expect(h.lines).toContain("transform slot 2026-03-10T03:00:00.000Z waits for that day's extract")
    await h.finish('extract', { outcome: 'failed', message: 'USDA answered 503' })
    h.at('2026-03-10T03:20:00Z')
    expect(await h.supervisor.tick(signal)).toEqual([]) // extract failed: transform keeps waiting
    expect(h.started.some((run) => run.startsWith('transform'))).toBe(false)
  })

  it('retries a failed run with exponential backoff, then alerts once', async () => {
    const h = harness('2026-03-10T02:05:00Z', { retries: 3 })
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-10T03:00:00.000Z' })
    const signal = new AbortController().signal
    expect(await h.supervisor.tick(signal)).toEqual(['extract'])
    for (let attempt = 1; attempt <= 4; attempt++) {
      await h.resolve('extract', { outcome: 'failed', message: `exit ${attempt}` })
    }
    await h.supervisor.settled('extract')
    expect(h.started.filter((run) => run.startsWith('extract'))).toHaveLength(4)
    expect(h.sleeps).toEqual([60_000, 120_000, 240_000])
    expect(h.alerts).toEqual([
      'materia: extract failed: extract slot 2026-03-10T02:00:00.000Z failed: exit 4 (after 4 attempts)',
    ])
    expect(h.entries).toEqual([
      expect.objectContaining({
        pipeline: 'extract',
        outcome: 'failed',
        message: 'exit 4 (after 4 attempts)',
      }),
    ])
  })

  it('stops a successful retry from alerting', async () => {
    const h = harness('2026-03-10T02:05:00Z', { retries: 3 })
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-10T03:00:00.000Z' })
    expect(await h.supervisor.tick(new AbortController().signal)).toEqual(['extract'])
    await h.resolve('extract', { outcome: 'failed', message: 'exit 1' })
    await h.resolve('extract')
    await h.supervisor.settled('extract')
    expect(h.alerts).toEqual([])
    expect(h.entries.map((entry) => entry.outcome)).toEqual(['done'])
  })

  it('starts nothing and ends its loop after the clone moved, to be restarted on the new code', async () => {
    const h = harness('2026-03-10T02:05:00Z', { moved: 'updated aaaa -> bbbb' })
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-10T03:00:00.000Z' })
    await h.supervisor.loop(new AbortController().signal) // returns instead of looping forever
    expect(h.supervisor.restartRequested).toBe(true)
    expect(h.started).toEqual([])
    expect(h.lines).toEqual([
      'updated aaaa -> bbbb',
      'restarting to run the updated code; runs in flight finish first',
    ])
  })

  it('keeps the schedule when updating the clone fails', async () => {
    const h = harness('2026-03-10T02:00:00Z')
    Object.assign(h.slots, { extract: '2026-03-09T02:00:00.000Z', transform: '2026-03-10T03:00:00.000Z' })
    h.failUpdates()
    expect(await h.supervisor.tick(new AbortController().signal)).toEqual(['extract'])
    expect(h.lines[0]).toBe('update failed, keeping the current checkout: fetch failed')
    await h.finish('extract')
  })

  it('finds the latest slot of a cron in UTC and rejects a bad one', () => {
    const now = new Date('2026-03-10T02:30:00Z')
    expect(latestSlot('0 2 * * *', now, null)?.toISOString()).toBe('2026-03-10T02:00:00.000Z')
    expect(latestSlot('0 2 * * *', now, new Date('2026-03-10T02:00:00Z'))).toBeNull()
    expect(() => latestSlot('0 25 * * *', now, null)).toThrow(/schedule cron "0 25 \* \* \*" is invalid/)
  })
})

describe('updateClone', () => {
  it('fast-forwards to origin/main and runs nothing when main did not move', async () => {
    const origin = await makeBareRepo({ 'README.md': 'one\n' })
    cleanup.push(origin.root)
    const clone = join(origin.root, 'clone')
    await git(origin.root, 'clone', '--quiet', origin.url, clone)
    expect(await updateClone(clone)).toBeNull()
    await writeFile(join(origin.work, 'README.md'), 'two\n')
    await git(origin.work, 'commit', '--quiet', '-am', 'two')
    await git(origin.work, 'push', '--quiet', origin.bare, 'main')
    expect(await updateClone(clone)).toMatch(/^updated [0-9a-f]{12} -> [0-9a-f]{12}$/)
    expect(await readFile(join(clone, 'README.md'), 'utf8')).toBe('two\n')
  })

  it('runs npm ci when package-lock.json changed', async () => {
    const manifest = (version: string) =>
      JSON.stringify({
        name: 'fixture',
        version,
        lockfileVersion: 3,
        requires: true,
        packages: { '': { name: 'fixture', version } },
      })
    const origin = await makeBareRepo({
      'package.json': JSON.stringify({ name: 'fixture', version: '1.0.0' }),
      'package-lock.json': manifest('1.0.0'),
    })
    cleanup.push(origin.root)
    const clone = join(origin.root, 'clone')
    await git(origin.root, 'clone', '--quiet', origin.url, clone)
    // npm ci starts by removing node_modules: a stale file there is gone once it ran.
    await mkdir(join(clone, 'node_modules'))
    await writeFile(join(clone, 'node_modules/stale.txt'), 'stale\n')
    await writeFile(join(origin.work, 'package.json'), JSON.stringify({ name: 'fixture', version: '1.0.1' }))
    await writeFile(join(origin.work, 'package-lock.json'), manifest('1.0.1'))
    await git(origin.work, 'commit', '--quiet', '-am', 'bump')
    await git(origin.work, 'push', '--quiet', origin.bare, 'main')
    expect(await updateClone(clone)).toMatch(/ \(npm ci\)$/)
    expect(existsSync(join(clone, 'node_modules/stale.txt'))).toBe(false)
  })

  it('refuses to move a clone with local commits', async () => {
    const origin = await makeBareRepo({ 'README.md': 'one\n' })
    cleanup.push(origin.root)
    const clone = join(origin.root, 'clone')
    await git(origin.root, 'clone', '--quiet', origin.url, clone)
    await writeFile(join(clone, 'local.txt'), 'local\n')
    await git(clone, 'add', 'local.txt')
    await git(clone, 'commit', '--quiet', '-m', 'local')
    await writeFile(join(origin.work, 'README.md'), 'two\n')
    await git(origin.work, 'commit', '--quiet', '-am', 'two')
    await git(origin.work, 'push', '--quiet', origin.bare, 'main')
    await expect(updateClone(clone)).rejects.toThrow(/cannot fast-forward .* the clone has local commits/)
  })
})

describe('alert webhook', () => {
  it('posts JSON an ntfy server publishes, and fails on an error answer', async () => {
    const received: { method: string; path: string; type: string; body: unknown }[] = []
    let status = 200
    const sink = createServer((request, response) => {
      const chunks: Buffer[] = []
      request.on('data', (chunk: Buffer) => chunks.push(chunk))
      request.on('end', () => {
        received.push({
          method: request.method ?? '',
          path: request.url ?? '',
          type: request.headers['content-type'] ?? '',
          body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
        })
        response.writeHead(status).end()
      })
    })
    await new Promise<void>((resolve) => sink.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/materia-alerts`
    try {
      await sendAlert(url, 'materia: extract failed', 'exit 4 (after 4 attempts)')
      expect(received).toEqual([
        {
          method: 'POST',
          path: '/',
          type: 'application/json',
          body: {
            topic: 'materia-alerts',
            title: 'materia: extract failed',
            message: 'exit 4 (after 4 attempts)',
          },
        },
      ])
      status = 500
      await expect(sendAlert(url, 't', 'm')).rejects.toThrow(/alert webhook answered HTTP 500/)
    } finally {
      await new Promise<void>((resolve) => sink.close(() => resolve()))
    }
  })

  it('shapes the body for Slack and Discord incoming webhooks', () => {
    expect(alertRequest('https://hooks.slack.com/services/T/B/x', 'title', 'message')).toEqual({
      url: 'https://hooks.slack.com/services/T/B/x',
      body: { text: 'title\nmessage' },
    })
    expect(alertRequest('https://discord.com/api/webhooks/1/abc', 'title', 'message').body).toEqual({
      content: '**title**\nmessage',
    })
  })
})
