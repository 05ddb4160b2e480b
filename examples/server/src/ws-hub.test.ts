import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import pino from 'pino'
import { afterEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { createAuthenticator } from './auth.js'
import { createMetrics } from './metrics.js'
import { createHub, type HubMessage, type HubOptions } from './ws-hub.js'

const TOKEN = 'hub-test-token-0123456789'
let cleanup: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const fn of cleanup.reverse()) await fn()
  cleanup = []
})

async function startHub(options: HubOptions = {}) {
  const metrics = createMetrics({ defaultMetrics: false })
  const hub = createHub({
    authenticator: createAuthenticator({ token: TOKEN }),
    metrics,
    logger: pino({ level: 'silent' }),
    options,
  })
  const server: Server = createServer((_req, res) => res.end())
  server.on('upgrade', (req, socket, head) => hub.handleUpgrade(req, socket, head))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}/ws`
  cleanup.push(async () => {
    await hub.close()
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return { hub, url, metrics }
}

/** Opens a client and collects its messages. */
function connect(url: string, init: { protocols?: string[]; headers?: Record<string, string>; autoPong?: boolean } = {}) {
  const messages: HubMessage[] = []
  const socket = new WebSocket(url, init.protocols ?? ['tradekit.v1', `bearer.${TOKEN}`], {
    headers: init.headers ?? {},
    autoPong: init.autoPong ?? true,
  })
  socket.on('message', (data) => messages.push(JSON.parse(String(data)) as HubMessage))
  cleanup.push(async () => {
    socket.terminate()
  })
  const until = (predicate: (all: HubMessage[]) => boolean) =>
    new Promise<HubMessage[]>((resolve, reject) => {
      const check = () => (predicate(messages) ? resolve(messages) : undefined)
      socket.on('message', check)
      socket.on('close', () => reject(new Error('closed')))
      check()
    })
  return { socket, messages, until }
}

function rejection(url: string, init: { protocols?: string[]; headers?: Record<string, string> }) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const socket = new WebSocket(url, init.protocols ?? [], { headers: init.headers ?? {} })
    socket.on('unexpected-response', (_req, res) => {
      let body = ''
      res.on('data', (chunk) => (body += chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    socket.on('open', () => reject(new Error('should not open')))
    socket.on('error', () => undefined)
  })
}

async function waitFor(condition: () => boolean) {
  while (!condition()) await new Promise((resolve) => setTimeout(resolve, 5))
}

const types = (messages: HubMessage[]) => messages.map((message) => message.type)

describe('WebSocket hub', () => {
  it('auth: a bearer subprotocol or Authorization header opens; the chosen protocol never echoes the token', async () => {
    const { url } = await startHub()
    const viaProtocol = connect(url)
    await viaProtocol.until((all) => all.length > 0)
    expect(viaProtocol.socket.protocol).toBe('tradekit.v1')
    const viaHeader = connect(url, { protocols: ['tradekit.v1'], headers: { authorization: `Bearer ${TOKEN}` } })
    expect(types(await viaHeader.until((all) => all.length > 0))).toEqual(['hello'])
  })

  it('auth: no token or a wrong one is a 401 before the upgrade, and the body does not echo it', async () => {
    const { url } = await startHub()
    const missing = await rejection(url, { protocols: ['tradekit.v1'] })
    expect(missing.status).toBe(401)
    expect(missing.body).toMatch(/Missing bearer token/)
    const wrong = await rejection(url, { protocols: ['tradekit.v1', 'bearer.not-the-token-123'] })
    expect(wrong.status).toBe(401)
    expect(wrong.body).not.toContain('not-the-token-123')
  })

  it('origin: a foreign browser origin is refused with 403', async () => {
    const { url } = await startHub()
    const result = await rejection(url, {
      protocols: ['tradekit.v1', `bearer.${TOKEN}`],
      headers: { origin: 'https://evil.example' },
    })
    expect(result.status).toBe(403)
  })

  it('broadcasts to every client in order', async () => {
    const { hub, url } = await startHub()
    const a = connect(url)
    const b = connect(url)
    await a.until((all) => all.length === 1)
    await b.until((all) => all.length === 1)
    hub.broadcast('trade', { n: 1 })
    hub.broadcast('decision', { n: 2 })
    for (const client of [a, b]) {
      const all = await client.until((messages) => messages.length === 3)
      expect(all.slice(1).map((message) => [message.type, message.data])).toEqual([
        ['trade', { n: 1 }],
        ['decision', { n: 2 }],
      ])
    }
  })

  it('resume: a client reconnecting with ?since gets exactly what it missed', async () => {
    const { hub, url } = await startHub()
    const first = connect(url)
    await first.until((all) => all.length === 1)
    hub.broadcast('trade', { n: 1 })
    const [, seen] = await first.until((all) => all.length === 2)
    first.socket.close()
    hub.broadcast('trade', { n: 2 })
    hub.broadcast('trade', { n: 3 })
    const again = connect(`${url}?since=${encodeURIComponent(seen!.cursor)}`)
    const all = await again.until((messages) => messages.length === 3)
    expect(all.map((message) => message.data)).toEqual([{ heartbeatMs: 30_000 }, { n: 2 }, { n: 3 }])
  })

  it('resume: a cursor the server no longer holds gets a resync instead of a silent gap', async () => {
    const { hub, url } = await startHub({ historySize: 2 })
    for (let n = 0; n < 5; n++) hub.broadcast('trade', { n })
    const stale = connect(`${url}?since=${encodeURIComponent(`${hub.cursor.split('-')[0]}-1`)}`)
    expect(types(await stale.until((all) => all.length === 2))).toEqual(['hello', 'resync'])
    const foreign = connect(`${url}?since=deadbeef-3`)
    expect(types(await foreign.until((all) => all.length === 2))).toEqual(['hello', 'resync'])
  })

  it('heartbeat: a client that stops answering pings is dropped', async () => {
    const { hub, url, metrics } = await startHub({ heartbeatMs: 50 })
    // A client that never answers pings looks dead to the server.
    const silent = connect(url, { autoPong: false })
    await silent.until((all) => all.length > 0)
    const alive = connect(url)
    await alive.until((all) => all.length > 0)
    await new Promise<void>((resolve) => silent.socket.on('close', () => resolve()))
    await waitFor(() => hub.clientCount === 1)
    expect(alive.socket.readyState).toBe(WebSocket.OPEN)
    expect((await metrics.wsDropped.get()).values.find((value) => value.labels.reason === 'heartbeat')?.value).toBe(1)
  })

  it('backpressure: a client that does not read is dropped instead of buffering without bound', async () => {
    const { hub, url, metrics } = await startHub({ maxBufferedBytes: 64 * 1024 })
    const slow = connect(url)
    await slow.until((all) => all.length > 0)
    const fast = connect(url)
    await fast.until((all) => all.length > 0)
    // The slow client stops reading from its socket; the fast one keeps reading.
    slow.socket.pause()
    const closed = new Promise<void>((resolve) => slow.socket.on('close', () => resolve()))
    const payload = 'x'.repeat(16 * 1024)
    for (let n = 0; n < 2_000 && hub.clientCount === 2; n++) {
      hub.broadcast('trade', { n, payload })
      await new Promise((resolve) => setImmediate(resolve))
    }
    slow.socket.resume()
    await closed
    await waitFor(() => hub.clientCount === 1)
    expect(hub.clientCount).toBe(1)
    expect((await metrics.wsDropped.get()).values.find((value) => value.labels.reason === 'slow')?.value).toBe(1)
    expect(fast.socket.readyState).toBe(WebSocket.OPEN)
  })
})
