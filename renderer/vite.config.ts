// The renderer's build: Tailwind 4 + DaisyUI 5 through @tailwindcss/vite, Monaco's ESM sources via
// the `monaco-esm` alias (its package exports cannot reach the CSS files Monaco imports).
import { fileURLToPath } from 'node:url'
import tailwindcss from '@tailwindcss/vite'
import type { UserConfig } from 'vite'

const root = fileURLToPath(new URL('.', import.meta.url))

export const rendererConfig: UserConfig = {
  root,
  base: './',
  plugins: [tailwindcss()],
  resolve: {
    alias: { 'monaco-esm': fileURLToPath(new URL('../node_modules/monaco-editor/esm/vs', import.meta.url)) },
  },
  build: {
    outDir: fileURLToPath(new URL('../out/renderer', import.meta.url)),
    emptyOutDir: true,
    // .vite/manifest.json: the server names an editor page's chunks in it (server/asset-preload.ts).
    manifest: true,
    chunkSizeWarningLimit: 5_000,
    rollupOptions: { input: fileURLToPath(new URL('./index.html', import.meta.url)) },
  },
  worker: { format: 'es' },
}

export default rendererConfig
