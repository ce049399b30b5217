// The desktop app's main process: starts the workbench server in-process (the same one
// `materia workbench` serves) and shows it in a locked-down window (see window-options.ts).
// Navigation off the workbench's origin (in any frame), new windows and every permission request
// are refused.
// The preload exposes one native function: choosing a project folder.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { startWorkbench, type Workbench } from '../server/workbench.ts'
import { guardNavigation, type NavigationSource } from './navigation-guard.ts'
import { switchProject } from './project-switch.ts'
import { isAppUrl, windowOptions } from './window-options.ts'

// The part of Electron's API this file uses. Electron is an optional dependency (its binary cannot
// be downloaded everywhere), so its types are not always installed; this is loaded at run time only.
interface WebContents extends NavigationSource {
  setWindowOpenHandler(handler: (details: { url: string }) => { action: 'deny' }): void
}
interface BrowserWindowInstance {
  webContents: WebContents
  once(event: 'ready-to-show', listener: () => void): void
  show(): void
  loadURL(url: string): Promise<void>
}
interface ElectronApi {
  app: {
    whenReady(): Promise<void>
    on(event: 'window-all-closed', listener: () => void): void
    quit(): void
  }
  BrowserWindow: new (options: ReturnType<typeof windowOptions>) => BrowserWindowInstance
  session: {
    defaultSession: {
      setPermissionRequestHandler(
        handler: (contents: unknown, permission: string, callback: (granted: boolean) => void) => void,
      ): void
      setPermissionCheckHandler(handler: () => boolean): void
    }
  }
  ipcMain: {
    handle(
      channel: string,
      handler: (event: { senderFrame: { url: string } | null }) => Promise<unknown>,
    ): void
  }
  dialog: {
    showOpenDialog(options: {
      properties: string[]
      title: string
    }): Promise<{ canceled: boolean; filePaths: string[] }>
  }
}

const electron = createRequire(import.meta.url)('electron') as ElectronApi
const here = fileURLToPath(new URL('.', import.meta.url))

function initialProject(): string {
  const candidates = [process.env.MATERIA_PROJECT, process.cwd(), join(process.cwd(), 'sql')]
  for (const candidate of candidates) {
    if (candidate !== undefined && existsSync(join(candidate, 'materia.yaml'))) return resolve(candidate)
  }
  return resolve(process.cwd(), 'sql')
}

async function main(): Promise<void> {
  const { app, BrowserWindow, session, ipcMain, dialog } = electron
  await app.whenReady()
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  const rendererDir = join(here, '..', 'renderer')
  let workbench: Workbench = await startWorkbench({ projectRoot: initialProject(), rendererDir })
  const window = new BrowserWindow(windowOptions(join(here, '..', 'preload', 'index.cjs')))
  guardNavigation(window.webContents, () => workbench.baseUrl)
  window.webContents.setWindowOpenHandler(() => ({ action: 'deny' }))
  window.once('ready-to-show', () => window.show())

  ipcMain.handle('materia:choose-project-folder', async (event) => {
    if (event.senderFrame === null || !isAppUrl(event.senderFrame.url, workbench.baseUrl)) return null
    const chosen = await dialog.showOpenDialog({
      properties: ['openDirectory'],
      title: 'Open a Materia project',
    })
    const folder = chosen.filePaths[0]
    if (chosen.canceled || folder === undefined) return null
    if (!existsSync(join(folder, 'materia.yaml'))) return { error: `${folder} holds no materia.yaml` }
    const result = await switchProject(workbench, resolve(folder), (root) =>
      startWorkbench({ projectRoot: root, rendererDir }),
    )
    if (result.kind === 'kept') return { error: result.error }
    workbench = result.workbench
    await window.loadURL(workbench.url)
    return { project: folder }
  })

  app.on('window-all-closed', () => {
    workbench.close().finally(() => app.quit())
  })
  await window.loadURL(workbench.url)
}

main().catch((error: unknown) => {
  console.error(error)
  process.exit(1)
})
