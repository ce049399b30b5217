// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  dag: {
    summary: 'print the model graph (layers and edges)',
    load: async () => (await import('./dag.ts')).dagCommand,
  },
  dashboards: {
    summary: 'build the dashboard pages into a static folder',
    load: async () => (await import('./dashboards.ts')).dashboardsCommand,
  },
  environments: {
    summary: 'list environments',
    load: async () => (await import('./environments.ts')).environmentsCommand,
  },
  extract: {
    summary: 'land USDA PSD snapshots into the landing store',
    load: async () => (await import('./extract.ts')).extractCommand,
  },
  info: {
    summary: 'print the project, its database file, models and environments',
    load: async () => (await import('./info.ts')).infoCommand,
  },
  janitor: {
    summary: 'drop expired dev environments and unused physical tables',
    load: async () => (await import('./janitor.ts')).janitorCommand,
  },
  invalidate: {
    summary: 'drop a dev environment',
    load: async () => (await import('./invalidate.ts')).invalidateCommand,
  },
  plan: {
    summary: 'show what changed and what would be built for an environment; apply with consent',
    load: async () => (await import('./plan.ts')).planCommand,
  },
  query: {
    summary: 'run a SQL query against an environment',
    load: async () => (await import('./query.ts')).queryCommand,
  },
  render: {
    summary: 'print a model query with macros expanded and references resolved',
    load: async () => (await import('./render.ts')).renderCommand,
  },
  run: {
    summary: 'evaluate the model intervals that are due in an environment, then exit',
    load: async () => (await import('./run.ts')).runCommand,
  },
  site: {
    summary: 'build the public BeanFlows site',
    load: async () => (await import('./site.ts')).siteCommand,
  },
  start: {
    summary: 'land the bundled snapshot if needed, apply the project to prod, print the home report',
    load: async () => (await import('./start.ts')).startCommand,
  },
  version: {
    summary: 'print the version',
    load: async () => (await import('./version.ts')).versionCommand,
  },
}
