import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { type App, type AppOptions, createApp } from './app.js'

export interface StartOptions extends AppOptions {
  /** Port to listen on; 0 picks a free one. Default: `8001` (the old backend's). */
  port?: number
  /** Interface to bind. Default: `'127.0.0.1'`: put a reverse proxy with TLS in front before exposing it. */
  host?: string
  /** Path of the WebSocket endpoint. Default: `'/ws'`. */
  wsPath?: string
}

export interface RunningServer {
  /** `http://host:port`. */
  url: string
  port: number
  app: App
  server: Server
  /** Stops accepting, closes WebSocket clients and background work, then the HTTP server. */
  close(): Promise<void>
}

/** Creates the app, listens, wires `/ws`, starts following the log and watching invoices. */
export async function startServer(options: StartOptions): Promise<RunningServer> {
  const app = createApp(options)
  const wsPath = options.wsPath ?? '/ws'
  // Cached GETs are answered ahead of Express through the same gates; everything else goes to Express.
  const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => {
    if (!app.serveCached(req, res)) app(req, res)
  })
  server.on('upgrade', (req, socket, head) => {
    // Checkout pages' live status (public, per invoice) is handled apart from the authenticated /ws.
    if (app.services.checkout?.handleUpgrade(req, socket, head)) return
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    if (path !== wsPath) {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\nContent-Length: 0\r\n\r\n')
      return
    }
    app.services.hub.handleUpgrade(req, socket, head)
  })
  // Listen first: the statistics' background read of the log starts once the server can answer.
  await app.services.start({ warm: false })
  if (options.dashboard ?? true) {
    // Build the dashboard now so the first page load is fast and a broken build shows at start-up.
    await app.services.dashboard()
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 8001, options.host ?? '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address() as AddressInfo
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
  const url = `http://${host}:${address.port}`
  app.services.logger.info({ url, logDir: app.services.store.dir }, 'server listening')
  if (options.warmStatistics ?? true) void app.services.warm()
  let closing: Promise<void> | undefined
  return {
    url,
    port: address.port,
    app,
    server,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()))
        await app.close()
        server.closeAllConnections()
        await closed
      })()
      return closing
    },
  }
}
