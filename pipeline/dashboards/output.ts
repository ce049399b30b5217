// Writes a complete build into a fresh sibling folder and swaps it into place, so a reader never
// sees half an export and a failed build leaves the previous one untouched.
import { chmod, mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import { assert } from '../assert.ts'
import type { OutputFiles } from './assets.ts'

export async function writeOutput(outDir: string, files: OutputFiles): Promise<void> {
  assert(files.size > 0, 'a build writes at least one file')
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
