// The renderer's build: Tailwind 4 + DaisyUI 5 through @tailwindcss/vite, Monaco's ESM sources via
// the `monaco-esm` alias (its package exports cannot reach the CSS files Monaco imports), and a
// brotli and a gzip copy of each text asset for the server to send as they are.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import tailwindcss from '@tailwindcss/vite'
import type { Plugin, UserConfig } from 'vite'
import { monacoOmit } from './monaco-omit.ts'

const root = fileURLToPath(new URL('.', import.meta.url))

// Smaller files gain less from compression than the Content-Encoding costs.
const compressBytesMin = 1_024
// Brotli quality 5: within 5 % of quality 9's size on the Monaco chunk at a third of its build time.
const brotliQuality = 5

// <file>.br and <file>.gz beside each emitted script, style sheet and font under assets/: the server's
// serveStatic (precompressed: true) picks the one the browser accepts (Accept-Encoding), so the
// editor's 2.7 MB of Monaco cross the socket as 0.6 MB, and no byte is compressed per request.
function precompress(): Plugin {
  return {
    name: 'materia-precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const dir = options.dir ?? ''
      for (const name of Object.keys(bundle)) {
        if (!/^assets\/.*\.(js|css|ttf|svg)$/.test(name)) continue
        const bytes = readFileSync(join(dir, name))
        if (bytes.length < compressBytesMin) continue
        writeFileSync(
          join(dir, `${name}.br`),
          brotliCompressSync(bytes, {
            params: {
              [constants.BROTLI_PARAM_QUALITY]: brotliQuality,
              [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
            },
          }),
        )
        writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: 9 }))
      }
    },
  }
}

// Monaco in three chunks of about 1 MB each, cut along its layers (base and platform, the
// editor's model and view model, the editor's view and contributions): VS Code's layering rule
// (base <- platform <- editor/common <- editor/browser <- contrib) keeps the chunks' imports one way,
// so each module still runs after the modules it imports. Chromium compiles each chunk on its
// own background thread while it downloads (one 2.7 MB chunk kept one thread busy for most of an
// editor page's cold start), and an editor page names all three as modulepreload hints.
// Vite's preload helper (every dynamic import goes through it, Monaco's own included) gets a chunk
// of its own: in a Monaco chunk it made the entry script, and so every page, load Monaco.
const monacoChunkGroups = [
  { name: 'preload-helper', test: /vite[\\/]preload-helper/, priority: 4 },
  { name: 'monaco-base', test: /monaco-editor[\\/]esm[\\/]vs[\\/](base|platform)[\\/]/, priority: 3 },
  { name: 'monaco-model', test: /monaco-editor[\\/]esm[\\/]vs[\\/]editor[\\/]common[\\/]/, priority: 2 },
  { name: 'monaco-view', test: /monaco-editor[\\/]esm[\\/]vs[\\/]/, priority: 1 },
]

export const rendererConfig: UserConfig = {
  root,
  base: './',
  plugins: [monacoOmit(), tailwindcss(), precompress()],
  resolve: {
    alias: { 'monaco-esm': fileURLToPath(new URL('../node_modules/monaco-editor/esm/vs', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    // .vite/manifest.json: the server names an editor page's chunks in it (server/asset-preload.ts).
    manifest: true,
    chunkSizeWarningLimit: 5_000,
    rolldownOptions: {
      input: fileURLToPath(new URL('./index.html', import.meta.url)),
      // htmx's one direct eval serves hx-on and js: attributes, which main.ts turns off
      // (htmx.config.allowEval = false) and the CSP forbids (no 'unsafe-eval'): the warning every
      // build printed on a first `npm start` is about code that never runs.
      onwarn(warning, warn) {
        if (warning.code === 'EVAL' && /[\\/]htmx\.org[\\/]/.test(warning.id ?? '')) return
        warn(warning)
      },
      output: { codeSplitting: { groups: monacoChunkGroups } },
    },
  },
  worker: { format: 'es' },
}

export default rendererConfig
