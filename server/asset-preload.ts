// Preload hints for a page's lazily loaded renderer chunks. An editor page mounts Monaco from a
// dynamic import that starts only once the entry script has run; naming the chunks in the page
// lets Chromium fetch and compile them alongside the entry instead. The chunk names are hashed, so
// they come from Vite's build manifest (build.manifest: .vite/manifest.json in the output, each
// entry with its `file`, the `imports` it needs and its `css`: Vite's backend integration guide).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Html, html } from './html.ts'

interface ManifestChunk {
  readonly file: string
  readonly imports?: readonly string[]
  readonly css?: readonly string[]
}

type Manifest = Readonly<Record<string, ManifestChunk>>

let cached: { dir: string; manifest: Manifest } | null = null

function manifestOf(rendererDir: string): Manifest {
  if (cached?.dir === rendererDir) return cached.manifest
  let manifest: Manifest = {}
  try {
    manifest = JSON.parse(readFileSync(join(rendererDir, '.vite', 'manifest.json'), 'utf8')) as Manifest
  } catch {
    // A build without a manifest only loses the hints; the dynamic import still loads everything.
  }
  cached = { dir: rendererDir, manifest }
  return manifest
}

// <link> hints for `source` (e.g. src/model-editor.ts) and every chunk it imports, with their CSS.
export function chunkPreloads(rendererDir: string, source: string): Html {
  const manifest = manifestOf(rendererDir)
  const scripts = new Set<string>()
  const styles = new Set<string>()
  const pending = [source]
  while (pending.length > 0) {
    const chunk = manifest[pending.pop() ?? '']
    if (chunk === undefined || scripts.has(chunk.file)) continue
    scripts.add(chunk.file)
    for (const css of chunk.css ?? []) styles.add(css)
    pending.push(...(chunk.imports ?? []))
  }
  return html`${[...scripts].map((file) => html`<link rel="modulepreload" href="/${file}">`)}${[
    ...styles,
  ].map((file) => html`<link rel="preload" as="style" href="/${file}">`)}`
}
