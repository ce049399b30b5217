// Where an editor page's cold start goes: for the model editor and the query editor, a fresh
// browser context per run loads the page as the workbench bench does (navigation to the editor's
// ready selector). Not part of `npm run bench`: a tool to read a cold start, run by hand:
//   npx tsx bench/editor-cold-profile.ts [runs] [both|trace|sample|time]
// - trace: a Chromium trace per load; the page's main thread by event (self CPU time, the trace's
//   thread time, so figures hold on a loaded machine), its tasks over 15 ms (wall/CPU), the
//   resources with their timing, the font look-ups the layout waited for, off-main parsing.
//   TRACE_CATEGORIES replaces the categories; TRACE_OUT=<prefix> writes the raw events.
// - sample: V8's sampling profiler (self and total time per function, a call tree). Samples are
//   wall time: on a loaded machine a function is charged for the time its thread waited.
// - time: ready (wall) and the longest font look-up per load, for the builds named in
//   VARIANTS=name[:rendererDir],... (default: this build), loads alternated between them.
// RENDERER_DIR serves another build (e.g. one built with minify off for readable names).
import { writeFileSync } from 'node:fs'
import { type Browser, chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from '../server/renderer-build.ts'
import { buildEnvironment, createFixtureProject } from '../server/testing/fixture-project.ts'
import { startWorkbench, type Workbench } from '../server/workbench.ts'

interface TraceEvent {
  name: string
  cat: string
  ph: string
  ts: number
  dur?: number
  tdur?: number
  pid: number
  tid: number
  args?: Record<string, unknown>
}

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number }
  children?: number[]
}

const pages = {
  model: {
    path: `/models?path=${encodeURIComponent('models/serving/agg_world_balance.sql')}`,
    ready: '#model-editor .view-line:has-text("stocks_to_use")',
  },
  query: { path: '/query', ready: '#query-editor .view-lines >> nth=0' },
  // Home, to both charts drawn.
  home: {
    path: '/',
    ready:
      'body:has([data-chart="balance"][data-rendered="1"]):has([data-chart="producers"][data-rendered="1"])',
  },
}
// PAGES=model,query,home picks the pages (default: the two editors).
const kinds = (process.env.PAGES ?? 'model,query').split(',') as (keyof typeof pages)[]

const categories = [
  'fonts',
  'devtools.timeline',
  'disabled-by-default-devtools.timeline',
  'v8.execute',
  'blink.user_timing',
  'loading',
]

