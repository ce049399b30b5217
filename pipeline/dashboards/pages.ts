// Finds and renders the pages of a dashboards folder. A page with any issue fails the build with
// the first issue as `path:line message`, so nothing is written for a broken set of pages.
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { MateriaError } from '../errors.ts'
import { dashboardPagesMax } from '../limits.ts'
import { type Page, parsePage } from './page.ts'
import type { QueryRunner } from './query.ts'
import { type RenderedPage, renderPage } from './render.ts'

export interface RenderedEntry {
  readonly page: Page
  readonly rendered: RenderedPage
  readonly slug: string // output path without extension, e.g. "world-balance" or "coffee/profile"
}

/** Relative paths of every *.md under the folder, sorted (the build's order). */
export async function listPages(pagesDir: string): Promise<string[]> {
  let entries: string[]
  try {
    entries = await readdir(pagesDir, { recursive: true })
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new MateriaError(
        'dashboard',
        `${pagesDir}: no such folder; put pages in dashboards/pages/*.md or pass --pages DIR`,
      )
    }
    throw error
  }
  const pages = entries.filter((entry) => entry.endsWith('.md')).map((entry) => entry.split(sep).join('/'))
  if (pages.length > dashboardPagesMax) {
    throw new MateriaError(
      'limit',
      `${pagesDir} holds ${pages.length} pages, over dashboardPagesMax (${dashboardPagesMax})`,
    )
  }
  return pages.sort()
}

export async function readPage(pagesDir: string, path: string): Promise<Page> {
  return parsePage(path, await readFile(join(pagesDir, path), 'utf8'))
}

export interface RenderOptions {
  readonly pagesDir: string
  readonly publicOnly: boolean
  readonly runnerFor: (environment: string) => QueryRunner
  readonly environment: string // used when a page names none
  readonly pagesLabel?: string // how paths appear in messages, e.g. "dashboards/pages"
}

export async function renderAllPages(options: RenderOptions): Promise<RenderedEntry[]> {
  const entries: RenderedEntry[] = []
  for (const path of await listPages(options.pagesDir)) {
    const page = await readPage(options.pagesDir, path)
    if (options.publicOnly && !page.meta.public) continue
    const rendered = await renderPage(page, options.runnerFor(page.meta.environment ?? options.environment))
    const first = rendered.issues[0]
    if (first !== undefined) {
      const label = options.pagesLabel ?? relative(process.cwd(), options.pagesDir)
      const more =
        rendered.issues.length > 1 ? ` (and ${rendered.issues.length - 1} more issues on this page)` : ''
      throw new MateriaError('dashboard', `${join(label, path)}:${first.line} ${first.message}${more}`)
    }
    entries.push({ page, rendered, slug: path.replace(/\.md$/, '') })
  }
  const position = (entry: RenderedEntry) => entry.page.meta.position ?? Number.POSITIVE_INFINITY
  return entries.sort((left, right) => position(left) - position(right) || (left.slug < right.slug ? -1 : 1))
}

/** How the pages folder is named in messages: relative to the cwd when inside it, else absolute. */
export function pagesLabelOf(cwd: string, pagesDir: string): string {
  const path = relative(cwd, pagesDir)
  if (path === '') return '.'
  return path.startsWith('..') ? pagesDir : path
}

/** From an output path like "a/b.html" back to the root: "../". */
export function rootOf(outputPath: string): string {
  return '../'.repeat(outputPath.split('/').length - 1)
}
