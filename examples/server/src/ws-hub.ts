import { randomBytes } from 'node:crypto'
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Logger } from 'pino'
import { type WebSocket, WebSocketServer } from 'ws'
import type { Authenticator } from './auth.js'
import { ServerError } from './errors.js'
import type { Metrics } from './metrics.js'
import type { RateBudget } from './rate-limit.js'

/** Live push over `/ws`. */
export interface HubOptions {
  /** Ping interval; a client that has not answered the previous ping is closed. Default: `30_000`. */
  heartbeatMs?: number
  /** Bytes queued to one client before it is dropped as too slow. Default: `1_048_576` (1 MiB). */
  maxBufferedBytes?: number
  /** Events kept for clients that reconnect with a resume cursor. Default: `5_000`. */
  historySize?: number
  /** Origins allowed to open the socket from a browser, besides the server's own. Default: `[]`. */
  origins?: readonly string[]
}

/** What the server sends: `cursor` orders every event; pass the last one seen as `?since=` to resume. */
export interface HubMessage {
  type: string
  cursor: string
  /** The bot whose log the event came from (log events only). */
  bot?: string
  data?: unknown
}

export interface Hub {
  /** Sends an event to every client and keeps it for resuming clients; `bot` names the log it came from. */
  broadcast(type: string, data: unknown, bot?: string): void
  /** Completes a WebSocket upgrade after checking the token; call it from the HTTP server's `upgrade` event. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void
  /** Clients connected now. */
  readonly clientCount: number
  /** Cursor of the newest event. */
  readonly cursor: string
  /** Closes every client (1001) and stops the heartbeat. */
  close(): Promise<void>
}

/** The subprotocol the dashboard speaks; the token travels as a second offered subprotocol `bearer.<token>`. */
export const WS_PROTOCOL = 'tradekit.v1'
const BEARER_PROTOCOL_PREFIX = 'bearer.'

interface Client {
  socket: WebSocket
  alive: boolean
}

function rejectUpgrade(socket: Duplex, error: ServerError) {
  const body = JSON.stringify(error.toJSON())
  const reason = { 401: 'Unauthorized', 403: 'Forbidden', 429: 'Too Many Requests' }[error.status] ?? 'Bad Request'
  socket.end(
    `HTTP/1.1 ${error.status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n${error.status === 401 ? 'WWW-Authenticate: Bearer realm="tradekit"\r\n' : ''}\r\n${body}`,
  )
}

function isSameHost(origin: string, host: string | undefined) {
  try {
    return new URL(origin).host === host
  } catch {
    return false
  }
}

function tokenFromRequest(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization
  if (header) return header
  const offered = (req.headers['sec-websocket-protocol'] ?? '').split(',').map((value) => value.trim())
  const bearer = offered.find((value) => value.startsWith(BEARER_PROTOCOL_PREFIX))
  return bearer ? `Bearer ${bearer.slice(BEARER_PROTOCOL_PREFIX.length)}` : undefined
}

