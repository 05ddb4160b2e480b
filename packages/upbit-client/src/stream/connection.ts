/**
 * One managed WebSocket connection to Upbit: opens it (fresh headers, so a fresh JWT, per attempt; never an
 * Origin header), keeps it alive with RFC 6455 pings, sends the subscription request and confirms it with
 * `LIST_SUBSCRIPTIONS`, paced under the per-connection message limits, and reconnects with back-off and jitter
 * (longer after a 429 or 418 on the upgrade) until closed or refused for good (bad keys, rejected request).
 */
import { randomUUID } from 'node:crypto'
import { toApiError } from '../api-errors.js'
import {
  UpbitAuthError,
  UpbitBanError,
  UpbitConnectionError,
  UpbitError,
  UpbitRateLimitError,
  UpbitStreamAuthError,
  UpbitStreamError,
  UpbitStreamRequestError,
} from '../errors.js'
import { type StreamClock, sleep } from './clock.js'
import { decodeFrame } from './decode.js'
import { createPacer, type Pacer, type PaceWindow } from './pacer.js'
import type { StreamEvent, StreamFormat } from './types.js'

/** The part of `ws`'s WebSocket the streams use (injectable, like `fetch`). */
export interface WebSocketLike {
  readonly readyState: number
  // biome-ignore lint/suspicious/noExplicitAny: listener signatures differ per event, as in ws's own typings.
  on(event: string, listener: (...args: any[]) => void): unknown
  send(data: string, callback?: (error?: Error) => void): void
  ping(): void
  terminate(): void
}
export type WebSocketConstructor = new (
  url: string,
  options: { headers: Record<string, string>; handshakeTimeout?: number; perMessageDeflate?: boolean },
) => WebSocketLike

/** One entry of a subscription request. */
export interface RequestEntry {
  type: string
  /** Upper-case market codes; omitted (all markets) for myOrder without codes, never sent for myAsset. */
  codes?: string[]
}

export interface ReconnectOptions {
  /** First delay after a drop; doubles per failed attempt (with jitter: each delay is 50–100% of the step). Default 200 ms. */
  minDelayMs?: number
  /** Delay cap. Default 30000 ms. */
  maxDelayMs?: number
  /** Least wait after the upgrade was refused with 429 (or the server's Retry-After, if longer). Default 2000 ms. */
  rateLimitedDelayMs?: number
}

export type ConnectionState = 'connecting' | 'open' | 'confirmed' | 'closed'

export interface ConnectionHooks {
  onEvents(events: StreamEvent[]): void
  /**
   * The subscriptions were confirmed. `reconnect` is false the first time. The connection keeps delivering events
   * meanwhile; a returned promise lets the owner finish work (REST reconciliation) before it reports `confirmed`.
   */
  onConfirmed(info: { reconnect: boolean }): Promise<void> | void
  onState(state: ConnectionState, detail: { attempt: number; error?: UpbitError | undefined }): void
  /** `fatal`: the connection gave up for good (auth refused, request rejected). */
  onError(error: UpbitError, fatal: boolean): void
}

export interface ConnectionConfig {
  url: string
  /** Headers of the upgrade request, built per attempt (a fresh JWT each time). */
  headers: () => Record<string, string>
  WebSocket: WebSocketConstructor
  clock: StreamClock
  random: () => number
  format: StreamFormat
  pingIntervalMs: number
  pongTimeoutMs: number
  confirmTimeoutMs: number
  reconnect: Required<ReconnectOptions>
  /** Shared by every connection of one streams instance: Upbit's 5 connects/s. */
  connectPacer: Pacer
  /** Per connection: Upbit's 5 messages/s and 100/min. */
  messageWindows: readonly PaceWindow[]
  /** The subscriptions wanted now (read at each send, so bursts of changes coalesce into one request). */
  entries: () => RequestEntry[]
  hooks: ConnectionHooks
}

const OPEN = 1

/**
 * Upbit counts messages when they arrive; a loaded client or network can bunch messages sent 1 s apart into less
 * than a second on arrival. A quarter second of slack per window kept a loaded machine (load ≈ 20) at 0 refusals.
 */
