// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  extract: {
    summary: 'land USDA PSD snapshots into the landing store',
    load: async () => (await import('./extract.ts')).extractCommand,
  },
  render: {
    summary: 'print a model query with macros expanded and references resolved',
    load: async () => (await import('./render.ts')).renderCommand,
  },
  dag: {
    summary: 'print the model graph (layers and edges)',
    load: async () => (await import('./dag.ts')).dagCommand,
  },
  pipeline: {
    summary: 'run extract, transform and publish here or on a cloud worker',
    load: async () => (await import('./pipeline.ts')).pipelineCommand,
  },
  worker: {
    summary: 'list, destroy and reap cloud workers',
    load: async () => (await import('./worker.ts')).workerCommand,
  },
  supervisor: {
    summary: 'run the schedule unattended (update, run, reap)',
    load: async () => (await import('./supervisor.ts')).supervisorCommand,
  },
  version: { summary: 'print the version', load: async () => (await import('./version.ts')).versionCommand },
}
