// A stand-in for USDA PSD Online on 127.0.0.1: every request for psd_coffee_csv.zip gets the
// bundled genuine snapshot with an ETag; `delayMs` holds the answer back (to interrupt a run mid-way).
import { readFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { bundledSnapshotPath } from '../../extract/psd/land.ts'

export async function startPsdServer(options: { delayMs?: number } = {}) {
  const zip = await readFile(bundledSnapshotPath)
  const server = createServer((request, response) => {
    const send = () => {
      if (!request.url?.endsWith('/psd_coffee_csv.zip')) {
        response.writeHead(404).end()
        return
      }
      response.writeHead(200, { etag: '"psd-coffee-2022-12"', 'content-length': String(zip.length) })
      response.end(request.method === 'HEAD' ? undefined : zip)
    }
    if (options.delayMs) setTimeout(send, options.delayMs)
    else send()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  }
}
