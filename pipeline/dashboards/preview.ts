// The workbench's live preview of one page: rendered against an environment with issues shown in
// place (never thrown), as a full document whose assets come from the workbench under
// `assetsRoot` and which reloads itself when its file changes.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { renderDocument } from './document.ts'
import { escapeHtml } from './html.ts'
import { parsePage } from './page.ts'
import { fillParams } from './pages.ts'
import type { QueryRunner } from './query.ts'
import { renderPage } from './render.ts'

export interface PreviewResult {
  readonly html: string
  readonly issueCount: number
  readonly renderMs: number
}

let liveReloadScript: Promise<string> | null = null

/** The browser script a preview loads to reload on change. */
export function previewReloadScript(): Promise<string> {
  liveReloadScript ??= readFile(join(import.meta.dirname, 'client', 'live-reload.js'), 'utf8')
  return liveReloadScript
}

/**
 * What identifies the saved text of a page: a preview records the version it was rendered from, so
 * a save landing before its reload script connects is still noticed. "missing" when the file is gone.
 */
export async function pageVersion(pagesDir: string, path: string): Promise<string> {
  const text = await readFile(join(pagesDir, path), 'utf8').catch(() => null)
  return text === null ? 'missing' : versionOf(text)
}

function versionOf(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16)
}

export async function renderPreview(options: {
  readonly pagesDir: string
  readonly path: string // relative to pagesDir, e.g. "world-balance.md"
  readonly run: QueryRunner
  readonly environment: string
  readonly assetsRoot: string // prefix of asset URLs: "/dashboard-" gives /dashboard-assets/materia.css
  readonly source?: string // the editor's unsaved text; the file otherwise
  readonly params?: Readonly<Record<string, string>> // a templated page's values, e.g. { country: 'Brazil' }
}): Promise<PreviewResult> {
  const startedMs = performance.now()
  const saved = await readFile(join(options.pagesDir, options.path), 'utf8')
  const page = parsePage(options.path, options.source ?? saved)
  const rendered = await renderPage(page, options.run, options.params ?? {})
  const title = fillParams(page.meta.title, options.params ?? {})
  const summary =
    rendered.issues.length === 0
      ? ''
      : `<div role="alert" class="alert alert-error my-3" id="preview-issues"><span>${rendered.issues.length} issue(s): ${rendered.issues
          .map((issue) => escapeHtml(`line ${issue.line}`))
          .join(', ')}</span></div>\n`
  const badge = `<p class="text-sm">Preview of <code>${escapeHtml(options.path)}</code> against <strong>${escapeHtml(options.environment)}</strong></p>`
  const document = renderDocument({
    title,
    description: page.meta.description,
    root: options.assetsRoot,
    nav: [],
    current: '',
    body: `${badge}\n${summary}<h1>${escapeHtml(title)}</h1>\n${rendered.html}`,
    payload: rendered.payload,
    chrome: false,
    extraBody: `\n<script src="${options.assetsRoot}assets/live-reload.js"></script>`,
  })
  const html = document.replace(
    '<html lang="en"',
    `<html lang="en" data-preview-page="${escapeHtml(options.path)}" data-preview-version="${versionOf(saved)}"`,
  )
  return { html, issueCount: rendered.issues.length, renderMs: performance.now() - startedMs }
}
