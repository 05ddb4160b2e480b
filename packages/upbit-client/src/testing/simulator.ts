/**
 * `startUpbitSimulator`: a real HTTP server on 127.0.0.1 speaking Upbit's REST API for tests and paper trading.
 * It checks JWTs and query_hash like Upbit, rejects reused nonces and identifiers, rate-limits with
 * `Remaining-Req`/429/418, fills orders against a price feed with the KRW fee, and keeps balances.
 */
import { randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type Big from 'big.js'
import { type DecimalInput, type DecimalString, toBig, toDecimalString } from '../decimal.js'
import { formatRemainingReq } from '../remaining-req.js'
import { signingKeyFrom } from '../signing.js'
import { quoteCurrency, tickSizeFor } from '../tick-size.js'
import { hashStringFromBody, hashStringFromQuery, verifyAuthorization } from './sim-auth.js'
import { type CandleUnit, candleUnitOf, type UnitCandle, unitCandles } from './sim-candle-units.js'
import { reject, SimulatorHttpError } from './sim-errors.js'
import { type CreateOrderInput, kstIso, SimExchange, type SimOrder } from './sim-exchange.js'
import { candleAt, type FeedCandle, flatCandle, type SimulatorFeed } from './sim-feed.js'
import { type SimApiKey, SimPockets } from './sim-pocket-limits.js'
import { type SimRateLimitOptions, SimRateLimits } from './sim-rate-limit.js'
import { type SimOrderEventRecord, type SimStreamStats, SimStreams } from './sim-websocket.js'

export interface UpbitSimulatorOptions {
  /** Markets and their price feeds. Default `{ 'KRW-BTC': () => '100000000' }`. */
  markets?: Record<string, SimulatorFeed>
  /** Starting balances. Default `{ KRW: '10000000' }`. */
  balances?: Record<string, DecimalInput>
  /** Access key the simulator accepts. Default `'sim-access-key'`. */
  accessKey?: string
  /** Secret key the simulator verifies JWTs with. Default: random per simulator. */
  secretKey?: string
  /** Fee rate on KRW markets. Default `'0.0005'` (0.05%); BTC/USDT markets use 0.25%. */
  fee?: DecimalInput
  /**
   * Rate limiting: `false` to disable, or budgets/ban settings. Default: Upbit's budgets; a caller that keeps
   * sending 1 s after its first 429 is banned (418) for 30 s after 10 more 429s.
   */
  rateLimit?: false | SimRateLimitOptions
  /**
   * More API keys, each in a pocket (`'main'`, the default key's pocket, unless named). Exchange groups are counted
   * per pocket across all its keys and connections, quotation groups per IP, as Upbit does. Default: none.
   */
  apiKeys?: SimApiKey[]
  /** Start time of candle step 0 (epoch ms) for feeds without times. Default 2026-01-01T00:00:00Z. */
  startTime?: number
  /** Candle length for feeds without times. Default 60000 (1 minute). */
  intervalMs?: number
  /** Clock for order timestamps. Default `Date.now`. */
  clock?: () => number
  /** Port to listen on. Default 0 (any free port). */
  port?: number
}

/** A failure to inject into the next matching request(s). */
export interface SimulatorFault {
  /** Match only this method. Default: any. */
  method?: 'GET' | 'POST' | 'DELETE'
  /** Match only this path, e.g. `'/v1/orders'`. Default: any. */
  path?: string
  /**
   * - `reset-before`: drop the connection without processing.
   * - `reset-after`: process (e.g. create the order), then drop the connection: the response is lost.
   * - `status-before` / `status-after`: answer `status` (default 500) without / after processing.
   * - `delay-after`: process, then wait `delayMs` before answering (lets a client time out).
   */
  kind: 'reset-before' | 'reset-after' | 'status-before' | 'status-after' | 'delay-after'
  status?: number
  delayMs?: number
  /** How many matching requests it applies to. Default 1. */
  times?: number
}

export interface SimulatorStats {
  requests: number
  byStatus: Record<number, number>
}

/** Controls of the simulator's WebSocket streams. */
export interface UpbitSimulatorStreams {
  /** Terminates the open stream connections (all, or only public or private ones), as a network failure would. */
  drop(kind?: 'public' | 'private' | 'all'): void
  /** While stalled, connections stay open but carry nothing: no frames, no answers, no pongs. */
  stall(stalled: boolean): void
  /** Refuses the next `times` upgrades with `status` (default 429). */
  refuseUpgrades(times: number, status?: number): void
  /** Every myOrder event the exchange produced so far (whether or not anyone was connected). */
  orderEvents(): SimOrderEventRecord[]
  stats(): SimStreamStats
}

export interface UpbitSimulator {
  /** `http://127.0.0.1:<port>`: pass as `baseUrl` to `createUpbitClient`. */
  readonly baseUrl: string
  /** `ws://127.0.0.1:<port>/websocket/v1`: pass as `url` to `createUpbitStreams` (private: `<wsUrl>/private`). */
  readonly wsUrl: string
  /** The WebSocket streams: faults and counters. */
  readonly streams: UpbitSimulatorStreams
  readonly accessKey: string
  readonly secretKey: string
  /** The current candle index of every feed. */
  readonly step: number
  /** Moves every feed `steps` candles on and fills resting orders the new candles cross. */
  advance(steps?: number): void
  /** Sets a flat current price for a market (until the next `advance`) and fills orders it crosses. */
  setPrice(market: string, price: DecimalInput): void
  /** The current close price of a market. */
  price(market: string): DecimalString
  /** Every order placed, as Upbit's API would show it. */
  orders(): ReturnType<SimExchange['view']>[]
  /** Balances as `GET /accounts` shows them. */
  accounts(): ReturnType<SimExchange['accounts']>
  setBalance(currency: string, amount: DecimalInput): void
  /** Queues a failure for the next matching request(s). */
  injectFault(fault: SimulatorFault): void
  /** Request counts by HTTP status (e.g. how many 429s a burst caused). */
  stats(): SimulatorStats
  close(): Promise<void>
}

const QUOTATION_GROUPS: Array<[RegExp, string]> = [
  [/^\/v1\/market\//, 'market'],
  [/^\/v1\/candles\//, 'candle'],
  [/^\/v1\/trades\//, 'trade'],
  [/^\/v1\/ticker/, 'ticker'],
  [/^\/v1\/orderbook/, 'orderbook'],
]

function exchangeGroup(method: string, path: string): string {
  if (method === 'POST' && (path === '/v1/orders' || path === '/v1/orders/cancel_and_new')) return 'order'
  if (method === 'POST' && path === '/v1/orders/test') return 'order-test'
  if (method === 'DELETE' && path === '/v1/orders/open') return 'order-cancel-all'
  return 'default'
}

const WEEK_MS = 7 * 24 * 3_600_000

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

function utcString(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19)
}

const num = (value: Big) => Number(toDecimalString(value))

/** Starts the simulator on 127.0.0.1 (port 0 by default). Close it with `close()`. */
export async function startUpbitSimulator(options: UpbitSimulatorOptions = {}): Promise<UpbitSimulator> {
  const feeds = options.markets ?? { 'KRW-BTC': () => '100000000' }
  const marketNames = Object.keys(feeds)
  const startTime = options.startTime ?? Date.UTC(2026, 0, 1)
  const intervalMs = options.intervalMs ?? 60_000
  const clock = options.clock ?? Date.now
  const keys = {
    accessKey: options.accessKey ?? 'sim-access-key',
    secretKey: options.secretKey ?? randomBytes(24).toString('hex'),
  }
  // A KeyObject: jsonwebtoken verifies a string secret ~60× slower (it first tries to parse it as a PEM key).
  const verifyKeys = { accessKey: keys.accessKey, secretKey: signingKeyFrom(keys.secretKey) }
  const pockets = new SimPockets(verifyKeys, options.apiKeys)
  const overrides = new Map<string, FeedCandle>()
  let step = 0

  const candleOf = (market: string, at = step): FeedCandle => {
    const override = at === step ? overrides.get(market) : undefined
    return override ?? candleAt(feeds[market]!, market, at, startTime, intervalMs)
  }
  const exchange = new SimExchange(
    options.balances ?? { KRW: '10000000' },
    toBig(options.fee ?? '0.0005'),
    (market) => candleOf(market),
    clock,
    marketNames,
  )
  const limits = options.rateLimit === false ? undefined : new SimRateLimits(options.rateLimit ?? {})
  const usedNonces = new Set<string>()
  const faults: Array<SimulatorFault & { left: number }> = []
  const stats: SimulatorStats = { requests: 0, byStatus: {} }
  const sockets = new Set<Socket>()

  const requireMarket = (market: string | null) =>
    market && marketNames.includes(market) ? market : reject(404, 'market_does_not_exist', `Code not found: ${market}`)
  const marketsParam = (value: string | null) =>
    (value ?? reject(400, 'validation_error', 'markets is required')).split(',').map(requireMarket)

  /** `older` is the candle of the unit just before `c` (undefined for the first), for the day-candle change fields. */
  const unitCandleView = (market: string, unit: CandleUnit, c: UnitCandle, older: UnitCandle | undefined) => ({
    market,
    candle_date_time_utc: utcString(c.time),
    candle_date_time_kst: utcString(c.time + 9 * 3_600_000),
    opening_price: num(c.open),
    high_price: num(c.high),
    low_price: num(c.low),
    trade_price: num(c.close),
    timestamp: c.lastTime + intervalMs - 1,
    candle_acc_trade_price: num(c.volume.times(c.close)),
    candle_acc_trade_volume: num(c.volume),
    ...(unit.kind === 'minutes' ? { unit: unit.minutes } : {}),
    ...(unit.kind === 'days' ? dayFields(c, older) : {}),
    ...(unit.kind === 'weeks' || unit.kind === 'months' || unit.kind === 'years'
      ? { first_day_of_period: utcString(c.time).slice(0, 10) }
      : {}),
  })
  /** Day candles also carry the change against the previous day's close (the day's own open on the first day). */
  const dayFields = (c: UnitCandle, older: UnitCandle | undefined) => {
    const prev = older?.close ?? c.open
    const change = c.close.minus(prev)
    return {
      prev_closing_price: num(prev),
      change_price: num(change),
      change_rate: num(prev.eq(0) ? prev : change.div(prev).round(8)),
    }
  }
  const tickerView = (market: string) => {
    const c = candleOf(market)
    const prev = step > 0 ? candleOf(market, step - 1).close : c.open
    const change = c.close.minus(prev)
    return {
      market,
      trade_date: utcString(c.time).slice(0, 10).replace(/-/g, ''),
      trade_time: utcString(c.time).slice(11).replace(/:/g, ''),
      trade_timestamp: c.time,
      opening_price: num(c.open),
      high_price: num(c.high),
      low_price: num(c.low),
      trade_price: num(c.close),
      prev_closing_price: num(prev),
      change: change.gt(0) ? 'RISE' : change.lt(0) ? 'FALL' : 'EVEN',
      change_price: num(change.abs()),
      change_rate: prev.eq(0) ? 0 : num(change.abs().div(prev).round(8)),
      trade_volume: num(c.volume),
      acc_trade_volume_24h: num(c.volume),
      timestamp: c.time,
    }
  }
  const orderbookView = (market: string) => {
    const close = candleOf(market).close
    const tick = toBig(tickSizeFor(close, market))
    const units = Array.from({ length: 30 }, (_, i) => ({
      ask_price: num(close.plus(tick.times(i + 1))),
      bid_price: num(close.minus(tick.times(i)).gt(0) ? close.minus(tick.times(i)) : tick),
      ask_size: 1,
      bid_size: 1,
    }))
    return { market, timestamp: clock(), total_ask_size: 30, total_bid_size: 30, orderbook_units: units, level: 0 }
  }
  const parseTime = (value: string | null, fallback: number) => {
    if (value === null) return fallback
    const ms = /^\d+$/.test(value) ? Number(value) : Date.parse(value)
    return Number.isFinite(ms) ? ms : reject(400, 'validation_error', `Invalid time ${value}`)
  }
  const statesOf = (q: URLSearchParams, allowed: string[]) => {
    const states = [...q.getAll('states[]'), ...q.getAll('state')]
    for (const s of states) if (!allowed.includes(s)) reject(400, 'validation_error', `Invalid state ${s}`)
    return states.length > 0 ? states : allowed
  }
  const sortAndLimit = (orders: SimOrder[], q: URLSearchParams, max: number, fallback: number) => {
    const orderBy = q.get('order_by') ?? 'desc'
    const limit = Number(q.get('limit') ?? fallback)
    if (!Number.isInteger(limit) || limit < 1 || limit > max) reject(400, 'validation_error', `limit must be 1..${max}`)
    const sorted = [...orders].sort((a, b) => (orderBy === 'asc' ? a.createdAt - b.createdAt : b.createdAt - a.createdAt))
    return { sorted, limit }
  }
  const batchResult = (cancelled: SimOrder[], failed: Array<{ uuid: string; identifier?: string | null }>) => ({
    success: {
      count: cancelled.length,
      orders: cancelled.map((o) => ({ uuid: o.uuid, market: o.market, identifier: o.identifier })),
    },
    failed: { count: failed.length, orders: failed },
  })

  function quotation(path: string, q: URLSearchParams): unknown {
    if (path === '/v1/market/all') {
      return marketNames.map((market) => ({ market, korean_name: market, english_name: market }))
    }
    if (path.startsWith('/v1/candles/')) {
      const unit = candleUnitOf(path) ?? reject(404, 'not_found', `${path} is not a candle unit Upbit serves.`)
      const market = requireMarket(q.get('market'))
      const count = Number(q.get('count') ?? 1)
      if (!Number.isInteger(count) || count < 1 || count > 200) reject(400, 'validation_error', 'count must be 1..200')
      const to = q.get('to')
      const toMs = to === null ? Number.POSITIVE_INFINITY : parseTime(/[zZ]|[+-]\d\d:?\d\d$/.test(to) ? to : `${to}Z`, 0)
      // One candle more than asked: each candle's older neighbour gives the day candles their previous close.
      const candles = unitCandles(unit, (at) => candleOf(market, at), step, count + 1, toMs)
      return candles.slice(0, count).map((c, i) => unitCandleView(market, unit, c, candles[i + 1]))
    }
    if (path === '/v1/trades/ticks') {
      const market = requireMarket(q.get('market'))
      const count = Number(q.get('count') ?? 1)
      if (!Number.isInteger(count) || count < 1 || count > 500) reject(400, 'validation_error', 'count must be 1..500')
      const cursor = q.get('cursor')
      const out = []
      for (let at = cursor === null ? step : Number(cursor) - 1; at >= 0 && out.length < count; at--) {
        const c = candleOf(market, at)
        out.push({
          market,
          trade_date_utc: utcString(c.time).slice(0, 10),
          trade_time_utc: utcString(c.time).slice(11),
          timestamp: c.time,
          trade_price: num(c.close),
          trade_volume: num(c.volume),
          prev_closing_price: num(c.open),
          change_price: num(c.close.minus(c.open).abs()),
          ask_bid: c.close.gte(c.open) ? 'BID' : 'ASK',
          sequential_id: at,
        })
      }
      return out
    }
    if (path === '/v1/ticker') return marketsParam(q.get('markets')).map(tickerView)
    if (path === '/v1/ticker/all') {
      const quotes = (q.get('quote_currencies') ?? reject(400, 'validation_error', 'quote_currencies is required')).split(',')
      return marketNames.filter((m) => quotes.includes(quoteCurrency(m))).map(tickerView)
    }
    if (path === '/v1/orderbook') return marketsParam(q.get('markets')).map(orderbookView)
    if (path === '/v1/orderbook/instruments') {
      return marketsParam(q.get('markets')).map((market) => ({
        market,
        quote_currency: quoteCurrency(market),
        tick_size: tickSizeFor(candleOf(market).close, market),
        supported_levels: [0],
      }))
    }
    return reject(404, 404, 'Code not found')
  }

  function privateApi(method: string, path: string, q: URLSearchParams, body: Record<string, unknown>): unknown {
    const route = `${method} ${path}`
    switch (route) {
      case 'GET /v1/accounts':
        return exchange.accounts()
      case 'GET /v1/orders/chance': {
        const market = requireMarket(q.get('market'))
        const quote = quoteCurrency(market)
        const base = market.slice(quote.length + 1)
        const fee = toDecimalString(exchange.feeFor(market))
        const view = (currency: string) => {
          const a = exchange.account(currency)
          return { currency, balance: toDecimalString(a.balance), locked: toDecimalString(a.locked), avg_buy_price: '0' }
        }
        const min = quote === 'KRW' ? '5000' : quote === 'BTC' ? '0.00005' : '0.5'
        return {
          bid_fee: fee,
          ask_fee: fee,
          maker_bid_fee: fee,
          maker_ask_fee: fee,
          market: {
            id: market,
            name: `${base}/${quote}`,
            order_types: ['limit'],
            order_sides: ['ask', 'bid'],
            bid_types: ['limit', 'price', 'best_fok', 'best_ioc', 'limit_ioc', 'limit_fok'],
            ask_types: ['limit', 'market', 'best_fok', 'best_ioc', 'limit_ioc', 'limit_fok'],
            bid: { currency: quote, min_total: min },
            ask: { currency: quote, min_total: min },
            max_total: '1000000000',
            state: 'active',
          },
          bid_account: view(quote),
          ask_account: view(base),
        }
      }
      case 'GET /v1/order':
        return exchange.view(exchange.find({ uuid: q.get('uuid'), identifier: q.get('identifier') }), true)
      case 'POST /v1/orders':
        return exchange.view(exchange.create(body as CreateOrderInput))
      case 'POST /v1/orders/test':
        return exchange.view(exchange.create(body as CreateOrderInput, true))
      case 'DELETE /v1/order': {
        const order = exchange.find({ uuid: q.get('uuid'), identifier: q.get('identifier') })
        // Upbit answers a cancel with the order still in state "wait" (the cancel completes asynchronously).
        const answer = { ...exchange.view(order), state: 'wait' }
        exchange.cancel(order)
        return answer
      }
      case 'POST /v1/orders/cancel_and_new': {
        const prev = exchange.find({
          uuid: body.prev_order_uuid as string | undefined,
          identifier: body.prev_order_identifier as string | undefined,
        })
        if (prev.state !== 'wait') reject(400, 'validation_error', 'The previous order is not open.')
        const remaining = prev.volume ? prev.volume.minus(prev.executedVolume) : null
        const answer = { ...exchange.view(prev), state: 'wait' }
        exchange.cancel(prev)
        const created = exchange.create({
          market: prev.market,
          side: prev.side,
          ord_type: body.new_ord_type,
          price: body.new_price,
          volume: body.new_volume === 'remain_only' && remaining ? toDecimalString(remaining) : body.new_volume,
          identifier: body.new_identifier,
          time_in_force: body.new_time_in_force,
          smp_type: body.new_smp_type,
        })
        return { ...answer, new_order_uuid: created.uuid, new_order_identifier: created.identifier }
      }
      case 'GET /v1/orders/open': {
        const states = statesOf(q, ['wait', 'watch'])
        const market = q.get('market')
        const open = exchange.orders.filter((o) => states.includes(o.state) && (!market || o.market === market))
        const { sorted, limit } = sortAndLimit(open, q, 100, 100)
        const page = Number(q.get('page') ?? 1)
        return sorted.slice((page - 1) * limit, page * limit).map((o) => exchange.view(o))
      }
      case 'GET /v1/orders/closed': {
        const states = statesOf(q, ['done', 'cancel'])
        const end = parseTime(q.get('end_time'), clock())
        const start = parseTime(q.get('start_time'), end - WEEK_MS)
        if (end - start > WEEK_MS) reject(400, 'validation_error', 'The time range must be 7 days or less.')
        const market = q.get('market')
        const closed = exchange.orders.filter(
          (o) => states.includes(o.state) && (!market || o.market === market) && o.createdAt >= start && o.createdAt <= end,
        )
        const { sorted, limit } = sortAndLimit(closed, q, 1000, 100)
        return sorted.slice(0, limit).map((o) => exchange.view(o))
      }
      case 'GET /v1/orders/uuids': {
        const uuids = q.getAll('uuids[]')
        const identifiers = q.getAll('identifiers[]')
        if (uuids.length + identifiers.length === 0) reject(400, 'validation_error', 'uuids[] or identifiers[] is required')
        const found = exchange.orders.filter(
          (o) => uuids.includes(o.uuid) || (o.identifier !== null && identifiers.includes(o.identifier)),
        )
        return sortAndLimit(found, q, 100, 100).sorted.map((o) => exchange.view(o))
      }
      case 'DELETE /v1/orders/uuids': {
        const refs = [
          ...q.getAll('uuids[]').map((uuid) => ({ uuid })),
          ...q.getAll('identifiers[]').map((identifier) => ({ identifier })),
        ]
        if (refs.length === 0 || refs.length > 20) reject(400, 'validation_error', '1 to 20 uuids[] or identifiers[]')
        const cancelled: SimOrder[] = []
        const failed: Array<{ uuid: string; identifier?: string | null }> = []
        for (const ref of refs) {
          const order = exchange.orders.find((o) => ('uuid' in ref ? o.uuid === ref.uuid : o.identifier === ref.identifier))
          if (order?.state === 'wait') cancelled.push(exchange.cancel(order))
          else failed.push({ uuid: order?.uuid ?? ('uuid' in ref ? ref.uuid : ''), identifier: order?.identifier ?? null })
        }
        return batchResult(cancelled, failed)
      }
      case 'DELETE /v1/orders/open': {
        const side = q.get('cancel_side') ?? 'all'
        const pairs = q.get('pairs')?.split(',')
        const excluded = q.get('excluded_pairs')?.split(',') ?? []
        const quotes = q.get('quote_currencies')?.split(',')
        const count = Number(q.get('count') ?? 20)
        const targets = exchange.orders
          .filter((o) => o.state === 'wait' && (side === 'all' || o.side === side))
          .filter((o) => (!pairs || pairs.includes(o.market)) && !excluded.includes(o.market))
          .filter((o) => !quotes || quotes.includes(quoteCurrency(o.market)))
          .slice(0, count)
        return batchResult(
          targets.map((o) => exchange.cancel(o)),
          [],
        )
      }
      case 'GET /v1/status/wallet':
        return [...new Set(marketNames.flatMap((m) => m.split('-')))].map((currency) => ({
          currency,
          wallet_state: 'working',
          block_state: 'normal',
          block_height: 1,
          block_updated_at: kstIso(clock()),
          block_elapsed_minutes: 0,
          net_type: currency,
          network_name: currency,
        }))
      case 'GET /v1/api_keys':
        return [{ access_key: keys.accessKey, expire_at: kstIso(clock() + 365 * 24 * 3_600_000) }]
      case 'GET /v1/withdraws':
      case 'GET /v1/deposits':
      case 'GET /v1/withdraws/coin_addresses':
      case 'GET /v1/deposits/coin_addresses':
      case 'GET /v1/travel_rule/vasps':
        return []
      default:
        return reject(404, 'not_found', `${route} is not simulated.`)
    }
  }

  function takeFault(method: string, path: string): SimulatorFault | undefined {
    const index = faults.findIndex((f) => (!f.method || f.method === method) && (!f.path || f.path === path))
    if (index < 0) return undefined
    const fault = faults[index]!
    if (--fault.left <= 0) faults.splice(index, 1)
    return fault
  }

  function send(res: ServerResponse, status: number, payload: unknown, headers: Record<string, string> = {}) {
    stats.requests++
    stats.byStatus[status] = (stats.byStatus[status] ?? 0) + 1
    const text = typeof payload === 'string' ? payload : JSON.stringify(payload)
    res.writeHead(status, {
      'content-type': typeof payload === 'string' ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
      ...headers,
    })
    res.end(text)
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET'
    const rawUrl = req.url ?? '/'
    const queryAt = rawUrl.indexOf('?')
    const path = queryAt < 0 ? rawUrl : rawUrl.slice(0, queryAt)
    const rawQuery = queryAt < 0 ? '' : rawUrl.slice(queryAt + 1)
    const text = await readBody(req)
    const fault = takeFault(method, path)
    if (fault?.kind === 'reset-before') return void req.socket.destroy()
    if (fault?.kind === 'status-before')
      return send(res, fault.status ?? 500, { error: { name: 'server_error', message: 'Injected failure.' } })

    const quotationGroup = QUOTATION_GROUPS.find(([pattern]) => pattern.test(path))?.[1]
    const group = quotationGroup ?? exchangeGroup(method, path)
    let remainingHeader: Record<string, string> = {}
    if (limits) {
      // Quotation limits count per IP; exchange limits per pocket, across its keys and connections.
      const caller = pockets.callerOf(req, quotationGroup !== undefined)
      const verdict = limits.take(group, caller)
      if (verdict.kind === 'banned') {
        const seconds = verdict.retryAfterSeconds
        return send(res, 418, `Too many API requests. Blocked for ${seconds} seconds.`, { 'retry-after': String(seconds) })
      }
      if (verdict.kind === 'limited')
        return send(res, 429, 'Too many API requests.', { 'remaining-req': formatRemainingReq(group, 0) })
      remainingHeader = { 'remaining-req': formatRemainingReq(group, verdict.remaining) }
    }

    let status = 200
    let payload: unknown
    try {
      const query = new URLSearchParams(rawQuery)
      if (quotationGroup) payload = quotation(path, query)
      else {
        let body: Record<string, unknown> = {}
        if (method === 'POST') {
          try {
            body = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>)
          } catch {
            reject(400, 'validation_error', 'The body must be JSON.')
          }
        }
        const hashString = method === 'POST' ? hashStringFromBody(body) : hashStringFromQuery(rawQuery)
        const key = pockets.keyOf(req.headers.authorization) ?? verifyKeys
        verifyAuthorization(req.headers.authorization, hashString, key, usedNonces)
        payload = privateApi(method, path, query, body)
        if (method === 'POST' && path === '/v1/orders') status = 201
      }
    } catch (error) {
      if (!(error instanceof SimulatorHttpError)) throw error
      status = error.status
      payload = { error: { name: error.errorName, message: error.message } }
    }
    if (fault?.kind === 'reset-after') return void req.socket.destroy()
    if (fault?.kind === 'status-after')
      return send(res, fault.status ?? 500, { error: { name: 'server_error', message: 'Injected failure.' } })
    if (fault?.kind === 'delay-after') await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 1000))
    send(res, status, payload, remainingHeader)
  }

  const streams = new SimStreams({
    markets: marketNames,
    step: () => step,
    candleOf,
    ticker: tickerView,
    orderbook: orderbookView,
    verify: (authorization) => verifyAuthorization(authorization, '', pockets.keyOf(authorization) ?? verifyKeys, usedNonces),
    callerOf: (request, quotation) => pockets.callerOf(request, quotation),
    fee: (market) => exchange.feeFor(market),
    balances: (currencies) =>
      currencies.map((currency) => {
        const a = exchange.account(currency)
        return { currency, balance: toDecimalString(a.balance), locked: toDecimalString(a.locked) }
      }),
    now: clock,
  })
  exchange.listener = {
    order: (order, state, trade) => streams.orderEvent(order, state, trade),
    balances: (currencies) => streams.balancesChanged(currencies),
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) send(res, 500, { error: { name: 'server_error', message: String(error) } })
    })
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  server.on('upgrade', (req, socket, head) => streams.handleUpgrade(req, socket, head))
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo

  const fillCrossed = () => {
    for (const market of marketNames) exchange.match(market, candleOf(market))
    streams.marketsChanged()
  }

  return {
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/websocket/v1`,
    streams: {
      drop: (kind) => streams.drop(kind),
      stall: (stalled) => streams.stall(stalled),
      refuseUpgrades: (times, status) => streams.refuseUpgrades(times, status),
      orderEvents: () => streams.orderEvents(),
      stats: () => ({ ...streams.stats, refused: { ...streams.stats.refused } }),
    },
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
    get step() {
      return step
    },
    advance(steps = 1) {
      for (let i = 0; i < steps; i++) {
        step++
        overrides.clear()
        fillCrossed()
      }
    },
    setPrice(market, price) {
      requireMarket(market)
      overrides.set(market, flatCandle(price, candleOf(market).time))
      fillCrossed()
    },
    price: (market) => toDecimalString(candleOf(market).close),
    orders: () => exchange.orders.map((o) => exchange.view(o, true)),
    accounts: () => exchange.accounts(),
    setBalance: (currency, amount) => exchange.setBalance(currency, amount),
    injectFault(fault) {
      faults.push({ ...fault, left: fault.times ?? 1 })
    },
    stats: () => ({ requests: stats.requests, byStatus: { ...stats.byStatus } }),
    close: () =>
      new Promise<void>((resolve, reject) => {
        streams.close()
        for (const socket of sockets) socket.destroy()
        server.close((error) => (error ? reject(error) : resolve()))
      }),
  }
}
