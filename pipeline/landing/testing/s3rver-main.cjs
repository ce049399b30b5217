// Runs s3rver for tests: `node --openssl-legacy-provider s3rver-main.cjs DIR BUCKET`. It listens on
// 127.0.0.1 on a free port, prints {"port":N} once ready, and exits when its stdin closes so it
// never outlives the test process that started it.
const S3rver = require('s3rver')

const [directory, bucket] = process.argv.slice(2)
const server = new S3rver({
  address: '127.0.0.1',
  port: 0,
  silent: true,
  directory,
  configureBuckets: [{ name: bucket, configs: [] }],
})
server.run().then(
  (address) => {
    process.stdout.write(`${JSON.stringify({ port: address.port })}\n`)
  },
  (error) => {
    process.stderr.write(`s3rver failed to start: ${error.message}\n`)
    process.exit(1)
  },
)
process.stdin.on('end', () => process.exit(0))
process.stdin.resume()
