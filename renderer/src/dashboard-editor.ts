// The dashboard page editor: the page's text beside its live preview. Edits are sent to the server
// as a draft once typing pauses, and the preview frame renders the draft with the same renderer a
// build uses; Save writes the file. A templated page's picker chooses which page the preview shows.
import { postJson } from './http.ts'

// Long enough to skip the keystrokes of a word, short enough to feel live.
const previewDelayMs = 300

export async function mountDashboardEditor(element: HTMLElement): Promise<void> {
  const page = element.dataset.page ?? ''
  const source = element.querySelector<HTMLTextAreaElement>('#dashboard-source')
  const frame = element.querySelector<HTMLIFrameElement>('#dashboard-preview')
  if (source === null || frame === null) throw new Error('assertion failed: editor and preview present')
  const picker = document.querySelector<HTMLSelectElement>('#dashboard-param')
  const status = document.getElementById('dashboard-status')
  const pageQuery = `page=${encodeURIComponent(page)}`
  let drafts = 0
  let timer: number | undefined

  const show = () => {
    const param = picker === null ? '' : `&param=${encodeURIComponent(picker.value)}`
    const draft = element.dataset.dirty === '1' ? `&draft=${drafts}` : ''
    frame.src = `/dashboard-preview?${pageQuery}${param}${draft}`
  }
  source.addEventListener('input', () => {
    element.dataset.dirty = '1'
    if (status !== null) status.textContent = 'Unsaved'
    window.clearTimeout(timer)
    timer = window.setTimeout(async () => {
      await postJson(`/dashboard-draft?${pageQuery}`, { source: source.value })
      drafts++
      show()
    }, previewDelayMs)
  })
  picker?.addEventListener('change', show)
  document.querySelector('[data-action="save-dashboard"]')?.addEventListener('click', async () => {
    window.clearTimeout(timer)
    await postJson(`/dashboard-source?${pageQuery}`, { source: source.value })
    element.removeAttribute('data-dirty')
    if (status !== null) status.textContent = 'Saved'
  })
}
