// Workbench preview only: reloads the framed page when the server reports that its file changed.
;(() => {
  const page = document.documentElement.dataset.previewPage
  if (page === undefined) return
  const source = new EventSource(`/dashboard-events?page=${encodeURIComponent(page)}`)
  source.addEventListener('change', () => {
    source.close()
    window.location.reload()
  })
})()
