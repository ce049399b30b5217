// Opening another project from the desktop window: the new project's server starts first, and only
// once it answers does the old one close. If the new one cannot start (no materia.yaml, a broken
// config, its database locked by another process), the window keeps the project it had, and the
// error goes back to the page in one line.
import { isMateriaError } from '../pipeline/errors.ts'
import type { Workbench } from '../server/workbench.ts'

export type ProjectSwitch =
  | { readonly kind: 'switched'; readonly workbench: Workbench }
  | { readonly kind: 'kept'; readonly workbench: Workbench; readonly error: string }

export async function switchProject(
  current: Workbench,
  folder: string,
  start: (folder: string) => Promise<Workbench>,
): Promise<ProjectSwitch> {
  if (current.context.root === folder) return { kind: 'switched', workbench: current }
  let next: Workbench
  try {
    next = await start(folder)
  } catch (error) {
    const message = isMateriaError(error) ? error.message : `${folder}: ${(error as Error).message}`
    return {
      kind: 'kept',
      workbench: current,
      error: `${message.split('\n')[0]}; still showing ${current.context.root}`,
    }
  }
  await current.close()
  return { kind: 'switched', workbench: next }
}
