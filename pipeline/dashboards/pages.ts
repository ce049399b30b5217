// Finds and renders the pages of a dashboards folder. A page with any issue fails the build with
// the first issue as `path:line message`, so nothing is written for a broken set of pages.
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, sep } from 'node:path'
import { MateriaError } from '../errors.ts'
import { dashboardPagesMax, templatedPagesMax } from '../limits.ts'
import { type Page, type PageIssue, parsePage, templateParams } from './page.ts'
import { type QueryRunner, runQueries } from './query.ts'
import { type RenderedPage, renderPage } from './render.ts'

export interface RenderedEntry {
  readonly page: Page
  readonly rendered: RenderedPage
  readonly slug: string // output path without extension, e.g. "world-balance" or "country/brazil"
  readonly title: string // the front matter title, with {params.x} filled in
  readonly description: string
  readonly template: { readonly folder: string; readonly value: string } | null // one page of a [param].md
  readonly notes: readonly string[] // "pages/x.md:LINE message": told by the build, not failing it
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
  readonly subscribers?: boolean // with publicOnly: also the `access: subscribers` pages (the paid site)
  readonly runnerFor: (environment: string) => QueryRunner
  readonly environment: string // used when a page names none
  readonly pagesLabel?: string // how paths appear in messages, e.g. "dashboards/pages"
}

export async function renderAllPages(options: RenderOptions): Promise<RenderedEntry[]> {
  const entries: RenderedEntry[] = []
  const label = (path: string) => join(options.pagesLabel ?? relative(process.cwd(), options.pagesDir), path)
  for (const path of await listPages(options.pagesDir)) {
    const page = await readPage(options.pagesDir, path)
    const shown = options.publicOnly
      ? page.meta.access === 'public' || (options.subscribers === true && page.meta.access === 'subscribers')
      : true
    if (!shown) continue
    const run = options.runnerFor(page.meta.environment ?? options.environment)
    const names = templateParams(path)
    if (names.length === 0) {
      const rendered = await renderPage(page, run)
      refuseIssues(label(path), rendered.issues, '')
      const { title, description } = page.meta
      entries.push({
        page,
        rendered,
        slug: path.replace(/\.md$/, ''),
        title,
        description,
        template: null,
        notes: notesOf(label(path), rendered.notes),
      })
      continue
    }
    for (const params of await templateValues(page, run, label(path))) {
      const rendered = await renderPage(page, run, params)
      const given = Object.entries(params)
        .map(([name, value]) => `${name}=${value}`)
        .join(', ')
      refuseIssues(label(path), rendered.issues, ` (page for ${given})`)
      const slug = path
        .replace(/\.md$/, '')
        .replace(/\[([A-Za-z_]\w*)\]/g, (_whole, name: string) => slugOf(params[name]!))
      entries.push({
        page,
        rendered,
        slug,
        title: fillParams(page.meta.title, params),
        description: fillParams(page.meta.description, params),
        template: {
          folder: slug.split('/').slice(0, -1).join('/'),
          value: Object.values(params).join(' / '),
        },
        notes: notesOf(label(path), rendered.notes),
      })
    }
  }
  const seen = new Map<string, string>()
  for (const entry of entries) {
    const other = seen.get(entry.slug)
    if (other !== undefined) {
      throw new MateriaError(
        'dashboard',
        `${label(entry.page.path)}: two pages would be written to ${entry.slug}.html (also from ${other}); make the values distinct`,
      )
    }
    seen.set(entry.slug, entry.page.path)
  }
  const position = (entry: RenderedEntry) => entry.page.meta.position ?? Number.POSITIVE_INFINITY
  return entries.sort((left, right) => position(left) - position(right) || (left.slug < right.slug ? -1 : 1))
}

function notesOf(path: string, notes: readonly PageIssue[]): string[] {
  return notes.map((note) => `${path}:${note.line} ${note.message}`)
}

function refuseIssues(path: string, issues: readonly PageIssue[], suffix: string): void {
  const first = issues[0]
  if (first === undefined) return
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more issues on this page)` : ''
  throw new MateriaError('dashboard', `${path}:${first.line} ${first.message}${suffix}${more}`)
}

/** Each page's params of a templated page: the values of the sql blocks its front matter names. */
export async function templateValues(
  page: Page,
  run: QueryRunner,
  path: string,
): Promise<Array<Record<string, string>>> {
  const names = templateParams(page.path)
  refuseIssues(
    path,
    page.nodes.flatMap((node) => (node.kind === 'issue' && node.issue.line === 1 ? [node.issue] : [])),
    '',
  )
  let rows: Array<Record<string, string>> = [{}]
  for (const name of names) {
    const queryName = page.meta.params[name]!
    const query = page.queries.find((candidate) => candidate.name === queryName)
    if (query === undefined) {
      throw new MateriaError(
        'dashboard',
        `${path}:1 front matter params.${name} names "${queryName}", which no sql block on the page defines`,
      )
    }
    const { results, issues } = await runQueries([query], run)
    refuseIssues(path, issues, ' (the values of a templated page cannot read params or inputs)')
    const result = results.get(queryName)
    if (result === undefined) {
      throw new MateriaError(
        'dashboard',
        `${path}:${query.line} query "${queryName}" gives the values of [${name}] and cannot read params or inputs`,
      )
    }
    const column = result.columns.includes(name) ? name : result.columns[0]!
    const values = [
      ...new Set(
        result.values[result.columns.indexOf(column)]!.filter((value) => value !== null).map(String),
      ),
    ]
    rows = rows.flatMap((row) => values.map((value) => ({ ...row, [name]: value })))
    if (rows.length > templatedPagesMax) {
      throw new MateriaError(
        'limit',
        `${path}:${query.line} would make ${rows.length} pages, over templatedPagesMax (${templatedPagesMax}); filter "${queryName}"`,
      )
    }
  }
  return rows
}

/** A value as a file name: "Côte d'Ivoire" -> "cote-d-ivoire". */
export function slugOf(value: string): string {
  const slug = value
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
  return slug === '' ? 'page' : slug
}

export function fillParams(text: string, params: Readonly<Record<string, string>>): string {
  return text.replace(
    /\{\s*(?:\$page\.)?params\.([A-Za-z_]\w*)\s*\}/g,
    (whole, name: string) => params[name] ?? whole,
  )
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
