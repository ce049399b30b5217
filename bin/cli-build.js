// The compiled `materia` command. The sources are TypeScript; esbuild bundles pipeline/cli.ts (the
// commands become lazily loaded chunks) into node_modules/.cache/materia-cli/<source hash>/, once
// per source state, so a start pays for neither a compiler nor a module per source file.
//
// Never stale: the manifest records every bundled source file with its size, mtime and SHA-256. A
// start stats each one; a file whose size or mtime moved is read and hashed, and any content change,
// a missing file or a different esbuild rebuilds the bundle before it runs. A file the bundle does
// not import cannot change it, unless an imported file changes to import it, which is a change.
// The entry's own sources are checked first: a start that runs no command (`materia --help`) runs
// only the entry chunk and the chunks it imports statically, so it stats only their sources (plus
// every source no chunk holds bytes of, in case an edit gives it some); the rest, the lazily
// imported commands' sources, only when the entry says the arguments load a command.
// Packages stay external and resolve from the repository's node_modules like the sources would,
// except the few compiled in (bundledPackages below).
//
// Recorded runs: the entry may name argument lists whose output comes from its own sources alone
// (cli.ts recordedRuns: the command list, each command's --help). The build runs `main` on each and
// keeps what it printed and returned in the manifest; a start with exactly those arguments prints
// the record once the entry's sources are checked as above, which are all that output depends on,
// and so loads no ES module at all. An entry chunk that imports a package (other than node:*) gets
// no records, since a package's files are not in the manifest.
//
// This file and materia.js are CommonJS (bin/package.json): a start that prints a record never
// initialises Node's ES module loader, which costs more than the rest of such a start.
const {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} = require('node:fs')
const { dirname, extname, join, relative } = require('node:path')
const { pathToFileURL } = require('node:url')

const repository = join(__dirname, '..', '/')
const entry = join(repository, 'pipeline', 'cli.ts')
const cacheDir = join(repository, 'node_modules', '.cache', 'materia-cli')
// One manifest per repository path: a tree whose node_modules links to another's (a test fixture, a
// second clone) shares the cache folder, and must never run a bundle built from the other's sources.
const manifestPath = join(cacheDir, `manifest-${pathHash(repository)}.json`)
// Bump when the build options below change, so an older bundle is not taken for a current one.
const buildFormat = '5'

// FNV-1a over the path's UTF-16 code units: a short stable file name, checked against the path the
// manifest records (a collision costs a rebuild, never a wrong bundle).
function pathHash(text) {
  let hash = 0x811c9dc5
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index)
    hash = Math.imul(hash, 0x01000193) >>> 0
  }
  return hash.toString(16).padStart(8, '0')
}

// node:crypto costs tens of milliseconds to load: only a start that must hash pays for it.
function sha256(bytes) {
  const { createHash } = require('node:crypto')
  return createHash('sha256').update(bytes).digest('hex')
}

function readManifest() {
  try {
    return JSON.parse(readFileSync(manifestPath, 'utf8'))
  } catch {
    return null
  }
}

function esbuildVersion() {
  const path = join(repository, 'node_modules', 'esbuild', 'package.json')
  return JSON.parse(readFileSync(path, 'utf8')).version
}

// True when the manifest describes a bundle of this repository, built by this esbuild, still on disk.
function isCurrent(manifest) {
  if (manifest?.format !== buildFormat || manifest.repository !== repository) return false
  if (!Array.isArray(manifest.inputs) || typeof manifest.runs !== 'object' || manifest.runs === null)
    return false
  return existsSync(manifest.entry) && manifest.esbuild === esbuildVersion()
}

// True when every recorded source in `inputs` still has its recorded bytes. Stats first; hashes only
// a file whose size or mtime moved (a checkout or an editor save that did not change the text).
function isFresh(manifest, inputs) {
  let touched = false
  for (const input of inputs) {
    let stat
    try {
      stat = statSync(input.path)
    } catch {
      return false
    }
    if (stat.size === input.size && stat.mtimeMs === input.mtimeMs) continue
    if (stat.size !== input.size || sha256(readFileSync(input.path)) !== input.sha256) return false
    input.mtimeMs = stat.mtimeMs
    touched = true
  }
  if (touched) writeAtomically(manifestPath, JSON.stringify(manifest))
  return true
}

