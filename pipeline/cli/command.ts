// One CLI command: a name and a run function over parsed argv (its summary and usage are in
// commands.ts, so help needs no command module).
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
  run(argv: readonly string[], context: CommandContext): Promise<number>
}
