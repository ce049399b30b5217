import { chromium } from 'playwright-core'
import { chromiumArgs, chromiumPath, ensureRendererBuilt } from './server/renderer-build.ts'
import { buildEnvironment, createFixtureProject } from './server/testing/fixture-project.ts'
import { startWorkbench } from './server/workbench.ts'
import { readFileSync } from 'node:fs'
const rendererDir = ensureRendererBuilt()
const project = createFixtureProject()
await buildEnvironment(project.root, 'prod')
const workbench = await startWorkbench({ projectRoot: project.root, rendererDir, env: { USER: 'bench' } })
const browser = await chromium.launch({ executablePath: chromiumPath, args: chromiumArgs })
const cold = async (path: string, ready: string) => {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } })
  const page = await context.newPage()
  const sep = path.includes('?') ? '&' : '?'
  const t = performance.now()
  await page.goto(`${workbench.baseUrl}${path}${sep}token=${workbench.token}`)
  await page.waitForSelector(ready)
  const ms = Math.round(performance.now() - t)
  if (path.startsWith('/models')) console.log(await page.evaluate(() => [performance.getEntriesByType('navigation').map((e: any) => ['nav', Math.round(e.responseEnd), Math.round(e.domContentLoadedEventEnd)]), performance.getEntriesByType('resource').map((e: any) => [e.name.split('/').pop().slice(0, 30), Math.round(e.startTime), Math.round(e.responseEnd)]), ['now', Math.round(performance.now())]]))
  await context.close()
  return ms
}
const m: number[] = [], q: number[] = []
for (let i = 0; i < 3; i++) {
  m.push(await cold(`/models?path=${encodeURIComponent('models/serving/agg_world_balance.sql')}`, '#model-editor .view-line:has-text("stocks_to_use")'))
  q.push(await cold('/query', '#query-editor .view-lines >> nth=0'))
}
console.log('model', m, 'query', q, readFileSync('/proc/loadavg', 'utf8').trim())
await browser.close(); await workbench.close(); project.remove()