export const PACE_MARGIN_MS = 250

/** Upbit's error frame names that mean the request itself is wrong: resending it cannot help. */
const REQUEST_ERRORS = new Set(['WRONG_FORMAT', 'NO_TICKET', 'NO_TYPE', 'NO_CODES', 'INVALID_PARAM'])

/** Exponential back-off with jitter: 50–100% of min(max, min × 2^(attempt − 1)). */
export function backoffDelay(attempt: number, options: Required<ReconnectOptions>, random: () => number): number {
  const step = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** Math.max(0, attempt - 1))
  return step / 2 + (random() * step) / 2
}

function isFatal(error: unknown): boolean {
  return error instanceof UpbitAuthError || error instanceof UpbitStreamAuthError || error instanceof UpbitStreamRequestError
}

export class StreamConnection {
  private closed = false
  private readonly stop = new AbortController()
  private ws: WebSocketLike | undefined
  private everConfirmed = false
  /** The connection a sync loop is running for: one loop per connection, and a new connection never waits on an old one's. */
  private syncing: WebSocketLike | undefined
  private dirty = false
  private pacer: Pacer | undefined
  private pendingList: { ticket: string; resolve: (subs: Array<{ type: string; codes: string[] }>) => void } | undefined
  private sessionConfirmed = false
  /** Epoch ms of the last sign of life (open, pong, or messages seen by the last ping tick) of the current or last connection. */
  lastAliveAt = 0
  /** Messages since the last ping tick: counted instead of reading the clock per message. */
  private messagesSinceTick = 0
  readonly done: Promise<void>

  constructor(private readonly config: ConnectionConfig) {
    this.done = this.run()
  }

  /** Whether the current connection's subscriptions are confirmed. */
  get confirmed(): boolean {
    return this.sessionConfirmed
  }

  /** The wanted subscriptions changed: send them (paced, coalesced) and confirm again. */
  resubscribe(): void {
    this.dirty = true
    if (this.ws?.readyState === OPEN && this.pacer) void this.sync(this.ws, this.pacer)
  }

  /** Closes the connection for good. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closed = true
      this.stop.abort(new UpbitStreamError({ url: this.config.url, message: 'Stream closed.', code: 'stream_closed' }))
      this.ws?.terminate()
    }
    return this.done
  }

  /** Drops the current connection as if the network had (tests and benchmarks); it reconnects. */
  drop(): void {
    this.ws?.terminate()
  }

  private async run(): Promise<void> {
    const { clock } = this.config
    let attempt = 0
    while (!this.closed) {
      let failure: UpbitError | undefined
      try {
        await this.config.connectPacer.take(this.stop.signal)
        this.config.hooks.onState('connecting', { attempt })
        const ws = await this.open()
        this.config.hooks.onState('open', { attempt })
        const confirmed = await this.session(ws)
        if (confirmed) attempt = 0
      } catch (error) {
        if (this.closed) break
        failure = error instanceof UpbitError ? error : new UpbitConnectionError({ method: 'GET', url: this.config.url }, error)
        if (isFatal(failure)) {
          this.closed = true
          this.config.hooks.onError(failure, true)
          break
        }
        this.config.hooks.onError(failure, false)
      }
      if (this.closed) break
      attempt++
      this.config.hooks.onState('closed', { attempt, error: failure })
      let delay = backoffDelay(attempt, this.config.reconnect, this.config.random)
      if (failure instanceof UpbitRateLimitError) {
        // Reconnecting at once after a 429 is how clients create storms: wait at least this long, jittered.
        delay = Math.max(delay, this.config.reconnect.rateLimitedDelayMs * (1 + this.config.random() / 2))
      }
      if (failure instanceof UpbitBanError) delay = Math.max(delay, failure.bannedUntil - clock.now())
      try {
        await sleep(clock, delay, this.stop.signal)
      } catch {
        break
      }
    }
    this.config.hooks.onState('closed', { attempt })
  }

