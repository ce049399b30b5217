// `materia app [--project DIR] [--no-open]` — what `npm start` runs: the main job (land the bundled
// snapshot when the landing is empty, bring prod up to date, print the coffee report), then the
// workbench in Electron, the browser, or as a printed URL. Lives in server/ because it starts the
// server; pipeline/cli/commands.ts loads it lazily (allowed by the layering test).
import type { Command } from '../pipeline/cli/command.ts'
import { parseWorkbenchArguments, resolveProjectRoot } from './cli-workbench.ts'
import { startApp } from './start.ts'

export const appCommand: Command = {
  name: 'app',
  async run(argv, context) {
    const options = parseWorkbenchArguments(argv)
    return startApp({
      projectRoot: resolveProjectRoot(options.project, context.cwd),
      stdout: context.stdout,
      env: context.env,
      open: options.open,
    })
  },
}
