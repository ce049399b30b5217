import { readFileSync } from 'node:fs'
import type { Command } from './command.ts'

export const versionCommand: Command = {
  name: 'version',
  async run(_argv, context) {
    const packageUrl = new URL('../../package.json', import.meta.url)
    const { version } = JSON.parse(readFileSync(packageUrl, 'utf8')) as { version: string }
    context.stdout.write(`materia ${version}\n`)
    return 0
  },
}