async function traced(browser: Browser, workbench: Workbench, kind: keyof typeof pages): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  const events: TraceEvent[] = []
  cdp.on('Tracing.dataCollected', (message) => events.push(...(message.value as unknown as TraceEvent[])))
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()))
  await cdp.send('Tracing.start', {
    categories: process.env.TRACE_CATEGORIES ?? categories.join(','),
    transferMode: 'ReportEvents',
  })
  const startedMs = performance.now()
  const { path, ready } = pages[kind]
  await page.goto(`${workbench.baseUrl}${path}${path.includes('?') ? '&' : '?'}token=${workbench.token}`)
  const loadedMs = performance.now() - startedMs
  await page.waitForSelector(ready)
  const readyMs = performance.now() - startedMs
  const resources = await page.evaluate(() =>
    performance.getEntriesByType('resource').map((entry) => {
      const resource = entry as PerformanceResourceTiming
      return {
        name: resource.name.replace(/^https?:\/\/[^/]+/, '').slice(0, 60),
        start: Math.round(resource.startTime),
        responseStart: Math.round(resource.responseStart),
        end: Math.round(resource.responseEnd),
        kb: Math.round(resource.encodedBodySize / 1024),
      }
    }),
  )
  const navigation = await page.evaluate(() => {
    const entry = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming
    return {
      redirectEnd: Math.round(entry.redirectEnd),
      responseEnd: Math.round(entry.responseEnd),
      domInteractive: Math.round(entry.domInteractive),
      domContentLoaded: Math.round(entry.domContentLoadedEventEnd),
      load: Math.round(entry.loadEventEnd),
      now: Math.round(performance.now()),
      fcp: Math.round(performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? -1),
    }
  })
  await cdp.send('Tracing.end')
  await done
  if (process.env.TRACE_OUT) writeFileSync(`${process.env.TRACE_OUT}-${kind}.json`, JSON.stringify(events))
  await context.close()
  console.log(
    `\n== ${kind} editor (traced): load ${Math.round(loadedMs)} ms, ready ${Math.round(readyMs)} ms (wall)`,
  )
  console.log('navigation', navigation)
  console.table(resources)
  // The renderer's main thread: the one that parsed the page's HTML.
  const parsed = events.find(
    (event) =>
      event.name === 'ParseHTML' &&
      String((event.args?.beginData as { url?: string } | undefined)?.url ?? '').includes(workbench.baseUrl),
  )
  const main = parsed
  if (main === undefined) return
  const onMain = events
    .filter(
      (event) =>
        event.pid === main.pid && event.tid === main.tid && event.ph === 'X' && event.dur !== undefined,
    )
    .sort((left, right) => left.ts - right.ts || (right.dur ?? 0) - (left.dur ?? 0))
  const navStart = events.find((event) => event.name === 'navigationStart' && event.pid === main.pid)?.ts
  const origin = navStart ?? onMain[0]?.ts ?? 0
  // Top-level tasks (RunTask) and their direct interesting children, in time order.
  const interesting = new Set([
    'ParseHTML',
    'EvaluateScript',
    'v8.compileModule',
    'v8.evaluateModule',
    'v8.compile',
    'FunctionCall',
    'Layout',
    'UpdateLayoutTree',
    'Paint',
    'PrePaint',
    'Layerize',
    'ParseAuthorStyleSheet',
    'TimerFire',
    'FireAnimationFrame',
    'EventDispatch',
    'v8.produceModuleCache',
    'v8.run',
    'V8.GC_SCAVENGER',
    'MajorGC',
    'MinorGC',
    'v8.parseOnBackground',
    'XHRReadyStateChange',
    'ResourceReceivedData',
    'FireIdleCallback',
    'RunMicrotasks',
    'WebSandboxSupportLinux::GetWebFontRenderStyleForStrike',
  ])
  const totals = new Map<string, number>()
  for (const event of onMain) {
    if (interesting.has(event.name)) totals.set(event.name, (totals.get(event.name) ?? 0) + (event.tdur ?? 0))
  }
  // Self time per event name (duration minus nested events), over the whole load.
  const selfTimes = new Map<string, number>()
  const stack: TraceEvent[] = []
  for (const event of onMain) {
    while (stack.length > 0) {
      const top = stack[stack.length - 1] as TraceEvent
      if (event.ts >= top.ts + (top.dur ?? 0)) stack.pop()
      else break
    }
    const parentEvent = stack[stack.length - 1]
    if (parentEvent !== undefined)
      selfTimes.set(parentEvent.name, (selfTimes.get(parentEvent.name) ?? 0) - (event.tdur ?? 0))
    selfTimes.set(event.name, (selfTimes.get(event.name) ?? 0) + (event.tdur ?? 0))
    stack.push(event)
  }
  console.log(
    'main thread self CPU time by event (ms):',
    Object.fromEntries(
      [...selfTimes]
        .filter(([, us]) => us >= 5_000)
        .sort((a, b) => b[1] - a[1])
        .map(([name, us]) => [name, Math.round(us / 1000)]),
    ),
  )
  const tasks = onMain.filter(
    (event) => event.name === 'RunTask' || event.name === 'ThreadControllerImpl::RunTask',
  )
  const busyMs = tasks.reduce((sum, event) => sum + (event.dur ?? 0), 0) / 1000
  const cpuMs = tasks.reduce((sum, event) => sum + (event.tdur ?? 0), 0) / 1000
  console.log(
    `main thread busy in tasks: ${Math.round(busyMs)} ms wall, ${Math.round(cpuMs)} ms CPU, of ${Math.round(readyMs)} ms`,
  )
  console.log(
    'main thread CPU by kind (inclusive ms, nested kinds overlap):',
    Object.fromEntries(
      [...totals].sort((a, b) => b[1] - a[1]).map(([name, us]) => [name, Math.round(us / 1000)]),
    ),
  )
  console.log('tasks over 15 ms (start ms from navigation, dur, what):')
  for (const task of tasks) {
    if ((task.dur ?? 0) < 15_000) continue
    const inner = onMain.filter(
      (event) =>
        event !== task &&
        interesting.has(event.name) &&
        event.ts >= task.ts &&
        event.ts + (event.dur ?? 0) <= task.ts + (task.dur ?? 0) &&
        (event.dur ?? 0) > 3_000,
    )
    const what = inner
      .slice(0, 6)
      .map((event) => {
        const data = (event.args?.data ?? event.args ?? {}) as Record<string, unknown>
        const url = String(data.url ?? data.fileName ?? data.functionName ?? '').replace(/^.*\//, '')
        return `${event.name}${url ? `(${url.slice(0, 28)})` : ''} ${Math.round((event.dur ?? 0) / 1000)}/${Math.round((event.tdur ?? 0) / 1000)}`
      })
      .join(', ')
    console.log(
      `  ${Math.round((task.ts - origin) / 1000)}  ${Math.round((task.dur ?? 0) / 1000)} (cpu ${Math.round((task.tdur ?? 0) / 1000)})  ${what}`,
    )
  }
  // Background compile and parse threads.
  const background = new Map<string, number>()
  for (const event of events) {
    if (event.ph !== 'X' || (event.pid === main.pid && event.tid === main.tid)) continue
    if (!/compile|parse|Compile|Parse/.test(event.name)) continue
    background.set(event.name, (background.get(event.name) ?? 0) + (event.tdur ?? event.dur ?? 0))
  }
  console.log(
    'off-main compile/parse (CPU ms):',
    Object.fromEntries([...background].map(([name, us]) => [name, Math.round(us / 1000)])),
  )
}

