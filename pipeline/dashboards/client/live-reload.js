// Workbench preview only: reloads the framed page when the server reports that its file changed,
// including a change saved after this page was rendered but before this script connected.
;(() => {
  const { previewPage: page, previewVersion: version } = document.documentElement.dataset
  if (page === undefined) return
  const query = `page=${encodeURIComponent(page)}&version=${encodeURIComponent(version ?? '')}`
  const source = new EventSource(`/dashboard-events?${query}`)
  source.addEventListener('change', () => {
    source.close()
    window.location.reload()
  })
})()
