/**
 * `createUpbitStreams`: Upbit's WebSocket streams for bots. One public connection carries every public
 * subscription and one private connection carries `myOrder` and `myAsset`; both reconnect on their own, resubscribe
 * within Upbit's limits and confirm with `LIST_SUBSCRIPTIONS`. After a private reconnect, REST reconciliation
 * delivers the order events missed while disconnected, and one `myAsset` event with the balances that changed
 * meanwhile (all marked `reconciled`), before live events resume.
 */
import { EventEmitter } from 'eventemitter3'
import WebSocket from 'ws'
import { createUpbitClient, type UpbitClient, type UpbitEnvironment } from '../client.js'
import { type UpbitError, UpbitRequestError, UpbitStreamOverflowError } from '../errors.js'
import { createToken, type JwtAlgorithm, signingKeyFrom } from '../signing.js'
import { realStreamClock, type StreamClock } from './clock.js'
import {
  type ConnectionState,
  PACE_MARGIN_MS,
  type ReconnectOptions,
  type RequestEntry,
  StreamConnection,
  type WebSocketConstructor,
} from './connection.js'
import { EventQueue, type OverflowPolicy } from './event-queue.js'
import { AssetBook, reconciledAssetEvent } from './my-assets.js'
import { MyOrderLedger, type ReconcileClient, reconcileOrders } from './my-orders.js'
import { createPacer } from './pacer.js'
import {
  type CandleEvent,
  isPrivateType,
  type MyAssetEvent,
  type MyOrderEvent,
  PUBLIC_TYPES,
  type StreamEvent,
  type StreamEventMap,
  type StreamFormat,
  type StreamType,
} from './types.js'

/** Upbit's WebSocket endpoints per region (the private one is `<url>/private`). */
export const UPBIT_WS_HOSTS = {
  kr: 'wss://api.upbit.com/websocket/v1',
  sg: 'wss://sg-api.upbit.com/websocket/v1',
  id: 'wss://id-api.upbit.com/websocket/v1',
  th: 'wss://th-api.upbit.com/websocket/v1',
} as const

export interface UpbitStreamsOptions {
  /** Access key for private streams. Default: `process.env.UPBIT_ACCESS_KEY`. */
  accessKey?: string | undefined
  /** Secret key, used only to sign the upgrade's JWT. Default: `process.env.UPBIT_SECRET_KEY`. */
  secretKey?: string | undefined
  /** Region. Default `'kr'`. */
  environment?: UpbitEnvironment
  /** Public stream URL, e.g. a simulator's `wsUrl`. Default: the environment's host. */
  url?: string
  /** Private stream URL. Default: `<url>/private`. */
  privateUrl?: string
  /**
   * REST client used after a private reconnect to reconcile orders (and balances, with `GET /v1/accounts`, when
   * `myAsset` is subscribed). Default: one built with the same keys and region.
   */
  client?: ReconcileClient | UpbitClient
  /** Wire format requested from Upbit; every format decodes to the same events. Default `'DEFAULT'`. */
  format?: StreamFormat
  /** JWT algorithm of the private upgrade. Default `'HS256'`. */
  jwtAlgorithm?: JwtAlgorithm
  /** RFC 6455 ping interval, well inside Upbit's 120 s idle limit. Default 30000 ms. */
  pingIntervalMs?: number
  /** A connection without a pong this long after a ping is dropped and reopened. Default 10000 ms. */
  pongTimeoutMs?: number
  /** How long to wait for the upgrade and for the `LIST_SUBSCRIPTIONS` answer. Default 10000 ms. */
  confirmTimeoutMs?: number
  /** Reconnect back-off. Default `{ minDelayMs: 200, maxDelayMs: 30000, rateLimitedDelayMs: 2000 }`. */
  reconnect?: ReconnectOptions
  /** Events an iterator may hold before its stream's overflow policy applies. Default 1024. */
  bufferSize?: number
  /**
   * Ended orders the exactly-once gate remembers past the reconciliation window (those inside it, and open orders,
   * are always kept). Default 10000.
   */
  maxTrackedOrders?: number
  /** Reconciliation looks at orders closed since the last sign of life minus this (clock skew). Default 60000 ms. */
  reconcileMarginMs?: number
  /** Candles kept per market and interval by `candles()`. Default 500. */
  candleHistory?: number
  /** WebSocket implementation. Default: `ws`. */
  WebSocket?: WebSocketConstructor
  /** Clock for pings, back-off and pacing. Default: real time. */
  clock?: StreamClock
  /** Random source of the back-off jitter. Default `Math.random`. */
  random?: () => number
}

