// The live view of a run in prod: subscribes to the server's SSE stream for the run and appends
// each log line, updates the status badge, and tells the page (for the history) when it ends.
export async function mountProdRunLog(element: HTMLElement): Promise<void> {
  const url = element.dataset.events
  if (url === undefined) return
  const log = element.querySelector<HTMLElement>('[data-field="log"]')
  const status = element.querySelector<HTMLElement>('[data-field="status"]')
  const source = new EventSource(url)
  const append = (line: string) => {
    if (log === null) return
    const atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 4
    log.textContent = log.textContent === '' ? line : `${log.textContent}\n${line}`
    if (atBottom) log.scrollTop = log.scrollHeight
  }
  if (log !== null) log.textContent = '' // the stream replays the lines so far
  source.addEventListener('line', (event) => append((event as MessageEvent<string>).data))
  source.addEventListener('status', (event) => {
    if (status !== null) status.textContent = (event as MessageEvent<string>).data
  })
  source.addEventListener('end', (event) => {
    const [outcome = 'failed'] = (event as MessageEvent<string>).data.split(' ')
    if (status !== null) {
      status.textContent = outcome
      status.className = `badge ${outcome === 'done' ? 'badge-success' : 'badge-error'}`
    }
    source.close()
    document.body.dispatchEvent(new CustomEvent('materia:prod-run-ended'))
  })
  // htmx navigation removes the element: stop listening once it is detached.
  const watch = new MutationObserver(() => {
    if (!element.isConnected) {
      source.close()
      watch.disconnect()
    }
  })
  watch.observe(document.body, { childList: true, subtree: true })
}