async function sampled(browser: Browser, workbench: Workbench, kind: keyof typeof pages): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const cdp = await context.newCDPSession(page)
  await cdp.send('Profiler.enable')
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 })
  await cdp.send('Profiler.start')
  const startedMs = performance.now()
  const { path, ready } = pages[kind]
  await page.goto(`${workbench.baseUrl}${path}${path.includes('?') ? '&' : '?'}token=${workbench.token}`)
  await page.waitForSelector(ready)
  const readyMs = performance.now() - startedMs
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }
  }
  await context.close()
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const self = new Map<number, number>()
  profile.samples.forEach((id, index) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[index + 1] ?? 0))
  })
  const label = (node: ProfileNode) =>
    `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.replace(/^.*\//, '')}:${node.callFrame.lineNumber}`
  // Total time per function label (counted once per sample even if recursive).
  const totalByLabel = new Map<string, number>()
  const selfByLabel = new Map<string, number>()
  const selfByUrl = new Map<string, number>()
  for (const [id, us] of self) {
    const node = byId.get(id)
    if (node === undefined) continue
    selfByLabel.set(label(node), (selfByLabel.get(label(node)) ?? 0) + us)
    const url = node.callFrame.url.replace(/^.*\//, '') || node.callFrame.functionName
    selfByUrl.set(url, (selfByUrl.get(url) ?? 0) + us)
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const ancestor = byId.get(at)
      if (ancestor === undefined) break
      const name = label(ancestor)
      if (seen.has(name)) continue
      seen.add(name)
      totalByLabel.set(name, (totalByLabel.get(name) ?? 0) + us)
    }
  }
  const top = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([name, us]) => `  ${String(Math.round(us / 1000)).padStart(5)}  ${name}`)
      .join('\n')
  console.log(`\n== ${kind} editor (sampled): ready ${Math.round(readyMs)} ms (wall)`)
  console.log(`self time by script:\n${top(selfByUrl, 14)}`)
  console.log(`self time by function:\n${top(selfByLabel, 25)}`)
  console.log(`total time by function:\n${top(totalByLabel, 60)}`)
  // The call tree, merged by label, down to calls of 15 ms and more.
  const totalOf = new Map<number, number>()
  const sumTotal = (id: number): number => {
    const node = byId.get(id) as ProfileNode
    const sum = (self.get(id) ?? 0) + (node.children ?? []).reduce((acc, child) => acc + sumTotal(child), 0)
    totalOf.set(id, sum)
    return sum
  }
  const rootId = profile.nodes[0]?.id ?? 1
  sumTotal(rootId)
  const printTree = (ids: number[], depth: number) => {
    const groups = new Map<string, number[]>()
    for (const id of ids) {
      const node = byId.get(id) as ProfileNode
      groups.set(label(node), [...(groups.get(label(node)) ?? []), id])
    }
    const rows = [...groups].map(([name, members]) => ({
      name,
      members,
      total: members.reduce((acc, id) => acc + (totalOf.get(id) ?? 0), 0),
      own: members.reduce((acc, id) => acc + (self.get(id) ?? 0), 0),
    }))
    for (const row of rows.sort((a, b) => b.total - a.total)) {
      if (row.total < 15_000 || depth > 40) continue
      console.log(
        `${'  '.repeat(depth)}${Math.round(row.total / 1000)} (self ${Math.round(row.own / 1000)}) ${row.name}`,
      )
      printTree(
        row.members.flatMap((id) => byId.get(id)?.children ?? []),
        depth + 1,
      )
    }
  }
  printTree([rootId], 0)
}

