// The command table. Each entry is loaded lazily so `materia --help` starts fast.
import type { Command } from './command.ts'

type CommandLoader = () => Promise<Command>

export const commands: Readonly<Record<string, { summary: string; load: CommandLoader }>> = {
  version: { summary: 'print the version', load: async () => (await import('./version.ts')).versionCommand },
}
