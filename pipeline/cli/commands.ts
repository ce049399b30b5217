// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  extract: {
    summary: 'land USDA PSD snapshots into the landing store',
    load: async () => (await import('./extract.ts')).extractCommand,
  },
  version: { summary: 'print the version', load: async () => (await import('./version.ts')).versionCommand },
}
