/**
 * The simulator's WebSocket side: `/websocket/v1` (ticker, trade, orderbook, candle.*) and `/websocket/v1/private`
 * (myOrder, myAsset; the upgrade's JWT is verified like a REST call without parameters). Same frames as Upbit:
 * binary frames of UTF-8 JSON in the four formats, error frames, `LIST_SUBSCRIPTIONS`, the `PING` text. Same
 * limits: 5 upgrades/s per IP (public) or per key (private), answered 429 past it; 5 messages/s and 100/min per
 * connection, past which a message is refused with an error frame (counted in `rejectedMessages`). Faults for
 * tests: drop every connection, stall (no frames, no pongs), refuse the next upgrades.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type Big from 'big.js'
import { type WebSocket, WebSocketServer } from 'ws'
import { toDecimalString } from '../decimal.js'
import {
  ASSET_FIELDS,
  CANDLE_FIELDS,
  type Field,
  MY_ASSET_FIELDS,
  MY_ORDER_FIELDS,
  ORDERBOOK_FIELDS,
  ORDERBOOK_UNIT_FIELDS,
  TICKER_FIELDS,
  TRADE_FIELDS,
} from '../stream/fields.js'
import { type CandleUnit, unitCandles } from './sim-candle-units.js'
import { SimulatorHttpError } from './sim-errors.js'
import type { SimOrder, SimTrade } from './sim-exchange.js'
import type { FeedCandle } from './sim-feed.js'

const PUBLIC_PATH = '/websocket/v1'
const PRIVATE_PATH = '/websocket/v1/private'
const PUBLIC_TYPES = new Set(['ticker', 'trade', 'orderbook'])
const CANDLE_MINUTES: Record<string, number> = {
  '1m': 1,
  '3m': 3,
  '5m': 5,
  '10m': 10,
  '15m': 15,
  '30m': 30,
  '60m': 60,
  '240m': 240,
}
const FORMATS = new Set(['DEFAULT', 'SIMPLE', 'JSON_LIST', 'SIMPLE_LIST'])

/** A stream message as Upbit writes it in DEFAULT form. */
type Message = Record<string, unknown> & { type: string }

interface Entry {
  type: string
  codes: string[]
}

interface Client {
  socket: WebSocket
  private: boolean
  entries: Entry[]
  format: string
  sent: number[]
}

/** What the simulator's streams need from it. */
export interface SimStreamSource {
  markets: readonly string[]
  step(): number
  candleOf(market: string, at?: number): FeedCandle
  ticker(market: string): Record<string, unknown>
  orderbook(market: string): Record<string, unknown>
  /** Throws `SimulatorHttpError` (401) for a bad Authorization header. */
  verify(authorization: string | undefined): void
  /** Whose connect budget an upgrade counts in: the IP when anonymous, the key's pocket when authenticated. */
  callerOf(request: IncomingMessage, quotation: boolean): string
  fee(market: string): Big
  balances(currencies: string[]): Array<{ currency: string; balance: string; locked: string }>
  now(): number
}

/** Counters of the simulator's streams. */
export interface SimStreamStats {
  /** Upgrades accepted. */
  connections: number
  /** Connections open now. */
  open: number
  /** Upgrades refused: 429 (connect limit or injected) and 401. */
  refused: { 429: number; 401: number }
  /** Messages received from clients (requests, LIST_SUBSCRIPTIONS, PING). */
  messages: number
  /** Messages refused for breaking the per-connection limits. */
  rejectedMessages: number
  /** Upgrades that carried an Origin header (Upbit limits those far more strictly). */
  withOrigin: number
}

/** One myOrder event the simulator produced, whether or not a client was connected to receive it. */
export interface SimOrderEventRecord {
  uuid: string
  state: string
  trade_uuid: string | null
}

const num = (value: Big | null | undefined) => (value === null || value === undefined ? null : Number(toDecimalString(value)))

function encode(message: Message, simple: boolean): Record<string, unknown> {
  if (!simple) return message
  const table = TABLES[message.type.startsWith('candle.') ? 'candle' : message.type]!
  const out: Record<string, unknown> = { ty: message.type }
  for (const [name, short] of table) if (message[name] !== undefined) out[short] = message[name]
  if (message.type === 'orderbook') out.obu = (message.orderbook_units as Message[]).map((u) => rename(u, ORDERBOOK_UNIT_FIELDS))
  if (message.type === 'myAsset') out.ast = (message.assets as Message[]).map((a) => rename(a, ASSET_FIELDS))
  return out
}
const rename = (value: Record<string, unknown>, fields: readonly Field[]) =>
  Object.fromEntries(fields.map(([name, short]) => [short, value[name]]))
