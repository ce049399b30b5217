// The `materia` command: dispatches to pipeline/cli/<command>.ts. Operating errors print one line
// and exit 1 (a MateriaError, or a file-system call that failed on a path); anything else is a bug
// and prints its stack.

import type { CommandContext } from './cli/command.ts'
import { commandEntry, commandHelp, commands } from './cli/commands.ts'
import { fileSystemProblem, isMateriaError } from './errors.ts'

function helpText(): string {
  const width = Math.max(...Object.keys(commands).map((name) => name.length))
  const lines = Object.entries(commands).map(([name, entry]) => `  ${name.padEnd(width)}  ${entry.summary}`)
  return `BeanFlows Materia: the commodity analyst's workbench\n\nusage: materia <command> [options]\n\n${lines.join('\n')}\n\nmateria <command> --help for a command's options\n`
}

const helpNames: ReadonlySet<string | undefined> = new Set([undefined, '--help', '-h', 'help'])

const wantsHelp = (argv: readonly string[]): boolean => argv.includes('--help') || argv.includes('-h')

// Whether `main(argv)` imports a command's module: false for the command list, an unknown command
// and a command's --help. bin/materia.js asks, and checks that the lazily loaded command chunks are
// current only when they will run.
export function loadsCommand(argv: readonly string[]): boolean {
  const [name, ...rest] = argv
  return !helpNames.has(name) && commandEntry(name ?? '') !== undefined && !wantsHelp(rest)
}

// The argument lists whose output comes from the command table alone: the command list and each
// command's --help. bin/cli-build.js records `main`'s output for them when it builds the bundle, and a
// start with exactly these arguments prints the record once the table's sources are checked.
export function recordedRuns(): readonly (readonly string[])[] {
  const commandHelps = Object.keys(commands).flatMap((name) => [
    [name, '--help'],
    [name, '-h'],
  ])
  return [[], ['--help'], ['-h'], ['help'], ...commandHelps]
}

// A reader that stops early (materia query --csv | head) closes the pipe: the rest of the output has
// nowhere to go. The process ends quietly with 141 (128 + SIGPIPE), as cat and git do when a pipe
// closes on them: not 0, which would claim a command succeeded that never finished (a
// `materia test | head` with pipefail), and no stack, which is no failure of the command.
export const closedPipeExitCode = 141

function quietOnClosedPipe(stream: NodeJS.WritableStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(closedPipeExitCode)
    throw error
  })
}

export async function main(argv: readonly string[], context?: Partial<CommandContext>): Promise<number> {
  if (context?.stdout === undefined) quietOnClosedPipe(process.stdout)
  const fullContext: CommandContext = {
    cwd: context?.cwd ?? process.cwd(),
    env: context?.env ?? process.env,
    stdout: context?.stdout ?? process.stdout,
    stderr: context?.stderr ?? process.stderr,
    isTTY: context?.isTTY ?? Boolean(process.stdout.isTTY),
  }
  const [name, ...rest] = argv
  if (name === undefined || helpNames.has(name)) {
    fullContext.stdout.write(helpText())
    return name === undefined ? 2 : 0
  }
  const entry = commandEntry(name)
  if (entry === undefined) {
    fullContext.stderr.write(`materia: unknown command "${name}"; run materia --help for the list\n`)
    return 2
  }
  if (wantsHelp(rest)) {
    fullContext.stdout.write(commandHelp(entry))
    return 0
  }
  const command = await entry.load()
  try {
    return await command.run(rest, fullContext)
  } catch (error) {
    if (isMateriaError(error)) {
      fullContext.stderr.write(`materia ${name}: ${error.message}\n`)
      return 1
    }
    const problem = fileSystemProblem(error)
    if (problem !== null) {
      fullContext.stderr.write(`materia ${name}: ${problem}\n`)
      return 1
    }
    throw error
  }
}
