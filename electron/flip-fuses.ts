// Build step (`npm run build`): flips the fuses of electron/fuses.ts in the Electron binary, before
// any packaging or signing. Electron is an optional dependency; where its binary is not installed
// there is nothing to flip, and the step says so in one line and succeeds.
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { flipFuses } from '@electron/fuses'
import { fuseConfig } from './fuses.ts'

function electronBinary(): string | undefined {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown
    return typeof path === 'string' && existsSync(path) ? path : undefined
  } catch {
    return undefined
  }
}

const binary = process.argv[2] ?? electronBinary()
if (binary === undefined) {
  process.stdout.write('fuses: no Electron binary installed; nothing to flip\n')
} else {
  // A packaged app keeps its code in resources/app.asar next to the binary.
  const hasAsar = existsSync(join(dirname(binary), 'resources', 'app.asar'))
  await flipFuses(binary, fuseConfig({ hasAsar }))
  process.stdout.write(`fuses: flipped in ${binary} (asar: ${hasAsar ? 'yes' : 'no'})\n`)
}
