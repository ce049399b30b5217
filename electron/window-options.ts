// The desktop window's security settings, as a pure function so a unit test can pin them: the page
// is our own local server's, yet it renders data and SQL from files, so it gets no Node, runs in
// Chromium's sandbox, and talks to the main process only through the named preload functions.
export interface WindowOptions {
  readonly width: number
  readonly height: number
  readonly minWidth: number
  readonly minHeight: number
  readonly show: boolean
  readonly title: string
  readonly backgroundColor: string
  readonly autoHideMenuBar: boolean
  readonly webPreferences: {
    readonly preload: string
    readonly contextIsolation: true
    readonly sandbox: true
    readonly nodeIntegration: false
    readonly nodeIntegrationInWorker: false
    readonly nodeIntegrationInSubFrames: false
    readonly webSecurity: true
    readonly allowRunningInsecureContent: false
    readonly webviewTag: false
    readonly experimentalFeatures: false
    readonly navigateOnDragDrop: false
    readonly safeDialogs: true
    readonly spellcheck: false
  }
}

export function windowOptions(preloadPath: string): WindowOptions {
  return {
    width: 1440,
    height: 920,
    minWidth: 960,
    minHeight: 600,
    show: false, // shown on ready-to-show, so the first paint is the page, not a white flash
    title: 'Materia · BeanFlows',
    backgroundColor: '#f2f2f2',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
    },
  }
}

// Navigation and new windows stay on the workbench's own origin (scheme, host and port).
export function isAppUrl(url: string, appBaseUrl: string): boolean {
  try {
    return new URL(url).origin === new URL(appBaseUrl).origin
  } catch {
    return false
  }
}
