// `materia dashboards build`: every page (or only public ones) as static HTML plus local assets,
// and an index listing them. Same pages and data give byte-identical output.
import { dashboardAssets, type OutputFiles, worldMapAsset } from './assets.ts'
import { chartPartsFor, chartRuntime } from './chart-runtime.ts'
import { isMapComponent, type NavLink, renderDocument } from './document.ts'
import { escapeHtml } from './html.ts'
import { writeOutput } from './output.ts'
import { type RenderedEntry, type RenderOptions, renderAllPages, rootOf } from './pages.ts'

export interface BuildResult {
  readonly pages: readonly string[] // output paths of the page documents
  readonly files: number
  readonly bytesLargestPage: number
  readonly notes: readonly string[] // each once, e.g. the rows a map could not place
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
  // One chart runtime for all pages, with only the chart types they draw.
  const used = entries.flatMap((entry) =>
    entry.rendered.payload.components.map((component) => component.type),
  )
  files.set('assets/echarts.js', await chartRuntime(chartPartsFor(used)))
  if (!used.some(isMapComponent)) files.delete(worldMapAsset)
  const links = nav ?? [{ href: `${prefix}index.html`, label: 'Dashboards' }]
  for (const { page, rendered, slug, title, description } of entries) {
    const path = `${prefix}${slug}.html`
    const body = `<h1>${escapeHtml(title)}</h1>\n${rendered.html}`
    const document = renderDocument({
      title,
      description,
      root: rootOf(path),
      nav: links,
      current: path,
      body,
      payload: rendered.payload,
      subscribersOnly: page.meta.access === 'subscribers',
    })
    files.set(path, document)
  }
  const indexPath = `${prefix}index.html`
  files.set(indexPath, renderIndex(entries, indexPath, links))
  // Each templated page gets an index of its pages, unless the folder has its own index.md.
  for (const [folder, pages] of templateGroups(entries)) {
    const path = `${prefix}${folder}/index.html`
    if (files.has(path)) continue
    const items = pages
      .map(
        (entry) =>
          `<li><a href="${escapeHtml(`${entry.slug.split('/').at(-1)}.html`)}">${escapeHtml(entry.template!.value)}</a></li>`,
      )
      .join('\n')
    const title = templateTitle(pages[0]!)
    const body = `<h1>${escapeHtml(title)}</h1>\n<ul class="materia-columns">\n${items}\n</ul>`
    files.set(
      path,
      renderDocument({
        title,
        description: title,
        root: rootOf(path),
        nav: links,
        current: path,
        body,
        payload: null,
      }),
    )
  }
  return files
}

function templateGroups(entries: readonly RenderedEntry[]): Map<string, RenderedEntry[]> {
  const groups = new Map<string, RenderedEntry[]>()
  for (const entry of entries) {
    if (entry.template === null) continue
    groups.set(entry.template.folder, [...(groups.get(entry.template.folder) ?? []), entry])
  }
  for (const pages of groups.values()) pages.sort((left, right) => (left.slug < right.slug ? -1 : 1))
  return groups
}

// "Country profile: {params.country}" -> "Country profiles"; the index names the set.
function templateTitle(entry: RenderedEntry): string {
  const base = entry.page.meta.title.replace(/[:\s-]*\{[^}]*\}/g, '').trim()
  return base === '' ? entry.template!.folder : base
}

function renderIndex(entries: readonly RenderedEntry[], indexPath: string, nav: readonly NavLink[]): string {
  const root = rootOf(indexPath)
  const listed: Array<{ href: string; title: string; description: string; access: string }> = []
  for (const entry of entries) {
    if (entry.template === null) {
      listed.push({
        href: `${entry.slug}.html`,
        title: entry.title,
        description: entry.description,
        access: entry.page.meta.access,
      })
    }
  }
  for (const [folder, pages] of templateGroups(entries)) {
    const first = pages[0]!
    listed.push({
      href: `${folder}/index.html`,
      title: templateTitle(first),
      description: `${pages.length} pages: ${pages
        .slice(0, 5)
        .map((page) => page.template!.value)
        .join(', ')}${pages.length > 5 ? ', …' : ''}`,
      access: first.page.meta.access,
    })
  }
  const badges: Record<string, string> = {
    internal: ' <span class="badge badge-outline">internal</span>',
    subscribers: ' <span class="badge badge-outline">subscribers</span>',
    public: '',
  }
  const items = listed
    .map((item) => {
      const description = item.description === '' ? '' : `<p>${escapeHtml(item.description)}</p>`
      return `<li class="materia-card"><h2 class="materia-title"><a href="${escapeHtml(item.href)}">${escapeHtml(item.title)}</a>${badges[item.access]}</h2>${description}</li>`
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
  const notes = [...new Set(entries.flatMap((entry) => entry.notes))]
  return { pages, files: files.size, bytesLargestPage, notes }
}
