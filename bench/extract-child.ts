// One measured extract run for bench/extract.bench.ts, in its own process so its peak RSS is its
// own: `node --import tsx bench/extract-child.ts BASE_URL LANDING_DIR DATASET`. Prints one JSON line.
import { extractPsd } from '../pipeline/extract/psd/extract.ts'
import { LocalLandingStore } from '../pipeline/landing/local-store.ts'

const [baseUrl, landingDir, dataset] = process.argv.slice(2)
if (baseUrl === undefined || landingDir === undefined || dataset === undefined) {
  throw new Error('usage: extract-child.ts BASE_URL LANDING_DIR DATASET')
}
const started = performance.now()
const results = await extractPsd({ store: new LocalLandingStore(landingDir), dataset, baseUrl })
const wallMs = performance.now() - started
const maxRssBytes = process.resourceUsage().maxRSS * 1024
process.stdout.write(`${JSON.stringify({ wallMs, maxRssBytes, results })}\n`)