export interface IterateOptions {
  /** Ends the iteration (it rejects with the signal's reason). */
  signal?: AbortSignal
  /** Default: the streams' `bufferSize`. */
  bufferSize?: number
  /** Default per stream: `'drop-oldest'` for market data and candles, `'error'` for myOrder and myAsset. */
  overflow?: OverflowPolicy
}

/** A connection's life, as `state` events report it. */
export interface StreamStateChange {
  connection: 'public' | 'private'
  state: ConnectionState
  attempt: number
  error?: UpbitError | undefined
}

export type StreamsEvents = { [K in StreamType]: [StreamEventMap[K]] } & {
  error: [UpbitError]
  state: [StreamStateChange]
  /**
   * After a private reconnect: how many missed order events REST reconciliation delivered, and how many currencies'
   * balances had changed (delivered as one `reconciled` myAsset event; 0 when none changed or myAsset is not subscribed).
   */
  reconciled: [{ events: number; assets: number; since: number }]
}

/** Default overflow policy per stream type (documented in the README). */
export function defaultOverflow(type: StreamType): OverflowPolicy {
  return isPrivateType(type) ? 'error' : 'drop-oldest'
}

/** One subscription: `data` events and async iterators of its events. */
export class StreamSubscription<E extends StreamEvent = StreamEvent> extends EventEmitter<{
  data: [E]
  error: [UpbitError]
}> {
  /** @internal */ readonly queues = new Set<EventQueue<E>>()
  /** @internal */ readonly codeSet: ReadonlySet<string> | undefined
  private waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> = []
  private closed = false
  private failure: UpbitError | undefined
  /** @internal Whether Upbit currently lists this subscription on a live connection. */
  isConfirmed = false

  /** @internal */
  constructor(
    readonly type: StreamType,
    readonly codes: readonly string[],
    private readonly owner: {
      remove(sub: StreamSubscription<E>): void
      bufferSize: number
      url: string
    },
  ) {
    super()
    this.codeSet = codes.length > 0 ? new Set(codes) : undefined
  }

  /** @internal */
  deliver(event: E): void {
    this.emit('data', event)
    if (this.queues.size > 0) for (const queue of this.queues) queue.push(event)
  }

  /** @internal */
  fail(error: UpbitError): void {
    this.failure = error
    this.isConfirmed = false
    this.emit('error', error)
    for (const queue of this.queues) queue.fail(error)
    for (const waiter of this.waiters.splice(0)) waiter.reject(error)
  }

  /** @internal */
  markConfirmed(): void {
    this.isConfirmed = true
    for (const waiter of this.waiters.splice(0)) waiter.resolve()
  }

  /**
   * Resolves when Upbit lists this subscription (`LIST_SUBSCRIPTIONS`) on a live connection: at once if it does
   * now, else at the next confirmation. Rejects if the stream gave up (refused keys or request).
   */
  confirmed(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure)
    if (this.isConfirmed) return Promise.resolve()
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }))
  }

  /** The events as an async iterator with a bounded buffer (see `IterateOptions`). */
  iterate(options: IterateOptions = {}): AsyncIterableIterator<E> {
    const type = this.type
    const queue: EventQueue<E> = new EventQueue<E>({
      bufferSize: options.bufferSize ?? this.owner.bufferSize,
      overflow: options.overflow ?? defaultOverflow(type),
      key: type.startsWith('candle.')
        ? (event) => `${(event as CandleEvent).code}|${(event as CandleEvent).candle_date_time_utc}`
        : undefined,
      overflowError: () =>
        new UpbitStreamOverflowError({
          url: this.owner.url,
          code: 'stream_overflow',
          message: `The ${type} iterator fell ${options.bufferSize ?? this.owner.bufferSize} events behind; its events are never dropped, so it stopped. Consume faster or raise bufferSize, then reconcile with getOpenOrders/getAccounts.`,
        }),
      signal: options.signal,
      onFinish: () => this.queues.delete(queue),
    })
    if (this.closed) queue.end()
    else this.queues.add(queue)
    return queue
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<E> {
    return this.iterate()
  }

  /** Stops this subscription; its iterators end after their queued events. */
  close(): void {
    if (this.closed) return
    this.closed = true
    for (const queue of this.queues) queue.end()
    this.owner.remove(this)
  }
}