  /** Opens one connection; rejects with a typed error when the upgrade is refused. */
  private open(): Promise<WebSocketLike> {
    const { url } = this.config
    return new Promise((resolve, reject) => {
      // Headers carry a fresh JWT; only `ws` sees them, never an error or a hook.
      const ws = new this.config.WebSocket(url, {
        headers: this.config.headers(),
        handshakeTimeout: this.config.confirmTimeoutMs,
        perMessageDeflate: false,
      })
      this.ws = ws
      ws.on('unexpected-response', (request: { destroy(): void }, response: NodeJSResponse) => {
        const chunks: Buffer[] = []
        response.on('data', (chunk: Buffer) => chunks.push(chunk))
        response.on('end', () => {
          reject(
            toApiError({
              method: 'GET',
              url,
              status: response.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              remaining: undefined,
              group: 'websocket-connect',
              retryAfter: (response.headers?.['retry-after'] as string | undefined) ?? null,
              now: this.config.clock.now(),
            }),
          )
          request.destroy()
        })
      })
      ws.on('error', (error: Error) => reject(new UpbitConnectionError({ method: 'GET', url }, error)))
      ws.on('close', () =>
        reject(new UpbitConnectionError({ method: 'GET', url }, new Error('closed before the upgrade completed'))),
      )
      ws.on('open', () => resolve(ws))
    })
  }

  /** Runs one open connection until it closes. Resolves true if its subscriptions were confirmed. */
  private session(ws: WebSocketLike): Promise<boolean> {
    const { clock } = this.config
    const pacer = createPacer(this.config.messageWindows, clock, PACE_MARGIN_MS)
    this.pacer = pacer
    this.sessionConfirmed = false
    this.lastAliveAt = clock.now()
    let pingTimer: unknown
    let pongTimer: unknown
    const schedulePing = () => {
      pingTimer = clock.setTimeout(() => {
        if (this.messagesSinceTick > 0) this.lastAliveAt = clock.now()
        this.messagesSinceTick = 0
        if (ws.readyState !== OPEN) return
        ws.ping()
        // No pong in time: the connection is dead even if TCP has not noticed (a stalled server, a lost route).
        pongTimer = clock.setTimeout(() => ws.terminate(), this.config.pongTimeoutMs)
        schedulePing()
      }, this.config.pingIntervalMs)
    }
    return new Promise((resolve, reject) => {
      let fatal: UpbitError | undefined
      ws.on('pong', () => {
        this.lastAliveAt = clock.now()
        clock.clearTimeout(pongTimer)
      })
      ws.on('message', (data: Buffer | ArrayBuffer | Buffer[]) => {
        this.messagesSinceTick++
        const text = Buffer.isBuffer(data)
          ? data.toString('utf8')
          : Array.isArray(data)
            ? Buffer.concat(data).toString('utf8')
            : Buffer.from(data).toString('utf8')
        const frame = decodeFrame(text)
        if (frame.kind === 'events') {
          if (frame.events.length > 0) this.config.hooks.onEvents(frame.events)
        } else if (frame.kind === 'subscriptions') {
          if (this.pendingList && (frame.ticket === undefined || frame.ticket === this.pendingList.ticket)) {
            this.pendingList.resolve(frame.subscriptions)
          }
        } else if (frame.kind === 'error') {
          const init = {
            url: this.config.url,
            errorName: frame.name,
            message: `Upbit stream ${this.config.url} answered ${frame.name}: ${frame.message || '(no message)'}. ${
              frame.name === 'INVALID_AUTH'
                ? 'Check the key pair, its permissions and the IP allowlist.'
                : 'Fix the subscription request (upper-case codes, no codes for myAsset).'
            }`,
          }
          const error =
            frame.name === 'INVALID_AUTH'
              ? new UpbitStreamAuthError({ ...init, code: 'stream_auth' })
              : REQUEST_ERRORS.has(frame.name)
                ? new UpbitStreamRequestError({ ...init, code: 'stream_request' })
                : new UpbitStreamError(init)
          if (isFatal(error)) {
            fatal = error
            ws.terminate()
          } else this.config.hooks.onError(error, false)
        }
      })
      ws.on('close', () => {
        if (this.messagesSinceTick > 0) this.lastAliveAt = clock.now()
        this.messagesSinceTick = 0
        clock.clearTimeout(pingTimer)
        clock.clearTimeout(pongTimer)
        this.pacer = undefined
        this.pendingList?.resolve([])
        const confirmed = this.sessionConfirmed
        this.sessionConfirmed = false
        if (fatal) reject(fatal)
        else resolve(confirmed)
      })
      schedulePing()
      this.dirty = true
      void this.sync(ws, pacer)
    })
  }