const TABLES: Record<string, readonly Field[]> = {
  ticker: TICKER_FIELDS,
  trade: TRADE_FIELDS,
  orderbook: ORDERBOOK_FIELDS,
  candle: CANDLE_FIELDS,
  myOrder: MY_ORDER_FIELDS,
  myAsset: MY_ASSET_FIELDS,
}

function candleUnit(type: string): CandleUnit | undefined {
  const interval = type.slice('candle.'.length)
  if (interval === '1s') return { kind: 'seconds' }
  const minutes = CANDLE_MINUTES[interval]
  return minutes === undefined ? undefined : { kind: 'minutes', minutes }
}

const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19)

export class SimStreams {
  private readonly server = new WebSocketServer({ noServer: true, autoPong: false, perMessageDeflate: false })
  private readonly clients = new Set<Client>()
  private readonly upgrades = new Map<string, number[]>()
  private readonly orderLog: SimOrderEventRecord[] = []
  private stalled = false
  private refusals: Array<{ status: number; left: number }> = []
  readonly stats: SimStreamStats = {
    connections: 0,
    open: 0,
    refused: { 429: 0, 401: 0 },
    messages: 0,
    rejectedMessages: 0,
    withOrigin: 0,
  }

  constructor(private readonly source: SimStreamSource) {}

