#!/usr/bin/env node
// The `materia` command: runs the compiled bundle of pipeline/cli.ts (bin/cli-build.js builds it on
// the first start after a source change), or prints the output it recorded for these arguments
// (the command list, a command's --help). MATERIA_TSX=1 runs the TypeScript sources through tsx
// instead; `node --enable-source-maps bin/materia.js` keeps the bundle and maps stack traces to the
// sources (off by default: reading the maps costs a start about 0.1 s).
// CommonJS (bin/package.json), so that a start loads Node's ES module loader only with the bundle.

const { writeSync } = require('node:fs')

// esbuild reports what it could not compile as { text, location: { file, line, column } }.
function compileFailure(error) {
  const errors = Array.isArray(error?.errors) ? error.errors : []
  if (errors.length === 0) return null
  const lines = errors.map((item) => {
    const where = item.location === null ? '' : `${item.location.file}:${item.location.line}: `
    return `materia: cannot compile ${where}${item.text}`
  })
  return `${lines.join('\n')}\nfix the source above, or run with MATERIA_TSX=1 to load it through tsx\n`
}

// Writes `text` to stdout with write(2): the first use of process.stdout costs a start some 10 ms
// (on a pipe it builds a net.Socket). What a descriptor the parent made non-blocking refuses, or a
// closed pipe, goes through process.stdout, which waits for room or reports the error as always.
function writeStdout(text) {
  const bytes = Buffer.from(text)
  let written = 0
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written)
  } catch (error) {
    // A reader that closed the pipe (materia --help | head -1) wants no more: end quietly, with
    // 141 (128 + SIGPIPE) as cat and git do (pipeline/cli.ts, closedPipeExitCode).
    if (error.code === 'EPIPE') return 141
    process.stdout.write(bytes.subarray(written))
  }
  return 0
}

// The exit code of a start with `argv`.
async function run(argv) {
  if (process.env.MATERIA_TSX === '1') {
    const { register } = await import('tsx/esm/api')
    register()
    return (await import('../pipeline/cli.ts')).main(argv)
  }
  let start
  try {
    start = await require('./cli-build.js').compiledCli(argv)
  } catch (error) {
    const message = compileFailure(error)
    if (message === null) throw error
    process.stderr.write(message)
    return 1
  }
  if (start.module !== undefined) return start.module.main(argv)
  return writeStdout(start.recorded.stdout) || start.recorded.code
}

run(process.argv.slice(2)).then((code) => {
  process.exitCode = code
})