function writeAtomically(path, text) {
  const temporary = `${path}.${process.pid}.tmp`
  writeFileSync(temporary, text)
  renameSync(temporary, path)
}

// Packages compiled into the bundle: CommonJS ones that nearly every command loads (imported from
// an ES module, each of their files would be scanned for its exports and resolved on every start;
// the DuckDB client is some 80 files), and sql-formatter, whose ~100 ES modules the engine's index
// loads, and of which the bundle keeps only the DuckDB dialect (format.ts). Bundled, they cost one
// parse. Every other package stays external and resolves from node_modules as from the sources.
const bundledPackages = new Set(['@duckdb/node-api', 'yaml', 'sql-formatter'])

function packageName(specifier) {
  const parts = specifier.split('/')
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]
}

const externalPackages = {
  name: 'external-packages',
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => {
      if (bundledPackages.has(packageName(args.path)) && args.path !== '@duckdb/node-bindings')
        return undefined
      return { path: args.path, external: true }
    })
  },
}

const loaders = { '.ts': 'ts', '.js': 'js', '.cjs': 'js', '.mjs': 'js', '.json': 'json' }

// Records each input's size, mtime and hash: stated before it is read and hashed from the very
// bytes compiled, so an edit racing the build is seen by the next start. In our own sources,
// import.meta.url and import.meta.dirname keep naming the source file, not the bundle chunk: the
// code finds assets, package.json and the renderer relative to itself.
function recordInputs(hash, inputs) {
  return {
    name: 'record-inputs',
    setup(build) {
      build.onLoad({ filter: /\.(ts|js|cjs|mjs|json)$/ }, (args) => {
        const stat = statSync(args.path)
        const bytes = readFileSync(args.path)
        inputs.set(args.path, {
          path: args.path,
          size: stat.size,
          mtimeMs: stat.mtimeMs,
          sha256: hash(bytes),
        })
        const loader = loaders[extname(args.path)]
        if (loader !== 'ts') return { contents: bytes, loader }
        const contents = bytes
          .toString('utf8')
          .replaceAll('import.meta.dirname', JSON.stringify(dirname(args.path)))
          .replaceAll('import.meta.filename', JSON.stringify(args.path))
          .replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href))
        return { contents, loader }
      })
    },
  }
}

async function build() {
  const esbuild = require('esbuild')
  const { createHash } = require('node:crypto')
  const hash = (bytes) => createHash('sha256').update(bytes).digest('hex')
  const loaded = new Map()
  const staging = join(cacheDir, `build-${process.pid}-${Date.now()}`)
  let result
  try {
    result = await esbuild.build({
      entryPoints: [entry],
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      absWorkingDir: repository,
      outdir: staging,
      entryNames: '[name]',
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'silent',
      // The bundled CommonJS packages call require() for the externals they use (the DuckDB binding).
      banner: {
        js: "import { createRequire as __materiaRequire } from 'node:module'; const require = __materiaRequire(import.meta.url);",
      },
      plugins: [externalPackages, recordInputs(hash, loaded)],
    })
  } catch (error) {
    rmSync(staging, { recursive: true, force: true })
    throw error
  }
  const outputs = result.metafile.outputs
  const eager = eagerOutputs(outputs, relative(repository, join(staging, 'cli.js')))
  const lazy = lazySources(outputs, eager)
  const inputs = Object.keys(result.metafile.inputs).map((relative) => {
    const input = loaded.get(join(repository, relative))
    if (input === undefined) throw new Error(`bundle input ${relative} was not recorded`)
    return { ...input, lazy: lazy.has(relative) }
  })
  const key = hash(JSON.stringify([buildFormat, inputs.map((input) => [input.path, input.sha256])]))
  const outdir = join(cacheDir, key.slice(0, 16))
  try {
    renameSync(staging, outdir)
  } catch {
    // Another start built the same sources first: use its bundle.
    rmSync(staging, { recursive: true, force: true })
  }
  const entryPath = join(outdir, 'cli.js')
  const runs = importsPackages(outputs, eager)
    ? {}
    : await recordRuns(await import(pathToFileURL(entryPath).href))
  const manifest = {
    format: buildFormat,
    repository,
    esbuild: esbuild.version,
    entry: entryPath,
    inputs,
    runs,
  }
  writeAtomically(manifestPath, JSON.stringify(manifest))
  removeOldBundles(outdir)
  return manifest
}