  /** Sends the wanted subscriptions and confirms them, until what Upbit lists matches what is wanted. */
  private async sync(ws: WebSocketLike, pacer: Pacer): Promise<void> {
    if (this.syncing === ws) return
    this.syncing = ws
    try {
      let mismatches = 0
      while (this.dirty && ws.readyState === OPEN && !this.closed) {
        this.dirty = false
        const entries = this.config.entries()
        if (entries.length === 0) break
        const ticket = `tk-${randomUUID()}`
        await pacer.take(this.stop.signal)
        if (ws.readyState !== OPEN) return
        ws.send(JSON.stringify([{ ticket }, ...entries, { format: this.config.format }]))
        await pacer.take(this.stop.signal)
        if (ws.readyState !== OPEN) return
        const listed = this.listSubscriptions(ws, ticket)
        ws.send(JSON.stringify([{ method: 'LIST_SUBSCRIPTIONS' }, { ticket }]))
        const subscriptions = await listed
        if (ws.readyState !== OPEN) return
        if (this.dirty) continue
        if (!covers(subscriptions, entries)) {
          // Upbit did not (yet) list what was asked: ask again, paced, a few times before reporting it.
          if (++mismatches >= 3) {
            this.config.hooks.onError(
              new UpbitStreamError({
                url: this.config.url,
                message: `Upbit stream ${this.config.url} lists ${JSON.stringify(subscriptions)} after subscribing to ${JSON.stringify(entries)}; reconnecting.`,
              }),
              false,
            )
            ws.terminate()
            return
          }
          this.dirty = true
          continue
        }
        if (!this.sessionConfirmed) {
          const reconnect = this.everConfirmed
          this.everConfirmed = true
          await this.config.hooks.onConfirmed({ reconnect })
          if (ws.readyState !== OPEN) return
          this.sessionConfirmed = true
        }
        // Every confirmed request is reported, so subscriptions added to a live connection learn theirs too.
        if (!this.dirty) this.config.hooks.onState('confirmed', { attempt: 0 })
      }
    } catch {
      // Aborted by close(): nothing left to do.
    } finally {
      if (this.syncing === ws) this.syncing = undefined
    }
  }

  /** Resolves with the answer to our LIST_SUBSCRIPTIONS, or [] if none comes within `confirmTimeoutMs`. */
  private listSubscriptions(ws: WebSocketLike, ticket: string): Promise<Array<{ type: string; codes: string[] }>> {
    return new Promise((resolve) => {
      const timer = this.config.clock.setTimeout(() => {
        this.pendingList = undefined
        // No answer: the connection is not usable; reconnecting is the way out.
        ws.terminate()
        resolve([])
      }, this.config.confirmTimeoutMs)
      this.pendingList = {
        ticket,
        resolve: (subscriptions) => {
          this.config.clock.clearTimeout(timer)
          this.pendingList = undefined
          resolve(subscriptions)
        },
      }
    })
  }
}

interface NodeJSResponse {
  statusCode?: number
  headers?: Record<string, string | string[] | undefined>
  on(event: string, listener: (...args: never[]) => void): unknown
}

/** True when every wanted type is listed with at least the wanted codes. */
export function covers(listed: Array<{ type: string; codes: string[] }>, wanted: RequestEntry[]): boolean {
  return wanted.every((entry) => {
    const found = listed.find((l) => l.type === entry.type)
    if (!found) return false
    const codes = new Set(found.codes.map((c) => c.toUpperCase()))
    return (entry.codes ?? []).every((code) => codes.has(code))
  })
}
