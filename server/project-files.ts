// Reading and saving project files for the editor. The file on disk is the source of truth: a save
// names the modification time the editor loaded, and a file changed on disk since then is not
// overwritten (409), so neither the analyst's edits nor someone else's are lost.
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { MateriaError } from '../pipeline/errors.ts'
import { modelFileBytesMax } from '../pipeline/limits.ts'

// A project-relative path the editor may open: inside the root, not under .materia, a text kind.
export function projectFilePath(root: string, relativePath: string): string {
  const clean = normalize(relativePath)
  if (
    relativePath === '' ||
    isAbsolute(relativePath) ||
    clean.startsWith('..') ||
    clean.split(sep).includes('.materia') ||
    !/\.(sql|yaml|yml|csv)$/.test(clean)
  ) {
    throw new MateriaError(
      'usage',
      `"${relativePath}" is not a project file the workbench edits (.sql, .yaml, .csv inside the project)`,
    )
  }
  const path = join(root, clean)
  if (!path.startsWith(root + sep))
    throw new MateriaError('usage', `"${relativePath}" is outside the project`)
  return path
}

export interface FileVersion {
  readonly text: string
  readonly mtimeMs: number
}

export async function readProjectFile(root: string, relativePath: string): Promise<FileVersion> {
  const path = projectFilePath(root, relativePath)
  try {
    const info = await stat(path)
    if (info.size > modelFileBytesMax) {
      throw new MateriaError(
        'limit',
        `${relativePath} is larger than modelFileBytesMax (${modelFileBytesMax} bytes)`,
      )
    }
    return { text: await readFile(path, 'utf8'), mtimeMs: info.mtimeMs }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      throw new MateriaError('usage', `${relativePath}: no such file`)
    throw error
  }
}

export async function fileMtime(root: string, relativePath: string): Promise<number | null> {
  try {
    return (await stat(projectFilePath(root, relativePath))).mtimeMs
  } catch {
    return null
  }
}

// Writes through a temporary file and a rename, so a crash never leaves half a model on disk.
export async function saveProjectFile(
  root: string,
  relativePath: string,
  text: string,
  baseMtimeMs: number,
): Promise<{ saved: true; mtimeMs: number } | { saved: false; current: FileVersion }> {
  const path = projectFilePath(root, relativePath)
  if (Buffer.byteLength(text) > modelFileBytesMax) {
    throw new MateriaError(
      'limit',
      `${relativePath}: more than modelFileBytesMax (${modelFileBytesMax} bytes)`,
    )
  }
  const current = await readProjectFile(root, relativePath)
  if (current.mtimeMs !== baseMtimeMs && current.text !== text) return { saved: false, current }
  const temporary = `${path}.${randomBytes(6).toString('hex')}.tmp`
  await writeFile(temporary, text, 'utf8')
  await rename(temporary, path)
  return { saved: true, mtimeMs: (await stat(path)).mtimeMs }
}

// A new file (its folder made if needed), never over an existing one (O_EXCL): a name taken
// meanwhile is refused with `taken`, not replaced. The New model and New page forms both write so.
export async function createNewFile(path: string, text: string, taken: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true })
  try {
    await writeFile(path, text, { encoding: 'utf8', flag: 'wx' })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new MateriaError('usage', taken)
    throw error
  }
}

export function createProjectFile(root: string, relativePath: string, text: string): Promise<void> {
  return createNewFile(
    projectFilePath(root, relativePath),
    text,
    `${relativePath} exists already; open it from the tree, or choose another name`,
  )
}