export interface SubscribeOptions {
  /** Upper-case market codes. Required for public types; optional for myOrder (all markets); none for myAsset. */
  codes?: readonly string[]
}

/** Builds the streams. Connections open lazily, on the first subscription of their kind. */
export function createUpbitStreams(options: UpbitStreamsOptions = {}) {
  return new UpbitStreams(options)
}

export class UpbitStreams extends EventEmitter<StreamsEvents> {
  private readonly subs = new Map<StreamType, Set<StreamSubscription>>()
  private readonly connections: { public?: StreamConnection; private?: StreamConnection } = {}
  private readonly clock: StreamClock
  private readonly connectPacer
  private readonly ledger: MyOrderLedger
  private readonly assets = new AssetBook()
  private readonly series = new Map<string, Map<string, CandleEvent>>()
  private readonly urls: { public: string; private: string }
  private client: ReconcileClient | undefined
  private holding: Array<MyOrderEvent | MyAssetEvent> | undefined
  private firstPrivateConfirmAt = 0
  private lastPrivateAliveAt = 0
  private closed = false

  constructor(private readonly options: UpbitStreamsOptions) {
    super()
    this.clock = options.clock ?? realStreamClock
    this.connectPacer = createPacer([{ limit: 5, intervalMs: 1000 }], this.clock, PACE_MARGIN_MS)
    // Ended orders stay while a reconciliation could still list them (its margin, plus a minute for the REST calls
    // between a reconnect and the events it admits), or it would deliver them again.
    this.ledger = new MyOrderLedger(options.maxTrackedOrders ?? 10_000, {
      keepEndedMs: (options.reconcileMarginMs ?? 60_000) + 60_000,
      now: () => this.clock.now(),
    })
    const url = options.url ?? UPBIT_WS_HOSTS[options.environment ?? 'kr']
    this.urls = { public: url, private: options.privateUrl ?? `${url.replace(/\/+$/, '')}/private` }
    this.client = options.client
  }

  /** Subscribes to a stream type; see `SubscribeOptions` for codes. */
  subscribe<T extends StreamType>(type: T, subscribeOptions: SubscribeOptions = {}): StreamSubscription<StreamEventMap[T]> {
    if (this.closed)
      throw new UpbitRequestError('These streams are closed; create new ones with createUpbitStreams().', 'stream_closed')
    if (!PUBLIC_TYPES.includes(type as never) && !isPrivateType(type))
      throw new UpbitRequestError(
        `Unknown stream type ${type}: use ticker, trade, orderbook, candle.<interval>, myOrder or myAsset.`,
        'stream_subscribe',
      )
    const codes = [...(subscribeOptions.codes ?? [])]
    for (const code of codes) {
      if (code !== code.toUpperCase())
        throw new UpbitRequestError(`Market codes must be upper case: ${code}.`, 'stream_subscribe')
    }
    if (type === 'myAsset' && codes.length > 0) {
      throw new UpbitRequestError('myAsset takes no codes (Upbit answers WRONG_FORMAT).', 'stream_subscribe')
    }
    if (!isPrivateType(type) && codes.length === 0) {
      throw new UpbitRequestError(`${type} needs at least one market code.`, 'stream_subscribe')
    }
    const kind = isPrivateType(type) ? 'private' : 'public'
    const sub = new StreamSubscription<StreamEventMap[T]>(type, codes, {
      remove: (s) => {
        this.subs.get(type)?.delete(s as unknown as StreamSubscription)
        this.connections[kind]?.resubscribe()
      },
      bufferSize: this.options.bufferSize ?? 1024,
      url: this.urls[kind],
    })
    let set = this.subs.get(type)
    if (!set) {
      set = new Set()
      this.subs.set(type, set)
    }
    set.add(sub as unknown as StreamSubscription)
    const connection = this.connections[kind]
    if (connection) connection.resubscribe()
    else this.connections[kind] = this.connect(kind)
    return sub
  }