const runs = Number(process.argv[2] ?? 1)
const mode = process.argv[3] ?? 'both'
const rendererDir = process.env.RENDERER_DIR ?? ensureRendererBuilt()
const project = createFixtureProject()
await buildEnvironment(project.root, 'prod')
await buildEnvironment(project.root, 'dev_bench')
const workbench = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'bench' } })
const cleanups: (() => Promise<void>)[] = []
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
try {
  // One warm-up load (server caches, the project index), as the bench runs other pages first.
  const warm = await browser.newContext()
  const warmPage = await warm.newPage()
  await warmPage.goto(`${workbench.baseUrl}/query?token=${workbench.token}`)
  await warmPage.waitForSelector(pages.query.ready)
  await warmPage.goto(`${workbench.baseUrl}${pages.model.path}`)
  await warmPage.waitForSelector(pages.model.ready)
  await warm.close()
  if (mode === 'time') {
    // VARIANTS=name[:rendererDir],...: each variant's build served by a workbench of its own, loads
    // alternated between variants so that a change of the machine's load reaches them all alike.
    const variants: { name: string; server: Workbench }[] = []
    for (const spec of (process.env.VARIANTS ?? 'module').split(',')) {
      const [name = spec, dir] = spec.split(':')
      if (dir === undefined || dir === '') {
        variants.push({ name, server: workbench })
        continue
      }
      const extra = createFixtureProject()
      await buildEnvironment(extra.root, 'prod')
      await buildEnvironment(extra.root, 'dev_bench')
      const server = await startWorkbench({
        projectRoot: extra.root,
        rendererDir: dir,
        env: { USER: 'bench' },
      })
      cleanups.push(async () => {
        await server.close()
        extra.remove()
      })
      variants.push({ name, server })
    }
    const times = new Map<string, number[]>()
    const stalls = new Map<string, number[]>()
    for (let index = 0; index < runs; index += 1) {
      for (const variant of variants) {
        for (const kind of kinds) {
          const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
          const page = await context.newPage()
          const cdp = await context.newCDPSession(page)
          const events: TraceEvent[] = []
          cdp.on('Tracing.dataCollected', (message) =>
            events.push(...(message.value as unknown as TraceEvent[])),
          )
          const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()))
          await cdp.send('Tracing.start', { categories: 'fonts', transferMode: 'ReportEvents' })
          const { path, ready } = pages[kind]
          const startedMs = performance.now()
          await page.goto(
            `${variant.server.baseUrl}${path}${path.includes('?') ? '&' : '?'}token=${variant.server.token}`,
          )
          await page.waitForSelector(ready)
          const fetched = await page.evaluate(
            () =>
              performance
                .getEntriesByType('resource')
                .filter((entry) => entry.name.includes('monaco-base') && entry.name.endsWith('.css')).length,
          )
          const key = `${kind} ${variant.name} (Monaco base style sheet fetched ${fetched}×)`
          times.set(key, [...(times.get(key) ?? []), Math.round(performance.now() - startedMs)])
          await cdp.send('Tracing.end')
          await done
          const stall = Math.max(
            0,
            ...events
              .filter((event) => event.name === 'WebSandboxSupportLinux::GetWebFontRenderStyleForStrike')
              .map((event) => (event.dur ?? 0) / 1000),
          )
          stalls.set(key, [...(stalls.get(key) ?? []), Math.round(stall)])
          await context.close()
        }
      }
    }
    const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]
    for (const [key, values] of times) {
      console.log(
        key,
        'ready median',
        median(values),
        'all',
        values.join(' '),
        '| font stall',
        (stalls.get(key) ?? []).join(' '),
      )
    }
  }
  for (let index = 0; index < runs && mode !== 'time'; index += 1) {
    for (const kind of kinds) {
      if (mode !== 'sample') await traced(browser, workbench, kind)
      if (mode !== 'trace') await sampled(browser, workbench, kind)
    }
  }
} finally {
  await browser.close()
  await workbench.close()
  for (const cleanup of cleanups) await cleanup()
  project.remove()
}
