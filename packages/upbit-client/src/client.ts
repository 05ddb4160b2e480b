/** `createUpbitClient`: every endpoint of Upbit's REST API, typed, signed, rate-limited and validated. */
import { z } from 'zod'
import { type DecimalInput, type DecimalString, toDecimalString } from './decimal.js'
import { type CreateOrderParams, type MarketRules, type SmpType, sellsByVolume, type TimeInForce } from './order-params.js'
import { type CallOptions, cancelOrder, createOrder, getOrder, type OrderRecoveryOptions, type OrderRef } from './orders.js'
import { iterateCandles, iterateClosedOrders, iterateTrades } from './pagination.js'
import { createRateLimiter, type RateLimitGroup, type RateLimitOptions } from './rate-limiter.js'
import {
  type Account,
  type ApiKeyInfo,
  accountSchema,
  apiKeySchema,
  type BatchCancelResult,
  batchCancelSchema,
  type CancelAndNewResult,
  type Candle,
  cancelAndNewSchema,
  candleSchema,
  type LooseObject,
  looseObjectSchema,
  type Market,
  marketSchema,
  type Order,
  type Orderbook,
  type OrderbookInstrument,
  type OrderChance,
  orderbookInstrumentSchema,
  orderbookSchema,
  orderChanceSchema,
  orderSchema,
  type Ticker,
  type TradeTick,
  type Transfer,
  tickerSchema,
  tradeTickSchema,
  transferSchema,
  type WalletStatus,
  walletStatusSchema,
} from './schemas.js'
import { type JwtAlgorithm, type Params, signingKeyFrom } from './signing.js'
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

export type CandleUnit = 'seconds' | 1 | 3 | 5 | 10 | 15 | 30 | 60 | 240 | 'days' | 'weeks' | 'months' | 'years'
export type OrderState = 'wait' | 'watch' | 'done' | 'cancel'
export type OrderBy = 'asc' | 'desc'
/** A time parameter: ISO 8601 string (with `:` and `+`, hashed unencoded) or a Date. */
export type TimeInput = string | Date

export interface CandlesParams {
  market: string
  unit: CandleUnit
  /** Exclusive end time of the last candle. Default: now. */
  to?: TimeInput
  /** Up to 200. Default 1 (Upbit's). */
  count?: number
  /** Days only: convert prices, e.g. `'KRW'`. */
  convertingPriceUnit?: string
}
export interface TradesParams {
  market: string
  /** `HHmmss` or `HH:mm:ss` (UTC). */
  to?: string
  count?: number
  /** `sequential_id` to continue from. */
  cursor?: string | number
  daysAgo?: 1 | 2 | 3 | 4 | 5 | 6 | 7
}
export interface OpenOrdersParams {
  market?: string
  state?: 'wait' | 'watch'
  states?: Array<'wait' | 'watch'>
  page?: number
  limit?: number
  orderBy?: OrderBy
}
export interface ClosedOrdersParams {
  market?: string
  state?: 'done' | 'cancel'
  states?: Array<'done' | 'cancel'>
  /** Window at most 7 days. */
  startTime?: TimeInput | number
  endTime?: TimeInput | number
  limit?: number
  orderBy?: OrderBy
}
export type OrderListRef = { uuids: string[]; identifiers?: never } | { identifiers: string[]; uuids?: never }
export interface CancelAndNewParams {
  prevOrderUuid?: string
  prevOrderIdentifier?: string
  newOrdType: 'limit' | 'price' | 'market' | 'best'
  newVolume?: DecimalInput | 'remain_only'
  newPrice?: DecimalInput
  newIdentifier?: string
  newTimeInForce?: TimeInForce
  newSmpType?: SmpType
}
export interface CancelOpenOrdersParams {
  cancelSide?: 'all' | 'ask' | 'bid'
  pairs?: string[]
  excludedPairs?: string[]
  quoteCurrencies?: string[]
  count?: number
  orderBy?: OrderBy
}
export interface TransferListParams {
  currency?: string
  state?: string
  uuids?: string[]
  txids?: string[]
  limit?: number
  page?: number
  orderBy?: OrderBy
}
export interface TransferRef {
  uuid?: string
  txid?: string
  currency?: string
}