  /** The candles of one market and interval received so far, upserted by start time, oldest first. */
  candles(type: `candle.${string}` & StreamType, code: string): CandleEvent[] {
    const series = this.series.get(`${type}|${code}`)
    return series ? [...series.values()].sort((a, b) => a.candle_date_time_utc.localeCompare(b.candle_date_time_utc)) : []
  }

  /** Whether a connection's subscriptions are currently confirmed by Upbit. */
  isConfirmed(kind: 'public' | 'private'): boolean {
    return this.connections[kind]?.confirmed ?? false
  }

  /** Drops the live connections as a network failure would (for tests and drills); they reconnect by themselves. */
  dropConnections(): void {
    this.connections.public?.drop()
    this.connections.private?.drop()
  }

  /** Closes every connection and ends every iterator. */
  async close(): Promise<void> {
    this.closed = true
    await Promise.all([this.connections.public?.close(), this.connections.private?.close()])
    for (const set of this.subs.values()) for (const sub of set) sub.close()
  }

  private entries(kind: 'public' | 'private'): RequestEntry[] {
    const entries: RequestEntry[] = []
    for (const [type, set] of this.subs) {
      if (set.size === 0 || isPrivateType(type) !== (kind === 'private')) continue
      if (type === 'myAsset') {
        entries.push({ type })
        continue
      }
      const codes = new Set<string>()
      let all = false
      for (const sub of set) {
        if (sub.codes.length === 0) all = true
        for (const code of sub.codes) codes.add(code)
      }
      entries.push(all ? { type } : { type, codes: [...codes].sort() })
    }
    return entries
  }

  private connect(kind: 'public' | 'private'): StreamConnection {
    const env = typeof process === 'undefined' ? {} : process.env
    const accessKey = this.options.accessKey ?? env.UPBIT_ACCESS_KEY
    const secretKey = this.options.secretKey ?? env.UPBIT_SECRET_KEY
    const signingKey = kind === 'private' && secretKey ? signingKeyFrom(secretKey) : undefined
    if (kind === 'private' && (!accessKey || !signingKey)) {
      throw new UpbitRequestError(
        'Private streams need keys: pass accessKey/secretKey or set UPBIT_ACCESS_KEY/UPBIT_SECRET_KEY.',
        'missing_keys',
      )
    }
    const algorithm = this.options.jwtAlgorithm ?? 'HS256'
    return new StreamConnection({
      url: this.urls[kind],
      headers: () =>
        kind === 'private'
          ? { authorization: `Bearer ${createToken({ accessKey: accessKey!, secretKey: signingKey! }, '', algorithm)}` }
          : {},
      WebSocket: this.options.WebSocket ?? (WebSocket as unknown as WebSocketConstructor),
      clock: this.clock,
      random: this.options.random ?? Math.random,
      format: this.options.format ?? 'DEFAULT',
      pingIntervalMs: this.options.pingIntervalMs ?? 30_000,
      pongTimeoutMs: this.options.pongTimeoutMs ?? 10_000,
      confirmTimeoutMs: this.options.confirmTimeoutMs ?? 10_000,
      reconnect: {
        minDelayMs: this.options.reconnect?.minDelayMs ?? 200,
        maxDelayMs: this.options.reconnect?.maxDelayMs ?? 30_000,
        rateLimitedDelayMs: this.options.reconnect?.rateLimitedDelayMs ?? 2000,
      },
      connectPacer: this.connectPacer,
      messageWindows: [
        { limit: 5, intervalMs: 1000 },
        { limit: 100, intervalMs: 60_000 },
      ],
      entries: () => this.entries(kind),
      hooks: {
        onEvents: (events) => (kind === 'private' ? this.onPrivateEvents(events) : this.dispatchAll(events)),
        onConfirmed: ({ reconnect }) => (kind === 'private' ? this.onPrivateConfirmed(reconnect) : undefined),
        onState: (state, detail) => {
          if (kind === 'private' && state === 'closed' && this.firstPrivateConfirmAt > 0 && !this.holding) {
            // From here until reconciliation is done, live order events wait (they may overtake missed ones).
            this.holding = []
            this.lastPrivateAliveAt = this.connections.private?.lastAliveAt ?? this.clock.now()
          }
          for (const [type, set] of this.subs) {
            if (isPrivateType(type) !== (kind === 'private')) continue
            for (const sub of set) {
              if (state === 'confirmed') sub.markConfirmed()
              else if (state !== 'open') sub.isConfirmed = false
            }
          }
          if (kind === 'private' && state === 'confirmed') this.snapshotAssets()
          this.emit('state', { connection: kind, state, attempt: detail.attempt, error: detail.error })
        },
        onError: (error, fatal) => {
          this.emit('error', error)
          if (!fatal) return
          for (const [type, set] of this.subs) {
            if (isPrivateType(type) === (kind === 'private')) for (const sub of set) sub.fail(error)
          }
        },
      },
    })
  }