// The entry chunk and the chunks it imports statically: what a start runs before any command
// (metafile paths are relative to the working directory).
function eagerOutputs(outputs, entryOutput) {
  if (outputs[entryOutput] === undefined)
    throw new Error(`bundle entry ${entryOutput} missing from the metafile`)
  const eager = new Set([entryOutput])
  const pending = [entryOutput]
  while (pending.length > 0) {
    for (const imported of outputs[pending.pop()].imports) {
      if (imported.kind !== 'import-statement' || imported.external || eager.has(imported.path)) continue
      eager.add(imported.path)
      pending.push(imported.path)
    }
  }
  return eager
}

// The sources whose code sits only in chunks the entry imports dynamically: the entry and its static
// imports cannot change with them.
function lazySources(outputs, eager) {
  const lazy = new Set()
  for (const [output, { inputs }] of Object.entries(outputs)) {
    if (eager.has(output)) continue
    for (const input of Object.keys(inputs)) lazy.add(input)
  }
  return lazy
}

// Whether the eager chunks import a package, whose files the manifest does not follow.
function importsPackages(outputs, eager) {
  for (const output of eager) {
    for (const imported of outputs[output].imports) {
      if (imported.external && !imported.path.startsWith('node:')) return true
    }
  }
  return false
}

// What `main` prints and returns for each argument list the entry's recordedRuns names, keyed by the
// list as JSON. Such a run loads no command and writes only to stdout; anything else is a bug in the
// entry, and fails the build.
async function recordRuns(module) {
  const textSink = () => ({
    text: '',
    write(chunk) {
      this.text += String(chunk)
      return true
    },
  })
  const runs = {}
  for (const argv of module.recordedRuns?.() ?? []) {
    if (module.loadsCommand?.(argv) !== false) throw new Error(`recorded run [${argv}] loads a command`)
    const stdout = textSink()
    const stderr = textSink()
    const code = await module.main(argv, { cwd: repository, env: {}, isTTY: false, stdout, stderr })
    if (stderr.text !== '') throw new Error(`recorded run [${argv}] wrote to stderr: ${stderr.text}`)
    runs[JSON.stringify(argv)] = { stdout: stdout.text, code }
  }
  return runs
}

// Bundles of earlier sources go after a day: a process started from one (a workbench left open)
// may still load its lazy chunks until then.
function removeOldBundles(current) {
  const dayAgoMs = Date.now() - 86_400_000
  for (const name of readdirSync(cacheDir)) {
    const path = join(cacheDir, name)
    if (path === current || name.startsWith('manifest-')) continue
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat !== undefined && stat.mtimeMs < dayAgoMs) rmSync(path, { recursive: true, force: true })
  }
}

// What a start with `argv` runs, from a bundle built from the current sources (built first when
// needed): the recorded output of a run, or the entry module. The entry's loadsCommand(argv) says
// whether the arguments make it import a command's chunk; an entry without that answer is taken to
// load one.
async function compiledCli(argv) {
  const manifest = readManifest()
  if (isCurrent(manifest)) {
    const eager = manifest.inputs.filter((input) => !input.lazy)
    if (isFresh(manifest, eager)) {
      const key = JSON.stringify(argv)
      if (Object.hasOwn(manifest.runs, key)) return { recorded: manifest.runs[key] }
      const module = await import(pathToFileURL(manifest.entry).href)
      if (!(module.loadsCommand?.(argv) ?? true)) return { module }
      const lazy = manifest.inputs.filter((input) => input.lazy)
      if (isFresh(manifest, lazy)) return { module }
    }
  }
  mkdirSync(cacheDir, { recursive: true })
  return { module: await import(pathToFileURL((await build()).entry).href) }
}

module.exports = { compiledCli }
