// Launches Debian's Chromium through playwright-core for browser tests (no browser download).
import { type Browser, chromium } from 'playwright-core'
import { chromiumPath } from '../server/renderer-build.ts'

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
    ],
  })
}
