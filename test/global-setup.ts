// Runs once before vitest starts any test worker: builds the workbench's renderer when it is missing
// or older than its sources (server/renderer-build.ts). Built here, the build is no part of any test
// file's beforeAll, whose time limit once ran out while a Vite build of the editor competed for two
// busy cores (and the other browser files waited on the build lock inside their own limits). Files
// still call ensureRendererBuilt, which then finds the build up to date.
import { ensureRendererBuilt } from '../server/renderer-build.ts'

export default function setup(): void {
  ensureRendererBuilt()
}
