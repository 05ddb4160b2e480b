/**
 * `createUpbitClient`: every endpoint of Upbit's REST API, typed, signed, rate-limited and validated. The methods
 * live with their API area in `src/api/` (quotation, trading, transfers, pockets, service); this file holds the
 * options and composes them over one transport and one limiter.
 */
import type { ApiContext } from './api/context.js'
import { type PocketsApi, pocketsApi } from './api/pockets.js'
import { type CandlesParams, type QuotationApi, quotationApi, type TradesParams } from './api/quotation.js'
import { type ServiceApi, serviceApi } from './api/service.js'
import { type ClosedOrdersParams, type TradingApi, tradingApi } from './api/trading.js'
import { type TransfersApi, transfersApi } from './api/transfers.js'
import { type DecimalString, toDecimalString } from './decimal.js'
import { type CreateOrderParams, type MarketRules, sellsByVolume } from './order-params.js'
import type { CallOptions, OrderRecoveryOptions } from './orders.js'
import { iterateCandles, iterateClosedOrders, iterateTrades } from './pagination.js'
import { createRateLimiter, type RateLimitGroup, type RateLimitOptions } from './rate-limiter.js'
import type { Candle, Order, TradeTick } from './schemas.js'
import { type JwtAlgorithm, signingKeyFrom } from './signing.js'
import { minOrderTotalFor, quoteCurrency } from './tick-size.js'
import { createTransport, type RetryOptions, type UpbitHooks } from './transport.js'

/** Upbit's regional hosts. */
export const UPBIT_HOSTS = {
  kr: 'https://api.upbit.com',
  sg: 'https://sg-api.upbit.com',
  id: 'https://id-api.upbit.com',
  th: 'https://th-api.upbit.com',
} as const

export type UpbitEnvironment = keyof typeof UPBIT_HOSTS

export interface UpbitClientOptions {
  /** Access key. Default: `process.env.UPBIT_ACCESS_KEY`; public (quotation) calls work without one. */
  accessKey?: string | undefined
  /** Secret key, used only to sign JWTs and never logged. Default: `process.env.UPBIT_SECRET_KEY`. */
  secretKey?: string | undefined
  /** Region. Default `'kr'` (api.upbit.com). */
  environment?: UpbitEnvironment
  /** Base URL overriding `environment`, e.g. a simulator's `baseUrl`. Default: the environment's host. */
  baseUrl?: string
  /** fetch implementation. Default: `globalThis.fetch`. */
  fetch?: typeof globalThis.fetch
  /** Per-attempt timeout in milliseconds; it may fire up to a tenth of it (at most 100 ms) late, never early. `Infinity` turns it off. Default 10000. */
  timeoutMs?: number
  /** Retries of safe calls on timeouts, dropped connections and 5xx. Default `{ retries: 2, minDelayMs: 200, maxDelayMs: 2000 }`. */
  retry?: RetryOptions
  /** Client-side rate limiting per group. Default: Upbit's documented budgets, following `Remaining-Req`. */
  rateLimit?: RateLimitOptions
  /** Observability hooks; payloads never contain keys or tokens. Default: none. */
  hooks?: UpbitHooks
  /** JWT algorithm. Default `'HS256'` (Upbit also accepts `'HS512'`). */
  jwtAlgorithm?: JwtAlgorithm
  /**
   * Pre-send order checks: `'live'` reads tick size from `orderbook/instruments` and minimums from `orders/chance`
   * (cached per market, falling back to built-in tables) and prices a sell by volume at the best bid from `orderbook`;
   * `'table'` uses only the tables (a sell by volume is then left to Upbit's check); `false` sends unchecked.
   * Default `'live'`.
   */
  orderChecks?: 'live' | 'table' | false
  /** Duplicate-proof order recovery. Default `{ maxResends: 2 }`. */
  orderRecovery?: OrderRecoveryOptions
  /** How long live market rules are cached, in milliseconds. Default 600000 (10 min). */
  rulesTtlMs?: number
}

export type { OrderBy, TimeInput } from './api/context.js'
export type { PocketTransferListParams, PocketTransferParams, PocketTransferState } from './api/pockets.js'
export type { CandlesParams, CandleUnit, TradesParams } from './api/quotation.js'
export type {
  CancelAndNewParams,
  CancelOpenOrdersParams,
  ClosedOrdersParams,
  OpenOrdersParams,
  OrderListRef,
  OrderState,
} from './api/trading.js'
export type { TransferListParams, TransferRef, TwoFactorType } from './api/transfers.js'

