/**
 * Child process for the benchmark: `serve.ts server <dir>` runs the example server on the log directory;
 * `serve.ts baseline <file>` serves a fixed JSON body with bare node:http (the loopback ceiling);
 * `serve.ts express <file>` serves it from a one-route Express app (the framework's floor). Prints the URL.
 */
import { readFileSync } from 'node:fs'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import express from 'express'
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
} else if (mode === 'express') {
  const body = readFileSync(path!, 'utf8')
  const app = express()
  app.set('etag', false)
  app.get(['/api/trades', '/api/performance'], (_req, res) => {
    res.type('json').send(body)
  })
  const server = app.listen(0, '127.0.0.1', () => console.log(`http://127.0.0.1:${(server.address() as AddressInfo).port}`))
} else {
  const running = await startServer({
    port: 0,
    logDir: path,
    auth: { token: process.env['BENCH_TOKEN'] },
    // Rate limiting stays on so its cost is measured; the budget is just too large for one benchmarking client to hit.
    rateLimit: { max: 1_000_000_000, windowMs: 60_000 },
    warmStatistics: process.env['BENCH_WARM'] !== 'false',
    dashboard: false,
    logger: pino({ level: 'silent' }),
  })
  console.log(running.url)
  process.once('SIGINT', () => void running.close().then(() => process.exit(0)))
}
