#!/usr/bin/env node
// The `materia` command: runs the compiled bundle of pipeline/cli.ts (bin/cli-build.js builds it on
// the first start after a source change). MATERIA_TSX=1 runs the TypeScript sources through tsx
// instead; `node --enable-source-maps bin/materia.js` keeps the bundle and maps stack traces to the
// sources (off by default: reading the maps costs a start about 0.1 s).
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

async function loadMain() {
  if (process.env.MATERIA_TSX === '1') {
    const { register } = await import('tsx/esm/api')
    register()
    return (await import('../pipeline/cli.ts')).main
  }
  const { compiledCli } = await import('./cli-build.js')
  const argv = process.argv.slice(2)
  try {
    const entry = await compiledCli((module) => module.loadsCommand?.(argv) ?? true)
    return entry.main
  } catch (error) {
    const message = compileFailure(error)
    if (message === null) throw error
    process.stderr.write(message)
    return null
  }
}

const main = await loadMain()
process.exitCode = main === null ? 1 : await main(process.argv.slice(2))
