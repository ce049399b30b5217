// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  version: { summary: 'print the version', load: async () => (await import('./version.ts')).versionCommand },
  // The one command implemented above pipeline/: it starts the server (see test/layering.test.ts).
  workbench: {
    summary: 'serve the workbench (model editor, queries, plans) on 127.0.0.1',
    load: async () => (await import('../../server/cli-workbench.ts')).workbenchCommand,
  },
}
