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
// A chunk comes after the chunks it imports (Monaco's base chunk first): a browser fetches at most
// six files at once from one HTTP/1.1 origin, and the first to arrive are the first it can compile.
// The style sheets are CORS requests (crossorigin), as the <link rel="stylesheet" crossorigin>
// Vite's preload helper adds for them is: a preload matches a later request only in the same
// mode, and a no-cors preload left the helper fetching each style sheet again. They keep the
// browser's default priority for styles: the editor's import waits for them (the helper resolves
// it once its style sheets have loaded), and at a low fetch priority Chromium held them back
// behind the scripts on the six connections, so the import, its scripts long compiled, waited
// up to 1.8 s for 12 kB of style sheets.
export function chunkPreloads(rendererDir: string, source: string): Html {
  const manifest = manifestOf(rendererDir)
  const scripts: string[] = []
  const styles = new Set<string>()
  const visited = new Set<string>()
  const visit = (key: string) => {
    const chunk = manifest[key]
    if (chunk === undefined || visited.has(key)) return
    visited.add(key)
    for (const imported of chunk.imports ?? []) visit(imported)
    scripts.push(chunk.file)
    for (const css of chunk.css ?? []) styles.add(css)
  }
  visit(source)
  return html`${scripts.map((file) => html`<link rel="modulepreload" href="/${file}">`)}${[...styles].map(
    (file) => html`<link rel="preload" as="style" crossorigin href="/${file}">`,
  )}`
}