  /** `server.on('upgrade', ...)`: accepts Upbit's two stream paths, answers anything else 404. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): undefined {
    const path = (request.url ?? '').split('?')[0]
    const isPrivate = path === PRIVATE_PATH
    if (!isPrivate && path !== PUBLIC_PATH) return this.refuse(socket, 404, 'not_found', 'No stream here.')
    if (request.headers.origin !== undefined) this.stats.withOrigin++
    const injected = this.refusals[0]
    if (injected) {
      if (--injected.left <= 0) this.refusals.shift()
      return this.refuse(socket, injected.status, 'too_many_requests', 'Too many requests.')
    }
    // Connect limit: 5 per second, per IP when anonymous and per pocket when authenticated.
    const caller = this.source.callerOf(request, !isPrivate)
    const now = this.source.now()
    const recent = (this.upgrades.get(caller) ?? []).filter((t) => t > now - 1000)
    if (recent.length >= 5) {
      this.upgrades.set(caller, recent)
      return this.refuse(socket, 429, 'too_many_requests', 'Too many requests.')
    }
    recent.push(now)
    this.upgrades.set(caller, recent)
    if (isPrivate) {
      try {
        this.source.verify(request.headers.authorization)
      } catch (error) {
        if (!(error instanceof SimulatorHttpError)) throw error
        return this.refuse(socket, error.status, String(error.errorName), error.message)
      }
    }
    this.server.handleUpgrade(request, socket, head, (ws) => this.accept(ws, isPrivate))
    return undefined
  }

  private refuse(socket: Duplex, status: number, name: string, message: string): undefined {
    if (status === 429 || status === 401) this.stats.refused[status]++
    const body = status === 429 ? 'Too many API requests.' : JSON.stringify({ error: { name, message } })
    const reason = status === 429 ? 'Too Many Requests' : status === 401 ? 'Unauthorized' : 'Error'
    return void socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: ${status === 429 ? 'text/plain' : 'application/json'}\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    )
  }

  private accept(socket: WebSocket, isPrivate: boolean): void {
    const client: Client = { socket, private: isPrivate, entries: [], format: 'DEFAULT', sent: [] }
    this.clients.add(client)
    this.stats.connections++
    this.stats.open++
    socket.on('ping', (data: Buffer) => {
      if (!this.stalled) socket.pong(data)
    })
    socket.on('message', (data: Buffer) => this.onMessage(client, data.toString('utf8')))
    socket.on('close', () => {
      this.clients.delete(client)
      this.stats.open--
    })
    socket.on('error', () => socket.terminate())
  }

  private send(client: Client, messages: Message[]): undefined {
    if (this.stalled || messages.length === 0 || client.socket.readyState !== 1) return undefined
    const simple = client.format === 'SIMPLE' || client.format === 'SIMPLE_LIST'
    const encoded = messages.map((m) => encode(m, simple))
    if (client.format.endsWith('_LIST')) client.socket.send(Buffer.from(JSON.stringify(encoded)))
    else for (const m of encoded) client.socket.send(Buffer.from(JSON.stringify(m)))
    return undefined
  }

  private error(client: Client, name: string, message: string): undefined {
    if (client.socket.readyState === 1) client.socket.send(Buffer.from(JSON.stringify({ error: { name, message } })))
    return undefined
  }

  private onMessage(client: Client, text: string): undefined {
    this.stats.messages++
    if (this.stalled) return undefined
    const now = this.source.now()
    client.sent = client.sent.filter((t) => t > now - 60_000)
    const lastSecond = client.sent.filter((t) => t > now - 1000).length
    if (lastSecond >= 5 || client.sent.length >= 100) {
      this.stats.rejectedMessages++
      return this.error(client, 'TOO_MANY_REQUEST', 'Too many requests on this connection.')
    }
    client.sent.push(now)
    if (text === 'PING') return void client.socket.send(Buffer.from(JSON.stringify({ status: 'UP' })))
    let request: unknown
    try {
      request = JSON.parse(text)
    } catch {
      return this.error(client, 'WRONG_FORMAT', 'The request is not JSON.')
    }
    if (!Array.isArray(request)) return this.error(client, 'WRONG_FORMAT', 'The request must be a JSON array.')
    const objects = request as Array<Record<string, unknown>>
    const ticket = objects.find((o) => typeof o?.ticket === 'string')?.ticket as string | undefined
    if (objects.some((o) => o?.method === 'LIST_SUBSCRIPTIONS')) {
      const result = client.entries.map((e) => ({ type: e.type, codes: e.codes }))
      return void client.socket.send(Buffer.from(JSON.stringify({ method: 'LIST_SUBSCRIPTIONS', result, ticket })))
    }
    if (!ticket) return this.error(client, 'NO_TICKET', 'ticket is required.')
    const format = (objects.find((o) => o?.format !== undefined)?.format as string | undefined) ?? 'DEFAULT'
    if (!FORMATS.has(format)) return this.error(client, 'INVALID_PARAM', `Unknown format ${format}.`)
    const types = objects.filter((o) => o?.type !== undefined)
    if (types.length === 0) return this.error(client, 'NO_TYPE', 'type is required.')
    const entries: Array<Entry & { snapshot: boolean; realtime: boolean }> = []
    for (const t of types) {
      const type = String(t.type)
      const valid = client.private
        ? type === 'myOrder' || type === 'myAsset'
        : PUBLIC_TYPES.has(type) || (type.startsWith('candle.') && candleUnit(type) !== undefined)
      if (!valid) return this.error(client, 'INVALID_PARAM', `Type ${type} is not served on this endpoint.`)
      if (type === 'myAsset' && t.codes !== undefined) return this.error(client, 'WRONG_FORMAT', 'myAsset takes no codes.')
      const codes = Array.isArray(t.codes) ? t.codes.map(String) : []
      if (!client.private && codes.length === 0) return this.error(client, 'NO_CODES', 'codes is required.')
      if (codes.some((c) => c !== c.toUpperCase())) return this.error(client, 'INVALID_PARAM', 'Codes must be upper case.')
      entries.push({ type, codes, snapshot: t.is_only_realtime !== true, realtime: t.is_only_snapshot !== true })
    }
    // A new request replaces the connection's subscriptions (Upbit keeps only the latest request's).
    client.format = format
    client.entries = entries.filter((e) => e.realtime).map(({ type, codes }) => ({ type, codes }))
    const snapshots: Message[] = []
    for (const entry of entries) {
      if (!entry.snapshot || client.private) continue
      for (const code of entry.codes) snapshots.push(...this.snapshot(entry.type, code))
    }
    return this.send(client, snapshots)
  }

  private snapshot(type: string, code: string): Message[] {
    if (!this.source.markets.includes(code)) return []
    if (type.startsWith('candle.')) return this.candles(type, code, 2, 'SNAPSHOT').reverse()
    const message = this.marketMessage(type, code, 'SNAPSHOT')
    return message ? [message] : []
  }

  private marketMessage(type: string, code: string, streamType: string): Message | undefined {
    const now = this.source.now()
    if (type === 'ticker') {
      const t = this.source.ticker(code)
      const { market: _market, ...rest } = t
      return { type, code, ...rest, timestamp: now, stream_type: streamType }
    }
    if (type === 'orderbook') {
      const book = this.source.orderbook(code)
      return {
        type,
        code,
        total_ask_size: book.total_ask_size,
        total_bid_size: book.total_bid_size,
        orderbook_units: book.orderbook_units,
        level: 0,
        timestamp: now,
        stream_type: streamType,
      }
    }
    if (type === 'trade') {
      const c = this.source.candleOf(code)
      return {
        type,
        code,
        trade_price: num(c.close),
        trade_volume: num(c.volume),
        ask_bid: c.close.gte(c.open) ? 'BID' : 'ASK',
        prev_closing_price: num(c.open),
        change: c.close.gt(c.open) ? 'RISE' : c.close.lt(c.open) ? 'FALL' : 'EVEN',
        change_price: num(c.close.minus(c.open).abs()),
        trade_date: utc(c.time).slice(0, 10),
        trade_time: utc(c.time).slice(11),
        trade_timestamp: c.time,
        sequential_id: this.source.step(),
        timestamp: now,
        stream_type: streamType,
      }
    }
    return undefined
  }

  /** The newest `count` candles of a `candle.*` type, newest first. */
  private candles(type: string, code: string, count: number, streamType: string): Message[] {
    const unit = candleUnit(type)!
    const built = unitCandles(unit, (at) => this.source.candleOf(code, at), this.source.step(), count, Number.POSITIVE_INFINITY)
    return built.map((c) => ({
      type,
      code,
      candle_date_time_utc: utc(c.time),
      candle_date_time_kst: utc(c.time + 9 * 3_600_000),
      opening_price: num(c.open),
      high_price: num(c.high),
      low_price: num(c.low),
      trade_price: num(c.close),
      candle_acc_trade_volume: num(c.volume),
      candle_acc_trade_price: num(c.volume.times(c.close)),
      timestamp: this.source.now(),
      stream_type: streamType,
    }))
  }

