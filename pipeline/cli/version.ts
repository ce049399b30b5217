import { readFileSync } from 'node:fs'
import type { Command } from './command.ts'
import { commands } from './commands.ts'
import { parseArguments } from './project-option.ts'

export const versionCommand: Command = {
  name: 'version',
  async run(argv, context) {
    parseArguments(argv, {}, commands.version.usage)
    const packageUrl = new URL('../../package.json', import.meta.url)
    const { version } = JSON.parse(readFileSync(packageUrl, 'utf8')) as { version: string }
    context.stdout.write(`materia ${version}\n`)
    return 0
  },
}
