// `materia worker list | destroy ID | reap [--older-than 2h] [--provider hetzner|scaleway]`: the
// cloud workers labelled (Scaleway: tagged) app=materia, for cleaning up orphans (a run killed
// with SIGKILL, a laptop that lost power mid-run). list and reap look at every provider whose
// credentials are set, or the one --provider names; reap destroys workers and deletes SSH keys
// whose `deadline` label has passed; workers without that label go by age (--older-than).
import { MateriaError } from '../errors.ts'
import type { Provider } from '../remote/provider.ts'
import {
  configuredProviders,
  missingProviderSettings,
  parseProviderChoice,
  providerFromEnv,
} from '../remote/providers.ts'
import { destroyServer, reapWorkers } from '../remote/worker-steps.ts'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments } from './project-option.ts'

const { usage } = commands.worker

// "90m", "2h", "1d" -> milliseconds.
export function parseDuration(text: string): number {
  const match = /^(\d+)(m|h|d)$/.exec(text)
  if (match === null)
    throw new MateriaError('usage', `--older-than ${text}: use minutes, hours or days, e.g. 90m, 2h, 1d`)
  const unitMs = { m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 'm' | 'h' | 'd']
  return Number(match[1]) * unitMs
}

// The providers to look at: the named one (its credentials required), else every configured one.
function selectProviders(text: string | undefined, env: NodeJS.ProcessEnv): Provider[] {
  if (text !== undefined) {
    const choice = parseProviderChoice(text)
    if (choice === 'cheapest') throw new MateriaError('usage', '--provider cheapest only applies to runs')
    const missing = missingProviderSettings(choice, env)
    if (missing.length > 0) {
      throw new MateriaError('config', `--provider ${choice}: ${missing.join(', ')} not set; export them`)
    }
    return [providerFromEnv(choice, env)]
  }
  const providers = configuredProviders(env)
  if (providers.length === 0) {
    throw new MateriaError(
      'config',
      'no cloud credentials set: export HETZNER_TOKEN, or SCW_SECRET_KEY and SCW_DEFAULT_PROJECT_ID',
    )
  }
  return providers
}

export const workerCommand: Command = {
  name: 'worker',
  async run(argv, context) {
    const args = parseArguments(argv, { options: ['older-than', 'provider'], positionals: 2 }, usage)
    const [verb, id] = args.positionals
    const log = (line: string) => context.stdout.write(`${line}\n`)
    if (verb === 'list' && id === undefined) {
      let total = 0
      const now = Date.now()
      for (const provider of selectProviders(args.options.provider, context.env)) {
        const servers = await provider.listByLabels({ app: 'materia' })
        total += servers.length
        for (const server of servers) {
          const ageMin = Math.round((now - server.createdMs) / 60_000)
          log(
            `${provider.name}\t${server.id}\t${server.name}\t${server.status}\t${server.serverType}\t${server.ipv4 ?? '-'}\t${ageMin} min\trun=${server.labels.run ?? '-'} pipeline=${server.labels.pipeline ?? '-'}`,
          )
        }
      }
      log(`${total} worker${total === 1 ? '' : 's'}`)
      return 0
    }
    if (verb === 'destroy' && id !== undefined) {
      // Hetzner numbers servers; Scaleway names them with UUIDs. Either way the id goes into a URL path.
      if (!/^[0-9a-f-]{1,64}$/i.test(id))
        throw new MateriaError('usage', `worker destroy ${id}: expected a server id (a number or a UUID)`)
      const [provider] = selectProviders(args.options.provider ?? 'hetzner', context.env)
      if (provider === undefined) throw new MateriaError('usage', `usage: ${usage}`)
      const server = await provider.get(id)
      if (server === null)
        throw new MateriaError('remote', `${provider.name} server ${id} does not exist (already destroyed?)`)
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
      let reaped = 0
      for (const provider of selectProviders(args.options.provider, context.env)) {
        reaped += (await reapWorkers(provider, { olderThanMs, nowMs: Date.now(), log })).length
      }
      log(`reaped ${reaped} worker${reaped === 1 ? '' : 's'}`)
      return 0
    }
    throw new MateriaError('usage', `usage: ${usage}`)
  },
}
