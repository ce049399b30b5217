// The only bridge between the page and the main process: named functions, no Node, no ipcRenderer.
// Sandboxed preloads run as CommonJS with a restricted `require`, hence require() over import.
const { contextBridge, ipcRenderer } = require('electron') as {
  contextBridge: { exposeInMainWorld(key: string, api: Record<string, () => Promise<unknown>>): void }
  ipcRenderer: { invoke(channel: string): Promise<unknown> }
}

contextBridge.exposeInMainWorld('materia', {
  chooseProjectFolder: () => ipcRenderer.invoke('materia:choose-project-folder'),
})