  private onPrivateEvents(events: StreamEvent[]): void {
    for (const event of events) {
      if (this.holding && (event.type === 'myOrder' || event.type === 'myAsset')) this.holding.push(event)
      else this.dispatchPrivate(event)
    }
  }

  private dispatchPrivate(event: StreamEvent): void {
    if (event.type === 'myOrder' && !this.ledger.admit(event)) return
    if (event.type === 'myAsset') this.assets.apply(event)
    this.dispatch(event)
  }

  /**
   * The balances the consumer starts from, taken once when myAsset is first confirmed: myAsset frames carry only
   * what changed, so a reconnect needs this to tell what changed while it was down. Not fatal if it fails: the
   * next reconnect then reports every balance.
   */
  private snapshotAssets(): void {
    if (this.assets.started || this.holding || !this.subs.get('myAsset')?.size) return
    this.assets.beginSnapshot()
    Promise.resolve()
      .then(() => this.restClient().getAccounts())
      .then(
        (accounts) => this.assets.setSnapshot(accounts),
        (error: unknown) => {
          this.assets.abandonSnapshot()
          this.emit('error', error as UpbitError)
        },
      )
  }

  private async onPrivateConfirmed(reconnect: boolean): Promise<void> {
    if (!reconnect) {
      this.firstPrivateConfirmAt = this.clock.now()
      return
    }
    const held = this.holding ?? []
    const since = Math.max(this.firstPrivateConfirmAt, this.lastPrivateAliveAt) - (this.options.reconcileMarginMs ?? 60_000)
    try {
      const client = this.restClient()
      const codes = this.entries('private').find((e) => e.type === 'myOrder')?.codes ?? []
      const missed = this.subs.get('myOrder')?.size
        ? await reconcileOrders(client, this.ledger, { since, codes, now: () => this.clock.now() })
        : []
      const accounts = this.subs.get('myAsset')?.size ? await client.getAccounts() : undefined
      let delivered = 0
      for (const event of missed) {
        if (this.ledger.admit(event)) {
          delivered++
          this.dispatch(event)
        }
      }
      const changed = accounts ? this.assets.reconcile(accounts) : []
      if (changed.length > 0) this.dispatch(reconciledAssetEvent(changed, this.clock.now()))
      this.holding = undefined
      for (const event of held) this.dispatchPrivate(event)
      this.emit('reconciled', { events: delivered, assets: changed.length, since })
    } catch (error) {
      // Without reconciliation the stream could skip events: keep holding, reconnect and reconcile again.
      this.emit('error', error as UpbitError)
      this.connections.private?.drop()
    }
  }

  private restClient(): ReconcileClient {
    if (!this.client) {
      this.client = createUpbitClient({
        accessKey: this.options.accessKey,
        secretKey: this.options.secretKey,
        environment: this.options.environment ?? 'kr',
      })
    }
    return this.client
  }

  private dispatchAll(events: StreamEvent[]): void {
    for (let i = 0; i < events.length; i++) this.dispatch(events[i]!)
  }

  private dispatch(event: StreamEvent): void {
    const type = event.type
    if (type.startsWith('candle.')) this.upsertCandle(event as CandleEvent)
    this.emit(type, event as never)
    const set = this.subs.get(type)
    if (!set) return
    const code = (event as { code?: string }).code
    for (const sub of set) if (!sub.codeSet || (code !== undefined && sub.codeSet.has(code))) sub.deliver(event)
  }

  private upsertCandle(candle: CandleEvent): void {
    const key = `${candle.type}|${candle.code}`
    let series = this.series.get(key)
    if (!series) {
      series = new Map()
      this.series.set(key, series)
    }
    series.set(candle.candle_date_time_utc, candle)
    const limit = this.options.candleHistory ?? 500
    if (series.size > limit) {
      const oldest = [...series.keys()].sort()[0]!
      series.delete(oldest)
    }
  }
}
