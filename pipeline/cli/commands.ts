// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  dashboards: {
    summary: 'build the dashboard pages into a static folder',
    load: async () => (await import('./dashboards.ts')).dashboardsCommand,
  },
  site: {
    summary: 'build the public BeanFlows site',
    load: async () => (await import('./site.ts')).siteCommand,
  },
  version: { summary: 'print the version', load: async () => (await import('./version.ts')).versionCommand },
}