export function createHub(deps: {
  authenticator: Authenticator
  metrics: Metrics
  logger: Logger
  /** Upgrades count against the same per-address budget as HTTP requests, so token guessing over /ws is throttled too. */
  rateBudget?: RateBudget | undefined
  options?: HubOptions
}): Hub {
  const { authenticator, metrics, logger } = deps
  const heartbeatMs = deps.options?.heartbeatMs ?? 30_000
  const maxBufferedBytes = deps.options?.maxBufferedBytes ?? 1_048_576
  const historySize = deps.options?.historySize ?? 5_000
  const origins = new Set(deps.options?.origins ?? [])
  // A new epoch per process: cursors from before a restart cannot be resumed from memory and get a `resync`.
  const epoch = randomBytes(4).toString('hex')
  const history: { seq: number; text: string }[] = []
  const clients = new Set<Client>()
  let seq = 0

  const wss = new WebSocketServer({
    noServer: true,
    maxPayload: 4_096,
    clientTracking: false,
    // Select our protocol; never echo the bearer one back.
    handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
  })

  const cursorOf = (value: number) => `${epoch}-${value}`

  function drop(client: Client, reason: 'slow' | 'heartbeat') {
    metrics.wsDropped.inc({ reason })
    logger.warn({ reason }, 'dropping WebSocket client')
    client.socket.terminate()
  }

  function send(client: Client, text: string) {
    if (client.socket.readyState !== client.socket.OPEN) return
    // Backpressure: a client that does not read is dropped instead of growing our memory.
    if (client.socket.bufferedAmount > maxBufferedBytes) return drop(client, 'slow')
    client.socket.send(text)
  }

  const heartbeat = setInterval(() => {
    const text = JSON.stringify({ type: 'heartbeat', cursor: cursorOf(seq) } satisfies HubMessage)
    for (const client of clients) {
      if (!client.alive) {
        drop(client, 'heartbeat')
        continue
      }
      client.alive = false
      client.socket.ping()
      send(client, text)
    }
  }, heartbeatMs)
  heartbeat.unref()

  function replay(client: Client, since: string | null) {
    if (since === null) return
    const [sinceEpoch, sinceSeqText] = since.split('-')
    const sinceSeq = Number(sinceSeqText)
    const oldest = history[0]?.seq ?? seq + 1
    if (sinceEpoch !== epoch || !Number.isInteger(sinceSeq) || sinceSeq > seq || sinceSeq < oldest - 1) {
      // The gap cannot be filled from memory: tell the client to reload over the REST API.
      send(client, JSON.stringify({ type: 'resync', cursor: cursorOf(seq), data: { reason: 'cursor not in server memory' } }))
      return
    }
    for (const event of history) if (event.seq > sinceSeq) send(client, event.text)
  }

  function accept(socket: WebSocket, req: IncomingMessage) {
    const client: Client = { socket, alive: true }
    clients.add(client)
    metrics.wsClients.set(clients.size)
    socket.on('pong', () => {
      client.alive = true
    })
    socket.on('message', () => {
      // Any message proves liveness; the protocol has no client requests yet.
      client.alive = true
    })
    socket.on('error', (error) => logger.debug({ err: error.message }, 'WebSocket client error'))
    socket.on('close', () => {
      clients.delete(client)
      metrics.wsClients.set(clients.size)
    })
    send(client, JSON.stringify({ type: 'hello', cursor: cursorOf(seq), data: { heartbeatMs } } satisfies HubMessage))
    const since = new URL(req.url ?? '/', 'http://localhost').searchParams.get('since')
    replay(client, since)
  }

  /** Rate limit, origin and token checks, then the WebSocket handshake. */
  async function admit(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const decision = deps.rateBudget ? await deps.rateBudget.hitUpgrade(req) : undefined
    if (decision?.limited) {
      return rejectUpgrade(
        socket,
        new ServerError(`Too many requests: retry after ${decision.resetSeconds} s.`, { code: 'rate_limited', status: 429 }),
      )
    }
    const origin = req.headers.origin
    if (origin !== undefined && !origins.has(origin) && !isSameHost(origin, req.headers.host)) {
      return rejectUpgrade(socket, new ServerError('Origin not allowed to open /ws.', { code: 'cors', status: 403 }))
    }
    try {
      authenticator.verify(tokenFromRequest(req))
    } catch (error) {
      return rejectUpgrade(socket, error instanceof ServerError ? error : new ServerError('Unauthorized', { status: 401 }))
    }
    wss.handleUpgrade(req, socket, head, (ws) => accept(ws, req))
  }

  return {
    get clientCount() {
      return clients.size
    },
    get cursor() {
      return cursorOf(seq)
    },
    broadcast(type, data, bot) {
      seq += 1
      const text = JSON.stringify({
        type,
        cursor: cursorOf(seq),
        ...(bot === undefined ? {} : { bot }),
        data,
      } satisfies HubMessage)
      history.push({ seq, text })
      if (history.length > historySize) history.splice(0, history.length - historySize)
      metrics.wsMessages.inc({ type })
      for (const client of clients) send(client, text)
    },
    handleUpgrade(req, socket, head) {
      admit(req, socket, head).catch(() => socket.destroy())
    },
    async close() {
      clearInterval(heartbeat)
      for (const client of clients) client.socket.close(1001, 'server shutting down')
      const deadline = setTimeout(() => {
        for (const client of clients) client.socket.terminate()
      }, 1_000)
      await new Promise<void>((resolve) => {
        if (clients.size === 0) return resolve()
        const check = setInterval(() => {
          if (clients.size === 0) {
            clearInterval(check)
            resolve()
          }
        }, 10)
      })
      clearTimeout(deadline)
      await new Promise<void>((resolve) => wss.close(() => resolve()))
    },
  }
}
