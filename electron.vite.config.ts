// electron-vite builds the three parts of the desktop app: the main process (which starts the
// workbench server in-process), the preload script, and the renderer served by that server.
import { defineConfig, externalizeDepsPlugin } from 'electron-vite'
import { rendererConfig } from './renderer/vite.config.ts'

// Electron is an optional dependency (its binary cannot be downloaded everywhere); electron-vite
// reads its major version from the package when present, so name it for machines without it.
process.env.ELECTRON_MAJOR_VER ??= '41'

export default defineConfig({
  main: {
    plugins: [externalizeDepsPlugin()],
    build: { outDir: 'out/main', rollupOptions: { input: { index: 'electron/main.ts' } } },
  },
  preload: {
    plugins: [externalizeDepsPlugin()],
    // Sandboxed preloads cannot be ES modules.
    build: {
      outDir: 'out/preload',
      rollupOptions: {
        input: { index: 'electron/preload.ts' },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: rendererConfig,
})
