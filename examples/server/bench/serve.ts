/**
 * Child process for the benchmark: `serve.ts server <dir>` runs the example server on the log directory;
 * `serve.ts baseline <file>` serves a fixed JSON body with bare node:http (the loopback ceiling). Prints the URL.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { startServer } from '../src/server.js'

const [mode, path] = process.argv.slice(2)

if (mode === 'baseline') {
  const body = readFileSync(path!)
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length })
    res.end(body)
  })
  server.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
} else {
  const running = await startServer({
    port: 0,
    logDir: path,
    auth: { token: process.env['BENCH_TOKEN'] },
    rateLimit: false,
    warmStatistics: process.env['BENCH_WARM'] !== 'false',
    dashboard: false,
    logger: pino({ level: 'silent' }),
  })
  console.log(running.url)
  process.once('SIGINT', () => void running.close().then(() => process.exit(0)))
}
