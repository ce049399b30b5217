// Writes a complete build into a fresh sibling folder and swaps it into place, so a reader never
// sees half an export and a failed build leaves the previous one untouched. Only an earlier build
// is ever replaced: a mistyped --out (a file, a folder of one's own) is refused before anything
// is written.
import { chmod, mkdir, mkdtemp, readdir, rename, rm, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { assert } from '../assert.ts'
import { MateriaError } from '../errors.ts'
import type { OutputFiles } from './assets.ts'

// The file every build writes at the top of its folder: the next build replaces a folder that has it.
export const buildMarker = '.materia-build'
const markerText =
  'This folder is the output of a materia dashboards or site build; the next build replaces it whole.\n'

// What outDir may hold for a build to replace it: nothing, an empty folder, or an earlier build (its
// marker, or, from before the marker, index.html beside assets/). Anything else is refused.
async function checkReplaceable(outDir: string): Promise<void> {
  const info = await stat(outDir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null
    throw error
  })
  if (info === null) return
  if (!info.isDirectory()) {
    throw new MateriaError(
      'usage',
      `${outDir} is a file, not a build folder; give --out a folder (nothing was changed)`,
    )
  }
  const entries = await readdir(outDir)
  if (entries.length === 0 || entries.includes(buildMarker)) return
  if (entries.includes('index.html') && entries.includes('assets')) return
  throw new MateriaError(
    'usage',
    `${outDir} holds files no materia build wrote (${entries.slice(0, 3).join(', ')}${entries.length > 3 ? ', ...' : ''}); give --out a new or empty folder (nothing was changed)`,
  )
}

export async function writeOutput(outDir: string, files: OutputFiles): Promise<void> {
  assert(files.size > 0, 'a build writes at least one file')
  await checkReplaceable(outDir)
  const parent = dirname(outDir)
  await mkdir(parent, { recursive: true })
  const staging = await mkdtemp(join(parent, `.${basename(outDir)}.new-`))
  try {
    // mkdtemp creates the folder private (0700); a static host serving it needs to read it.
    await chmod(staging, 0o755)
    for (const path of [...files.keys()].sort()) {
      assert(!path.startsWith('/') && !path.split('/').includes('..'), `output path ${path} stays inside`)
      const target = join(staging, path)
      await mkdir(dirname(target), { recursive: true })
      await writeFile(target, files.get(path)!)
    }
    await writeFile(join(staging, buildMarker), markerText)
  } catch (error) {
    await rm(staging, { recursive: true, force: true })
    throw error
  }
  // rename() cannot replace a non-empty folder: move the old export aside, then swap.
  const previous = `${staging.replace('.new-', '.old-')}`
  let hadPrevious = true
  try {
    await rename(outDir, previous)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    hadPrevious = false
  }
  await rename(staging, outDir)
  if (hadPrevious) await rm(previous, { recursive: true, force: true })
}
