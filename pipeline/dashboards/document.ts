// The HTML document around a rendered page: head, BeanFlows header with navigation, footer, the
// embedded data and the local scripts. Every URL is relative (`root` climbs to the output root),
// so an export works from any static host, under any sub-path, or from the file system.
import { embedJson, escapeHtml } from './html.ts'
import type { PagePayload } from './render.ts'

export interface NavLink {
  readonly href: string // relative to the output root
  readonly label: string
}

export interface DocumentInput {
  readonly title: string
  readonly description: string
  readonly root: string // '' or '../' repeated: from this document to the output root
  readonly nav: readonly NavLink[]
  readonly current: string // href of this document, marks the active link
  readonly body: string
  readonly payload: PagePayload | null // null: a page without data needs no scripts
  readonly extraHead?: string
  readonly extraBody?: string
  readonly chrome?: boolean // header and footer; false for the workbench's framed preview
  readonly subscribersOnly?: boolean // `access: subscribers`: `materia site serve` shows it to subscribers only
}

export function isMapComponent(type: string): boolean {
  return type === 'AreaMap' || type === 'PointMap'
}

// The mark `materia site serve` reads to gate a page; the page carries its own access rule.
export const subscribersOnlyMeta = '<meta name="materia-access" content="subscribers">'

export function renderDocument(input: DocumentInput): string {
  const { root } = input
  const links = input.nav
    .map((link) => {
      const current = link.href === input.current ? ' aria-current="page"' : ''
      return `<li><a href="${escapeHtml(root + link.href)}"${current}>${escapeHtml(link.label)}</a></li>`
    })
    .join('')
  const chrome = input.chrome ?? true
  const header = `<header class="navbar bg-base-100 border-b border-base-300 px-4">
<a class="flex-none" href="${root}index.html"><img src="${root}assets/wordmark.svg" alt="BeanFlows home" width="163" height="40"></a>
<nav class="flex-1 ml-6" aria-label="Main"><ul class="menu menu-horizontal gap-1">${links}</ul></nav>
</header>
`
  const footer = `<footer class="footer footer-center p-6 text-sm bg-base-100 border-t border-base-300">
<p>Data: USDA Foreign Agricultural Service, Production, Supply and Distribution (PSD). Quantities in 1000 60-kg bags.</p>
</footer>
`
  const needsScripts = input.payload !== null && input.payload.components.length > 0
  const drawsMap = input.payload?.components.some((component) => isMapComponent(component.type)) === true
  const scripts = needsScripts
    ? `<script type="application/json" id="materia-data">${embedJson(input.payload)}</script>
<script src="${root}assets/echarts.js"></script>
${
  drawsMap
    ? `<script src="${root}assets/world-map.js"></script>
`
    : ''
}<script src="${root}assets/materia.js"></script>`
    : ''
  return `<!doctype html>
<html lang="en" data-theme="beanflows">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)} · BeanFlows</title>
<meta name="description" content="${escapeHtml(input.description)}">
${input.subscribersOnly === true ? `${subscribersOnlyMeta}\n` : ''}<link rel="icon" href="${root}assets/logo.svg" type="image/svg+xml">
<link rel="stylesheet" href="${root}assets/materia.css">
${input.extraHead ?? ''}</head>
<body class="bg-base-200 min-h-screen">
${chrome ? header : ''}<main class="materia-page">
${input.body}
</main>
${chrome ? footer : ''}${scripts}${input.extraBody ?? ''}
</body>
</html>
`
}
