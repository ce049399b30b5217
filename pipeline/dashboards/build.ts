// `materia dashboards build`: every page (or only public ones) as static HTML plus local assets,
// and an index listing them. Same pages and data give byte-identical output.
import { dashboardAssets, type OutputFiles } from './assets.ts'
import { type NavLink, renderDocument } from './document.ts'
import { escapeHtml } from './html.ts'
import { writeOutput } from './output.ts'
import { type RenderedEntry, type RenderOptions, renderAllPages, rootOf } from './pages.ts'

export interface BuildResult {
  readonly pages: readonly string[] // output paths of the page documents
  readonly files: number
  readonly bytesLargestPage: number
}

export async function buildDashboards(
  options: RenderOptions & { readonly outDir: string },
): Promise<BuildResult> {
  const entries = await renderAllPages(options)
  const files = await dashboardFiles(entries, '')
  await writeOutput(options.outDir, files)
  return summarize(files, entries, '')
}

/** The page documents and assets of a set of rendered pages; `prefix` places pages in a subfolder. */
export async function dashboardFiles(
  entries: readonly RenderedEntry[],
  prefix: string,
  nav?: readonly NavLink[],
): Promise<OutputFiles> {
  const files: OutputFiles = new Map(await dashboardAssets())
  const links = nav ?? [{ href: `${prefix}index.html`, label: 'Dashboards' }]
  for (const { page, rendered, slug } of entries) {
    const path = `${prefix}${slug}.html`
    const body = `<h1>${escapeHtml(page.meta.title)}</h1>\n${rendered.html}`
    const document = renderDocument({
      title: page.meta.title,
      description: page.meta.description,
      root: rootOf(path),
      nav: links,
      current: path,
      body,
      payload: rendered.payload,
    })
    files.set(path, document)
  }
  const indexPath = `${prefix}index.html`
  files.set(indexPath, renderIndex(entries, indexPath, links))
  return files
}

function renderIndex(entries: readonly RenderedEntry[], indexPath: string, nav: readonly NavLink[]): string {
  const root = rootOf(indexPath)
  const items = entries
    .map(({ page, slug }) => {
      const visibility = page.meta.public ? '' : ' <span class="badge badge-outline">internal</span>'
      const description = page.meta.description === '' ? '' : `<p>${escapeHtml(page.meta.description)}</p>`
      return `<li class="materia-card"><h2 class="materia-title"><a href="${escapeHtml(`${slug}.html`)}">${escapeHtml(page.meta.title)}</a>${visibility}</h2>${description}</li>`
    })
    .join('\n')
  const body = `<h1>Dashboards</h1>\n<ul class="materia-index">\n${items}\n</ul>`
  return renderDocument({
    title: 'Dashboards',
    description: 'Coffee market dashboards',
    root,
    nav,
    current: indexPath,
    body,
    payload: null,
  })
}

export function summarize(
  files: OutputFiles,
  entries: readonly RenderedEntry[],
  prefix: string,
): BuildResult {
  const pages = entries.map((entry) => `${prefix}${entry.slug}.html`)
  const bytesLargestPage = Math.max(0, ...pages.map((path) => Buffer.byteLength(files.get(path)!)))
  return { pages, files: files.size, bytesLargestPage }
}
