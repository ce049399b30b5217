// Goal: the desktop window keeps Chromium's defences on and Node out of the page. Method: assert the
// options object main.ts passes to BrowserWindow, and the origin check guarding navigation.
import { describe, expect, it } from 'vitest'
import { isAppUrl, windowOptions } from './window-options.ts'

describe('desktop window options', () => {
  it('isolates the page: context isolation, sandbox, no Node, web security on', () => {
    const options = windowOptions('/app/out/preload/index.cjs')
    expect(options.webPreferences).toEqual({
      preload: '/app/out/preload/index.cjs',
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
    })
    expect(options.show).toBe(false)
  })

  it('allows navigation only to the workbench origin', () => {
    const base = 'http://127.0.0.1:41234'
    expect(isAppUrl('http://127.0.0.1:41234/models?path=x.sql', base)).toBe(true)
    expect(isAppUrl('http://127.0.0.1:41235/', base)).toBe(false)
    expect(isAppUrl('http://localhost:41234/', base)).toBe(false)
    expect(isAppUrl('https://127.0.0.1:41234/', base)).toBe(false)
    expect(isAppUrl('https://example.com/', base)).toBe(false)
    expect(isAppUrl('file:///etc/passwd', base)).toBe(false)
    expect(isAppUrl('javascript:alert(1)', base)).toBe(false)
    expect(isAppUrl('not a url', base)).toBe(false)
  })
})
