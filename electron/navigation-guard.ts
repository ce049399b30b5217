// Keeps every navigation of the window on the workbench's origin. Electron's webContents events
// (docs/api/web-contents.md): `will-navigate` (main frame only) and `will-redirect` pass
// (event, url); `will-frame-navigate` (any frame, including the dashboard preview's iframe) passes
// one event that carries `url`, `isMainFrame` and `frame`. Calling event.preventDefault() cancels.
import { isAppUrl } from './window-options.ts'

export interface NavigationEvent {
  preventDefault(): void
}

export interface NavigationSource {
  on(event: 'will-navigate' | 'will-redirect', listener: (event: NavigationEvent, url: string) => void): void
  on(event: 'will-frame-navigate', listener: (event: NavigationEvent & { url: string }) => void): void
}

// `baseUrl()` is read per event: switching project moves the workbench to another port.
export function guardNavigation(contents: NavigationSource, baseUrl: () => string): void {
  const refuseForeign = (event: NavigationEvent, url: string) => {
    if (!isAppUrl(url, baseUrl())) event.preventDefault()
  }
  contents.on('will-navigate', refuseForeign)
  contents.on('will-redirect', refuseForeign)
  contents.on('will-frame-navigate', (event) => refuseForeign(event, event.url))
}