  /** The feeds moved (advance, setPrice): realtime ticker, trade, orderbook and candle frames to subscribers. */
  marketsChanged(): void {
    for (const client of this.clients) {
      if (client.private) continue
      const out: Message[] = []
      for (const entry of client.entries) {
        for (const code of entry.codes) {
          if (!this.source.markets.includes(code)) continue
          if (entry.type.startsWith('candle.')) out.push(...this.candles(entry.type, code, 1, 'REALTIME'))
          else {
            const message = this.marketMessage(entry.type, code, 'REALTIME')
            if (message) out.push(message)
          }
        }
      }
      this.send(client, out)
    }
  }

  /** An order event from the exchange: logged, and sent to private subscribers of myOrder. */
  orderEvent(order: SimOrder, state: 'wait' | 'trade' | 'done' | 'cancel', trade?: SimTrade): void {
    this.orderLog.push({ uuid: order.uuid, state, trade_uuid: trade?.uuid ?? null })
    const now = this.source.now()
    const fee = this.source.fee(order.market)
    const message: Message = {
      type: 'myOrder',
      code: order.market,
      uuid: order.uuid,
      ask_bid: order.side === 'bid' ? 'BID' : 'ASK',
      order_type: order.ordType,
      state,
      trade_uuid: trade?.uuid ?? null,
      price: num(trade ? trade.price : order.price),
      avg_price: order.executedVolume.gt(0) ? num(order.executedFunds.div(order.executedVolume).round(8)) : 0,
      volume: num(trade ? trade.volume : order.volume),
      remaining_volume: num(order.volume && state === 'wait' ? order.volume.minus(order.executedVolume) : null) ?? 0,
      executed_volume: num(order.executedVolume),
      trades_count: order.trades.length,
      reserved_fee: 0,
      remaining_fee: 0,
      paid_fee: num(order.paidFee),
      locked: num(order.locked),
      executed_funds: num(order.executedFunds),
      time_in_force: order.timeInForce,
      trade_fee: trade ? num(trade.funds.times(fee)) : null,
      is_maker: trade ? order.ordType === 'limit' : null,
      identifier: order.identifier,
      smp_type: order.smpType,
      prevented_volume: 0,
      prevented_locked: 0,
      trade_timestamp: trade ? trade.createdAt : null,
      order_timestamp: order.createdAt,
      timestamp: now,
      stream_type: 'REALTIME',
    }
    this.toPrivate('myOrder', order.market, message)
  }

  /** Balances changed: a myAsset frame to private subscribers. */
  balancesChanged(currencies: string[]): void {
    const now = this.source.now()
    this.toPrivate('myAsset', undefined, {
      type: 'myAsset',
      asset_uuid: `asset-${now}-${currencies.join('-')}`,
      assets: this.source.balances(currencies),
      asset_timestamp: now,
      timestamp: now,
      stream_type: 'REALTIME',
    })
  }

  private toPrivate(type: string, code: string | undefined, message: Message): void {
    for (const client of this.clients) {
      if (!client.private) continue
      const entry = client.entries.find((e) => e.type === type)
      if (entry && (entry.codes.length === 0 || (code !== undefined && entry.codes.includes(code)))) this.send(client, [message])
    }
  }

  /** Every myOrder event produced so far, in order. */
  orderEvents(): SimOrderEventRecord[] {
    return [...this.orderLog]
  }

  /** Terminates every open stream connection (as a network failure would). */
  drop(kind: 'public' | 'private' | 'all' = 'all'): void {
    for (const client of this.clients) {
      if (kind === 'all' || client.private === (kind === 'private')) client.socket.terminate()
    }
  }

  /** While stalled, connections stay open but carry nothing: no frames, no answers, no pongs. */
  stall(stalled: boolean): void {
    this.stalled = stalled
  }

  /** Refuses the next `times` upgrades with `status` (default 429). */
  refuseUpgrades(times: number, status = 429): void {
    this.refusals.push({ status, left: times })
  }

  /** Closes every connection and the server. */
  close(): void {
    for (const client of this.clients) client.socket.terminate()
    this.server.close()
  }
}