/** Iterators over Upbit's paged endpoints. */
export interface PaginationApi {
  /** Candles newest first beyond 200, walking `to` back until `limit` candles or the start of history. */
  iterateCandles(p: Omit<CandlesParams, 'count'> & { limit?: number }, o?: CallOptions): AsyncGenerator<Candle>
  /** Closed orders across any span, one 7-day window at a time, newest first. */
  iterateClosedOrders(
    p: Omit<ClosedOrdersParams, 'startTime' | 'endTime' | 'orderBy'> & { since: Date | number; until?: Date | number },
    o?: CallOptions,
  ): AsyncGenerator<Order>
  /** Recent trades newest first, following `cursor`. */
  iterateTrades(p: Omit<TradesParams, 'cursor' | 'count'> & { limit?: number }, o?: CallOptions): AsyncGenerator<TradeTick>
}

/** The client: every Upbit REST endpoint as a typed method (see the README's endpoint table). */
export interface UpbitClient extends QuotationApi, TradingApi, TransfersApi, PocketsApi, ServiceApi, PaginationApi {
  /** Epoch ms until which a rate-limit group is banned (after a 418), or undefined. */
  bannedUntil(group: RateLimitGroup): number | undefined
}

/** Builds a client. Holds no global state: each client has its own limiter and caches. */
export function createUpbitClient(options: UpbitClientOptions = {}): UpbitClient {
  const env = typeof process === 'undefined' ? {} : process.env
  const accessKey = options.accessKey ?? env.UPBIT_ACCESS_KEY
  const secretKey = options.secretKey ?? env.UPBIT_SECRET_KEY
  const limiter = createRateLimiter(options.rateLimit)
  const transport = createTransport({
    baseUrl: options.baseUrl ?? UPBIT_HOSTS[options.environment ?? 'kr'],
    fetch: options.fetch ?? globalThis.fetch,
    timeoutMs: options.timeoutMs ?? 10_000,
    keys: accessKey && secretKey ? { accessKey, secretKey: signingKeyFrom(secretKey) } : undefined,
    jwtAlgorithm: options.jwtAlgorithm ?? 'HS256',
    limiter,
    retry: options.retry ?? {},
    hooks: options.hooks ?? {},
  })

  const rulesCache = new Map<
    string,
    { at: number; rules: Promise<{ tick?: DecimalString; bid?: DecimalString; ask?: DecimalString }> }
  >()
  const ttl = options.rulesTtlMs ?? 600_000
  const liveRules = (market: string) => {
    const cached = rulesCache.get(market)
    if (cached && Date.now() - cached.at < ttl) return cached.rules
    const rules = Promise.all([
      client.getOrderbookInstruments({ markets: [market] }).then(
        (r) => r.find((i) => i.market === market)?.tick_size,
        () => undefined,
      ),
      client.getOrderChance({ market }).then(
        (c) => ({ bid: c.market.bid.min_total, ask: c.market.ask.min_total }),
        () => undefined,
      ),
    ]).then(([tick, mins]) => ({ ...(tick ? { tick } : {}), ...(mins ?? {}) }))
    rulesCache.set(market, { at: Date.now(), rules })
    return rules
  }
  // The best bid now (not cached: prices move); undefined when the book cannot be read, so a sell is never blocked by it.
  const bestBid = (market: string): Promise<DecimalString | undefined> =>
    client.getOrderbook({ markets: [market] }).then(
      (books) => {
        const bid = books.find((b) => b.market === market)?.orderbook_units[0]?.bid_price
        return bid === undefined ? undefined : toDecimalString(bid)
      },
      () => undefined,
    )
  const orderChecks = options.orderChecks ?? 'live'
  const rulesFor = async (order: CreateOrderParams): Promise<MarketRules> => {
    quoteCurrency(order.market)
    const live = orderChecks === 'live'
    const [rules, bid] = await Promise.all([
      live ? liveRules(order.market) : undefined,
      live && sellsByVolume(order) ? bestBid(order.market) : undefined,
    ])
    return { tickSize: rules?.tick, minTotal: rules?.[order.side] ?? minOrderTotalFor(order.market), bestBid: bid }
  }

  const ctx: ApiContext = {
    transport,
    limiter,
    quote: (path, group, params, schema, o) =>
      transport.call({ method: 'GET', path, group, auth: false, params, schema, signal: o?.signal }),
    exchange: (method, path, params, schema, o, group = 'default') =>
      transport.call({ method, path, group, auth: true, params, schema, signal: o?.signal, retrySafe: method !== 'POST' }),
    orderDeps: { transport, rules: orderChecks === false ? undefined : rulesFor, recovery: options.orderRecovery ?? {} },
  }

  const client: UpbitClient = {
    ...quotationApi(ctx),
    ...tradingApi(ctx),
    ...transfersApi(ctx),
    ...pocketsApi(ctx),
    ...serviceApi(ctx),
    iterateCandles: (p, o) => iterateCandles(client, p, o),
    iterateClosedOrders: (p, o) => iterateClosedOrders(client, p, o),
    iterateTrades: (p, o) => iterateTrades(client, p, o),
    bannedUntil: (group) => limiter.bannedUntil(group),
  }
  return client
}
