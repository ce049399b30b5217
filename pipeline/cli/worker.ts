// `materia worker list | destroy ID | reap --older-than 2h`: the cloud workers labelled app=materia,
// for cleaning up orphans (a run killed with SIGKILL, a laptop that lost power mid-run). reap
// destroys workers and deletes SSH keys whose `deadline` label has passed; workers without that
// label go by age (--older-than).
import { MateriaError } from '../errors.ts'
import { hetznerClientFromEnv } from '../remote/hetzner/client.ts'
import { createHetznerProvider } from '../remote/hetzner/provider.ts'
import { destroyServer, reapWorkers } from '../remote/worker-steps.ts'
import type { Command } from './command.ts'
import { parseArguments } from './project-option.ts'

const usage = 'materia worker list | destroy ID | reap [--older-than 2h]'

// "90m", "2h", "1d" -> milliseconds.
export function parseDuration(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text)
  if (match === null)
    throw new MateriaError('usage', `--older-than ${text}: use minutes, hours or days, e.g. 90m, 2h, 1d`)
  const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd']
  return Number(match[1]) * unitMs
}

export const workerCommand: Command = {
  name: 'worker',
  summary: 'list, destroy and reap cloud workers (label app=materia)',
  usage,
  async run(argv, context) {
    const args = parseArguments(argv, { options: ['older-than'] }, usage)
    const [verb, id, ...extra] = args.positionals
    if (extra.length > 0) throw new MateriaError('usage', `usage: ${usage}`)
    const provider = createHetznerProvider(hetznerClientFromEnv(context.env))
    const log = (line: string) => context.stdout.write(`${line}\n`)
    if (verb === 'list' && id === undefined) {
      const servers = await provider.listByLabel('app=materia')
      const now = Date.now()
      for (const server of servers) {
        const ageMin = Math.round((now - server.createdMs) / 60_000)
        log(
          `${server.id}\t${server.name}\t${server.status}\t${server.serverType}\t${server.ipv4 ?? '-'}\t${ageMin} min\trun=${server.labels.run ?? '-'} pipeline=${server.labels.pipeline ?? '-'}`,
        )
      }
      log(`${servers.length} worker${servers.length === 1 ? '' : 's'}`)
      return 0
    }
    if (verb === 'destroy' && id !== undefined) {
      if (!/^\d+$/.test(id))
        throw new MateriaError('usage', `worker destroy ${id}: expected a numeric server id`)
      const server = await provider.get(Number(id))
      if (server === null)
        throw new MateriaError('remote', `server ${id} does not exist (already destroyed?)`)
      if (server.labels.app !== 'materia') {
        throw new MateriaError(
          'remote',
          `server ${id} (${server.name}) is not labelled app=materia; refusing to destroy it`,
        )
      }
      await destroyServer(provider, server, log)
      return 0
    }
    if (verb === 'reap' && id === undefined) {
      const olderThanMs = parseDuration(args.options['older-than'] ?? '2h')
      const reaped = await reapWorkers(provider, { olderThanMs, nowMs: Date.now(), log })
      log(`reaped ${reaped.length} worker${reaped.length === 1 ? '' : 's'}`)
      return 0
    }
    throw new MateriaError('usage', `usage: ${usage}`)
  },
}
