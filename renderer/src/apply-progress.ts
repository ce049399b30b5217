// Live apply progress: the server streams the apply's events over SSE (replaying those sent before
// this page connected); each becomes one line. The stream ends with `done` or `failed`.
interface ApplyEvent {
  kind: 'model_start' | 'batch_done' | 'model_done' | 'audit' | 'views_swapped'
  model?: string
  step?: string
  batch?: number
  batches?: number
  rows?: number
  elapsedMs?: number
  environment?: string
  views?: number
  outcome?: { audit: string; passed: boolean; blocking: boolean; message: string }
}

function describe(event: ApplyEvent): { text: string; style: string } {
  switch (event.kind) {
    case 'model_start':
      return { text: `▶ ${event.model} (${event.step}, ${event.batches} batch(es))`, style: 'opacity-70' }
    case 'batch_done':
      return {
        text: `  ${event.model} batch ${event.batch}/${event.batches}: ${event.rows} rows, ${event.elapsedMs} ms`,
        style: '',
      }
    case 'model_done':
      return {
        text: `✓ ${event.model}: ${event.rows} rows in ${((event.elapsedMs ?? 0) / 1000).toFixed(1)} s`,
        style: 'text-success',
      }
    case 'audit': {
      const outcome = event.outcome
      if (outcome?.passed)
        return { text: `  audit ${outcome.audit} on ${event.model}: passed`, style: 'opacity-70' }
      return {
        text: `✗ audit ${outcome?.audit} on ${event.model}: ${outcome?.message}`,
        style: outcome?.blocking ? 'text-error' : 'text-warning',
      }
    }
    case 'views_swapped':
      return { text: `⇄ ${event.views} view(s) of ${event.environment} switched`, style: 'text-success' }
  }
}

export async function mountApplyProgress(list: HTMLElement): Promise<void> {
  const source = new EventSource(list.dataset.src ?? '')
  const add = (text: string, style: string, kind: string) => {
    const item = document.createElement('li')
    item.className = `whitespace-pre-wrap ${style}`
    item.dataset.event = kind
    item.textContent = text
    list.append(item)
  }
  const finish = () => {
    source.close()
    document.getElementById('apply-spinner')?.classList.add('hidden')
    document.getElementById('apply-cancel')?.classList.add('hidden')
    const htmx = (window as unknown as { htmx?: { trigger: (element: Element, name: string) => void } }).htmx
    htmx?.trigger(document.body, 'materia:applied')
  }
  source.addEventListener('event', (message) => {
    const { event } = JSON.parse((message as MessageEvent<string>).data) as { event: ApplyEvent }
    const line = describe(event)
    add(line.text, line.style, event.kind)
  })
  source.addEventListener('done', (message) => {
    const { summary } = JSON.parse((message as MessageEvent<string>).data) as { summary: string }
    add(summary, 'font-bold text-success', 'done')
    list.dataset.state = 'done'
    finish()
  })
  source.addEventListener('failed', (message) => {
    const { message: text } = JSON.parse((message as MessageEvent<string>).data) as { message: string }
    add(text, 'font-bold text-error', 'failed')
    list.dataset.state = 'failed'
    finish()
  })
}
