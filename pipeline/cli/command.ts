// One CLI command: a name, a one-line summary, and a run function over parsed argv.
// Commands are thin: they parse options, call library functions and print.
export interface CommandContext {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly stdout: NodeJS.WritableStream
  readonly stderr: NodeJS.WritableStream
  readonly isTTY: boolean
}

export interface Command {
  readonly name: string
  readonly summary: string
  readonly usage: string
  run(argv: readonly string[], context: CommandContext): Promise<number>
}
