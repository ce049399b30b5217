// `materia supervisor [--once] [--local]`: the unattended scheduler (infra/materia-supervisor.service
// runs it under systemd). Every interval it fast-forwards its clone, starts the scheduled pipelines
// from materia.yaml (each on a fresh cloud worker, or here with --local), reaps orphan workers and
// appends each run to <project>/.materia/supervisor.jsonl. --once runs what is due now, in order
// (extract, then transform and publish), and waits for it.
// A failed run is retried 3 times with backoff (10, 20, 40 min), then alerted to ALERT_WEBHOOK_URL
// when set. When its clone moved, the loop ends and the command exits 0: systemd
// (Restart=always) starts it again on the new code.

import { MateriaError } from '../errors.ts'
import { repositoryRoot } from '../remote/code-source.ts'
import { loadRemoteConfig } from '../remote/config.ts'
import { configuredProviders, missingProviderSettings, parseProviderChoice } from '../remote/providers.ts'
import { allSecretValues, createRedactor } from '../remote/redact.ts'
import { Supervisor } from '../remote/supervisor.ts'
import {
  appendEntry,
  readSlots,
  runChild,
  sendAlert,
  supervisorFiles,
  systemClock,
  updateClone,
  writeSlots,
} from '../remote/supervisor-runtime.ts'
import { reapWorkers } from '../remote/worker-steps.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments, resolveProjectRoot } from './project-option.ts'

const { usage } = commands.supervisor

// Orphans are workers older than a run's hard deadline plus margin: no live run owns them.
const reapOlderThanMs = 2 * 60 * 60_000
const runRetries = 3
const retryBackoffMs = 10 * 60_000

export const supervisorCommand: Command = {
  name: 'supervisor',
  async run(argv, context) {
    const args = parseArguments(argv, { flags: ['once', 'local'] }, usage)
    const projectRoot = resolveProjectRoot(args.options.project, context.cwd)
    const repoRoot = await repositoryRoot(projectRoot)
    const config = await loadRemoteConfig(projectRoot)
    const remote = !args.flags.has('local')
    // Every cloud whose credentials are set is reaped: a worker a laptop started on Scaleway
    // bills as surely as one on Hetzner.
    const providers = remote ? configuredProviders(context.env) : []
    if (remote) {
      // The runs go to MATERIA_PROVIDER (hetzner by default): refuse now rather than at 02:00.
      const choice = parseProviderChoice(context.env.MATERIA_PROVIDER)
      const missing = missingProviderSettings(choice, context.env)
      if (missing.length > 0) {
        throw new MateriaError(
          'config',
          `remote runs on ${choice} need ${missing.join(', ')}; export them, or pass --local`,
        )
      }
    }
    const redact = createRedactor(allSecretValues(context.env))
    const files = supervisorFiles(projectRoot)
    const log = (line: string) => context.stdout.write(`${new Date().toISOString()} ${redact(line)}\n`)
    const supervisor = new Supervisor({
      clock: systemClock,
      schedule: config.schedule,
      update: () => updateClone(repoRoot, 'main', context.env.GIT_READ_TOKEN),
      retries: runRetries,
      retryBackoffMs,
      alert: async (title, message) => {
        const url = context.env.ALERT_WEBHOOK_URL
        if (url) await sendAlert(url, title, redact(message))
        else log(`alert (ALERT_WEBHOOK_URL not set): ${title}: ${message}`)
      },
      restartOnUpdate: !args.flags.has('once'),
      run: (pipeline, signal) =>
        runChild({ repoRoot, projectRoot, pipeline, remote, env: context.env, redact, log, signal }),
      reap: async () => {
        let reaped = 0
        for (const provider of providers) {
          reaped += (await reapWorkers(provider, { olderThanMs: reapOlderThanMs, nowMs: Date.now(), log }))
            .length
        }
        return reaped
      },
      readLastSlots: () => readSlots(files.slots),
      writeLastSlots: (slots) => writeSlots(files.slots, slots),
      record: (entry) => appendEntry(files.log, entry),
      log,
    })
    const controller = new AbortController()
    const stop = () => controller.abort()
    process.on('SIGINT', stop)
    process.on('SIGTERM', stop)
    try {
      log(
        `supervisor: ${remote ? 'remote' : 'local'} runs, every ${config.schedule.intervalMinutes} min, ${config.schedule.entries.map((entry) => `${entry.pipeline} "${entry.cron}"`).join(', ')}`,
      )
      if (args.flags.has('once')) {
        // Passes until one starts nothing: transform waits for extract to finish, so catching up a
        // day takes two passes (publish follows transform within its pass).
        for (let pass = 0; pass <= config.schedule.entries.length; pass++) {
          const started = await supervisor.tick(controller.signal)
          await supervisor.idle()
          if (started.length === 0 || controller.signal.aborted) break
        }
      } else {
        await supervisor.loop(controller.signal)
        if (supervisor.restartRequested)
          log('supervisor: exiting for systemd to restart it on the updated code')
      }
    } finally {
      process.off('SIGINT', stop)
      process.off('SIGTERM', stop)
    }
    return 0
  },
}