const iso = (value: TimeInput | number | undefined): string | number | undefined =>
  value instanceof Date ? value.toISOString() : value
const list = (values: string[] | undefined): string | undefined => values?.join(',')

// Built once: constructing zod schemas per call costs more than validating.
const accountSchemaList = z.array(accountSchema)
const apiKeySchemaList = z.array(apiKeySchema)
const candleSchemaList = z.array(candleSchema)
const looseObjectSchemaList = z.array(looseObjectSchema)
const marketSchemaList = z.array(marketSchema)
const orderSchemaList = z.array(orderSchema)
const orderbookInstrumentSchemaList = z.array(orderbookInstrumentSchema)
const orderbookSchemaList = z.array(orderbookSchema)
const tickerSchemaList = z.array(tickerSchema)
const tradeTickSchemaList = z.array(tradeTickSchema)
const transferSchemaList = z.array(transferSchema)
const walletStatusSchemaList = z.array(walletStatusSchema)

/** Builds a client. Holds no global state: each client has its own limiter and caches. */
export function createUpbitClient(options: UpbitClientOptions = {}) {
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

  const quote = <T>(path: string, group: RateLimitGroup, params: Params, schema: z.ZodType<T>, o?: CallOptions) =>
    transport.call({ method: 'GET', path, group, auth: false, params, schema, signal: o?.signal })
  const exchange = <T>(
    method: 'GET' | 'POST' | 'DELETE',
    path: string,
    params: Params | undefined,
    schema: z.ZodType<T>,
    o?: CallOptions,
    group: RateLimitGroup = 'default',
  ) => transport.call({ method, path, group, auth: true, params, schema, signal: o?.signal, retrySafe: method !== 'POST' })

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
  const orderDeps = { transport, rules: orderChecks === false ? undefined : rulesFor, recovery: options.orderRecovery ?? {} }

  const client = {
    // ---- Quotation (no keys needed) ----
    /** GET /market/all */
    getMarkets: (p: { isDetails?: boolean } = {}, o?: CallOptions): Promise<Market[]> =>
      quote('/v1/market/all', 'market', { is_details: p.isDetails }, marketSchemaList, o),
    /** GET /candles/{seconds|minutes/N|days|weeks|months|years}: newest first, at most 200. */
    getCandles: (p: CandlesParams, o?: CallOptions): Promise<Candle[]> =>
      quote(
        typeof p.unit === 'number' ? `/v1/candles/minutes/${p.unit}` : `/v1/candles/${p.unit}`,
        'candle',
        { market: p.market, to: iso(p.to), count: p.count, converting_price_unit: p.convertingPriceUnit },
        candleSchemaList,
        o,
      ),
    /** GET /trades/ticks */
    getTrades: (p: TradesParams, o?: CallOptions): Promise<TradeTick[]> =>
      quote(
        '/v1/trades/ticks',
        'trade',
        { market: p.market, to: p.to, count: p.count, cursor: p.cursor, days_ago: p.daysAgo },
        tradeTickSchemaList,
        o,
      ),
    /** GET /ticker */
    getTicker: (p: { markets: string[] }, o?: CallOptions): Promise<Ticker[]> =>
      quote('/v1/ticker', 'ticker', { markets: list(p.markets) }, tickerSchemaList, o),
    /** GET /ticker/all: every pair quoted in the given currencies. */
    getTickersByQuote: (p: { quoteCurrencies: string[] }, o?: CallOptions): Promise<Ticker[]> =>
      quote('/v1/ticker/all', 'ticker', { quote_currencies: list(p.quoteCurrencies) }, tickerSchemaList, o),
    /** GET /orderbook */
    getOrderbook: (p: { markets: string[]; level?: DecimalInput; count?: number }, o?: CallOptions): Promise<Orderbook[]> =>
      quote('/v1/orderbook', 'orderbook', { markets: list(p.markets), level: p.level, count: p.count }, orderbookSchemaList, o),
    /** GET /orderbook/instruments: `tick_size` per market, the source of truth for ticks. */
    getOrderbookInstruments: (p: { markets: string[] }, o?: CallOptions): Promise<OrderbookInstrument[]> =>
      quote('/v1/orderbook/instruments', 'orderbook', { markets: list(p.markets) }, orderbookInstrumentSchemaList, o),

    // ---- Exchange: accounts and orders ----
    /** GET /accounts */
    getAccounts: (o?: CallOptions): Promise<Account[]> => exchange('GET', '/v1/accounts', undefined, accountSchemaList, o),
    /** GET /orders/chance: fees, minimums and balances for a market. */
    getOrderChance: (p: { market: string }, o?: CallOptions): Promise<OrderChance> =>
      exchange('GET', '/v1/orders/chance', { market: p.market }, orderChanceSchema, o),
    /** GET /order by uuid or identifier (with `trades`). */
    getOrder: (ref: OrderRef, o?: CallOptions): Promise<Order> => getOrder(transport, ref, o),
    /** POST /orders exactly once: identifier generated if absent; ambiguous failures reconciled by identifier. */
    createOrder: (order: CreateOrderParams, o?: CallOptions): Promise<Order> => createOrder(orderDeps, order, o),
    /** POST /orders/test: validates an order without placing it. */
    testOrder: (order: CreateOrderParams, o?: CallOptions): Promise<Order> => createOrder(orderDeps, order, o, '/v1/orders/test'),
    /** DELETE /order; an already-cancelled order resolves instead of failing. */
    cancelOrder: (ref: OrderRef, o?: CallOptions): Promise<Order> => cancelOrder(transport, ref, o),
    /** POST /orders/cancel_and_new: cancel and replace on the same market and side. */
    cancelAndNewOrder: (p: CancelAndNewParams, o?: CallOptions): Promise<CancelAndNewResult> =>
      exchange(
        'POST',
        '/v1/orders/cancel_and_new',
        {
          prev_order_uuid: p.prevOrderUuid,
          prev_order_identifier: p.prevOrderIdentifier,
          new_ord_type: p.newOrdType,
          new_volume: p.newVolume,
          new_price: p.newPrice,
          new_identifier: p.newIdentifier,
          new_time_in_force: p.newTimeInForce,
          new_smp_type: p.newSmpType,
        },
        cancelAndNewSchema,
        o,
        'order',
      ),
    /** GET /orders/open */
    getOpenOrders: (p: OpenOrdersParams = {}, o?: CallOptions): Promise<Order[]> =>
      exchange(
        'GET',
        '/v1/orders/open',
        { market: p.market, state: p.state, states: p.states, page: p.page, limit: p.limit, order_by: p.orderBy },
        orderSchemaList,
        o,
      ),
    /** GET /orders/closed (window at most 7 days; use `iterateClosedOrders` for longer). */
    getClosedOrders: (p: ClosedOrdersParams = {}, o?: CallOptions): Promise<Order[]> =>
      exchange(
        'GET',
        '/v1/orders/closed',
        {
          market: p.market,
          state: p.state,
          states: p.states,
          start_time: iso(p.startTime),
          end_time: iso(p.endTime),
          limit: p.limit,
          order_by: p.orderBy,
        },
        orderSchemaList,
        o,
      ),
    /** GET /orders/uuids: up to 100 uuids or identifiers. */
    getOrdersByIds: (p: OrderListRef & { market?: string; orderBy?: OrderBy }, o?: CallOptions): Promise<Order[]> =>
      exchange(
        'GET',
        '/v1/orders/uuids',
        { market: p.market, uuids: p.uuids, identifiers: p.identifiers, order_by: p.orderBy },
        orderSchemaList,
        o,
      ),
    /** DELETE /orders/uuids: cancel up to 20 by uuid or identifier. */
    cancelOrdersByIds: (p: OrderListRef, o?: CallOptions): Promise<BatchCancelResult> =>
      exchange('DELETE', '/v1/orders/uuids', { uuids: p.uuids, identifiers: p.identifiers }, batchCancelSchema, o),
    /** DELETE /orders/open: batch cancel (its own group: 1 request per 2 s). */
    cancelOpenOrders: (p: CancelOpenOrdersParams = {}, o?: CallOptions): Promise<BatchCancelResult> =>
      exchange(
        'DELETE',
        '/v1/orders/open',
        {
          cancel_side: p.cancelSide,
          pairs: list(p.pairs),
          excluded_pairs: list(p.excludedPairs),
          quote_currencies: list(p.quoteCurrencies),
          count: p.count,
          order_by: p.orderBy,
        },
        batchCancelSchema,
        o,
        'order-cancel-all',
      ),

    // ---- Exchange: withdrawals and deposits ----
    getWithdraws: (p: TransferListParams = {}, o?: CallOptions): Promise<Transfer[]> =>
      exchange('GET', '/v1/withdraws', transferListParams(p), transferSchemaList, o),
    getWithdraw: (p: TransferRef, o?: CallOptions): Promise<Transfer> =>
      exchange('GET', '/v1/withdraw', { uuid: p.uuid, txid: p.txid, currency: p.currency }, transferSchema, o),
    getWithdrawChance: (p: { currency: string; netType: string }, o?: CallOptions): Promise<LooseObject> =>
      exchange('GET', '/v1/withdraws/chance', { currency: p.currency, net_type: p.netType }, looseObjectSchema, o),
    /** POST /withdraws/coin: never retried automatically (it moves money). */
    withdrawCoin: (
      p: {
        currency: string
        netType: string
        amount: DecimalInput
        address: string
        secondaryAddress?: string
        transactionType?: 'default' | 'internal'
      },
      o?: CallOptions,
    ): Promise<Transfer> =>
      exchange(
        'POST',
        '/v1/withdraws/coin',
        {
          currency: p.currency,
          net_type: p.netType,
          amount: p.amount,
          address: p.address,
          secondary_address: p.secondaryAddress,
          transaction_type: p.transactionType,
        },
        transferSchema,
        o,
      ),
    cancelWithdraw: (p: { uuid: string }, o?: CallOptions): Promise<Transfer> =>
      exchange('DELETE', '/v1/withdraws/coin', { uuid: p.uuid }, transferSchema, o),
    withdrawKrw: (p: { amount: DecimalInput; twoFactorType: 'kakao' | 'naver' | 'hana' }, o?: CallOptions): Promise<Transfer> =>
      exchange('POST', '/v1/withdraws/krw', { amount: p.amount, two_factor_type: p.twoFactorType }, transferSchema, o),
    getWithdrawAddresses: (o?: CallOptions): Promise<LooseObject[]> =>
      exchange('GET', '/v1/withdraws/coin_addresses', undefined, looseObjectSchemaList, o),
    getDeposits: (p: TransferListParams = {}, o?: CallOptions): Promise<Transfer[]> =>
      exchange('GET', '/v1/deposits', transferListParams(p), transferSchemaList, o),
    getDeposit: (p: TransferRef, o?: CallOptions): Promise<Transfer> =>
      exchange('GET', '/v1/deposit', { uuid: p.uuid, txid: p.txid, currency: p.currency }, transferSchema, o),
    getDepositChance: (p: { currency: string; netType: string }, o?: CallOptions): Promise<LooseObject> =>
      exchange('GET', '/v1/deposits/chance/coin', { currency: p.currency, net_type: p.netType }, looseObjectSchema, o),
    generateDepositAddress: (p: { currency: string; netType: string }, o?: CallOptions): Promise<LooseObject> =>
      exchange('POST', '/v1/deposits/generate_coin_address', { currency: p.currency, net_type: p.netType }, looseObjectSchema, o),
    getDepositAddresses: (o?: CallOptions): Promise<LooseObject[]> =>
      exchange('GET', '/v1/deposits/coin_addresses', undefined, looseObjectSchemaList, o),
    getDepositAddress: (p: { currency: string; netType: string }, o?: CallOptions): Promise<LooseObject> =>
      exchange('GET', '/v1/deposits/coin_address', { currency: p.currency, net_type: p.netType }, looseObjectSchema, o),
    depositKrw: (p: { amount: DecimalInput; twoFactorType: 'kakao' | 'naver' | 'hana' }, o?: CallOptions): Promise<Transfer> =>
      exchange('POST', '/v1/deposits/krw', { amount: p.amount, two_factor_type: p.twoFactorType }, transferSchema, o),
    getTravelRuleVasps: (o?: CallOptions): Promise<LooseObject[]> =>
      exchange('GET', '/v1/travel_rule/vasps', undefined, looseObjectSchemaList, o),
    verifyTravelRuleByUuid: (p: { depositUuid: string; vaspUuid: string }, o?: CallOptions): Promise<LooseObject> =>
      exchange(
        'POST',
        '/v1/travel_rule/deposit/uuid',
        { deposit_uuid: p.depositUuid, vasp_uuid: p.vaspUuid },
        looseObjectSchema,
        o,
      ),
    verifyTravelRuleByTxid: (
      p: { vaspUuid: string; txid: string; currency: string; netType: string },
      o?: CallOptions,
    ): Promise<LooseObject> =>
      exchange(
        'POST',
        '/v1/travel_rule/deposit/txid',
        { vasp_uuid: p.vaspUuid, txid: p.txid, currency: p.currency, net_type: p.netType },
        looseObjectSchema,
        o,
      ),

    // ---- Exchange: service ----
    /** GET /status/wallet (needs keys). */
    getWalletStatus: (o?: CallOptions): Promise<WalletStatus[]> =>
      exchange('GET', '/v1/status/wallet', undefined, walletStatusSchemaList, o),
    /** GET /api_keys (KR only). */
    getApiKeys: (o?: CallOptions): Promise<ApiKeyInfo[]> => exchange('GET', '/v1/api_keys', undefined, apiKeySchemaList, o),

    // ---- Pagination ----
    /** Candles newest first beyond 200, walking `to` back until `limit` candles or the start of history. */
    iterateCandles: (p: Omit<CandlesParams, 'count'> & { limit?: number }, o?: CallOptions) => iterateCandles(client, p, o),
    /** Closed orders across any span, one 7-day window at a time, newest first. */
    iterateClosedOrders: (
      p: Omit<ClosedOrdersParams, 'startTime' | 'endTime' | 'orderBy'> & { since: Date | number; until?: Date | number },
      o?: CallOptions,
    ) => iterateClosedOrders(client, p, o),
    /** Recent trades newest first, following `cursor`. */
    iterateTrades: (p: Omit<TradesParams, 'cursor' | 'count'> & { limit?: number }, o?: CallOptions) =>
      iterateTrades(client, p, o),

    /** Epoch ms until which a rate-limit group is banned (after a 418), or undefined. */
    bannedUntil: (group: RateLimitGroup): number | undefined => limiter.bannedUntil(group),
  }
  return client
}

function transferListParams(p: TransferListParams): Params {
  return {
    currency: p.currency,
    state: p.state,
    uuids: p.uuids,
    txids: p.txids,
    limit: p.limit,
    page: p.page,
    order_by: p.orderBy,
  }
}

export type UpbitClient = ReturnType<typeof createUpbitClient>
