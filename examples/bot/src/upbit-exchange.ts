import {
  type Candle,
  type Order,
  type TickerEvent,
  UpbitBanError,
  type UpbitClient,
  UpbitConnectionError,
  UpbitNotFoundError,
  UpbitRateLimitError,
  UpbitServerError,
  type UpbitStreams,
  UpbitTimeoutError,
} from '@tradekit/upbit-client'
import type { Exchange, ExchangeCandle, ExchangeOrder, OrderRequest } from './exchange.js'
import { createOrderStream } from './order-stream.js'

export interface UpbitExchangeOptions {
  /**
   * Upbit's streams (`createUpbitStreams` with the same keys and REST client). Orders settle from their myOrder
   * events; GET /order is polled only while the private stream is down. Default: none (polling).
   */
  streams?: UpbitStreams | undefined
  /**
   * Markets whose price comes from the `candle.1m` stream (the latest candle's close) and whose 24-hour change and
   * volume come from the `ticker` stream, instead of GET /ticker. Needs `streams`. Default: none.
   */
  streamPrices?: readonly string[] | undefined
  /** A streamed price older than this by `now` is not used: GET /ticker answers instead. Default 60000 ms. */
  priceMaxAgeMs?: number | undefined
  /** The bot's clock, UTC ms (the simulator's in paper mode). Default `Date.now`. */
  now?: (() => number) | undefined
}

/**
 * Binds the bot's `Exchange` to an upbit-client (real Upbit or the simulator: same API, same signing). With
 * `streams`, fills come from the myOrder stream and prices from the candle stream, with REST as the fallback.
 */
export function createUpbitExchange(client: UpbitClient, options: UpbitExchangeOptions = {}): Exchange {
  async function fetchCandles(market: string, minutes: number, count: number) {
    const unit = minutes as 1 | 3 | 5 | 10 | 15 | 30 | 60 | 240
    const candles = await client.getCandles({ market, unit, count })
    // Upbit answers newest first; the decider wants oldest first.
    return candles.map(toCandle).sort((a, b) => a.time - b.time)
  }
  const { streams } = options
  const orders = streams ? createOrderStream(streams) : undefined
  const prices = streams && options.streamPrices?.length ? streamedPrices(streams, options) : undefined
  return {
    ...(orders ? { settledFromStream: orders.settled } : {}),
    candles: (market, minutes, count) => fetchCandles(market, minutes, count),
    async ticker(market) {
      const streamed = prices?.(market)
      if (streamed) return streamed
      const [ticker] = await client.getTicker({ markets: [market] })
      if (!ticker) throw new Error(`Upbit returned no ticker for ${market}`)
      const change24h = ticker.prev_closing_price > 0 ? ticker.trade_price / ticker.prev_closing_price - 1 : undefined
      const volume = (ticker as { acc_trade_volume_24h?: number }).acc_trade_volume_24h
      return {
        price: ticker.trade_price,
        ...(change24h === undefined ? {} : { change24h }),
        ...(volume === undefined ? {} : { volume24h: volume }),
      }
    },
    async orderbook(market) {
      const [book] = await client.getOrderbook({ markets: [market] })
      const best = book?.orderbook_units[0]
      if (!book || !best) throw new Error(`Upbit returned an empty orderbook for ${market}`)
      return { bestBid: best.bid_price, bestAsk: best.ask_price, bidSize: book.total_bid_size, askSize: book.total_ask_size }
    },
    accounts: () => client.getAccounts(),
    async createOrder(request: OrderRequest) {
      const { market, identifier } = request
      // Asked before sending: an order sent while the stream covers it can be settled from its events.
      const covered = orders?.covers() ?? false
      let order: Order
      if (request.ord_type === 'limit') {
        const { side, price, volume } = request
        order = await client.createOrder({ market, side, ordType: 'limit', price, volume, identifier })
      } else {
        order =
          request.side === 'bid'
            ? await client.createOrder({ market, side: 'bid', ordType: 'price', price: request.price, identifier })
            : await client.createOrder({ market, side: 'ask', ordType: 'market', volume: request.volume, identifier })
      }
      if (covered) orders?.track(order.uuid)
      return toOrder(order)
    },
    getOrder: async (uuid) => toOrder(await client.getOrder({ uuid })),
    cancelOrder: async (uuid) => toOrder(await client.cancelOrder({ uuid })),
    async findOrder(identifier) {
      try {
        return toOrder(await client.getOrder({ identifier }))
      } catch (error) {
        if (error instanceof UpbitNotFoundError) return null
        throw error
      }
    },
    async openOrders() {
      const orders: ExchangeOrder[] = []
      for (let page = 1; ; page++) {
        const batch = await client.getOpenOrders({ states: ['wait', 'watch'], page, limit: OPEN_PAGE })
        orders.push(...batch.map(toOrder))
        if (batch.length < OPEN_PAGE) return orders
      }
    },
    async closedOrders(since, until) {
      const orders: ExchangeOrder[] = []
      for await (const order of client.iterateClosedOrders({ since, until })) orders.push(toOrder(order))
      return orders
    },
  }
}

const OPEN_PAGE = 100

/**
 * The price from the `candle.1m` stream and the 24-hour figures from the `ticker` stream, when the public stream is
 * confirmed and both are at most `priceMaxAgeMs` old by the bot's clock; undefined otherwise (GET /ticker then).
 */
function streamedPrices(streams: UpbitStreams, options: UpbitExchangeOptions) {
  const codes = [...new Set(options.streamPrices)]
  const now = options.now ?? Date.now
  const maxAge = options.priceMaxAgeMs ?? 60_000
  const tickers = new Map<string, TickerEvent>()
  streams.subscribe('candle.1m', { codes })
  streams.subscribe('ticker', { codes }).on('data', (ticker) => tickers.set(ticker.code, ticker))
  return (market: string): Awaited<ReturnType<Exchange['ticker']>> | undefined => {
    if (!streams.isConfirmed('public')) return undefined
    const candle = streams.candles('candle.1m', market).at(-1)
    const ticker = tickers.get(market)
    if (!candle || !ticker || now() - candle.timestamp > maxAge || now() - ticker.timestamp > maxAge) return undefined
    // Numbers, as GET /ticker's JSON gives them: the decider's context is the same whichever source answered.
    const price = Number(candle.trade_price)
    const previous = Number(ticker.prev_closing_price)
    const volume = ticker.acc_trade_volume_24h
    return {
      price,
      ...(previous > 0 ? { change24h: price / previous - 1 } : {}),
      ...(volume === null ? {} : { volume24h: Number(volume) }),
    }
  }
}

/** The WebSocket endpoint of an Upbit (or simulator) REST base URL: `https://api.upbit.com` → `wss://api.upbit.com/websocket/v1`. */
export function streamUrlFor(baseUrl: string): string {
  return `${baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}/websocket/v1`
}

/**
 * The exchange could not be asked (connection refused or dropped, timeout, 5xx, rate limit or ban): worth
 * waiting for. Anything else (bad keys, a rejected request) will not fix itself by waiting.
 */
export function isExchangeUnreachable(error: unknown): boolean {
  return (
    error instanceof UpbitConnectionError ||
    error instanceof UpbitTimeoutError ||
    error instanceof UpbitServerError ||
    error instanceof UpbitRateLimitError ||
    error instanceof UpbitBanError
  )
}

function toCandle(candle: Candle): ExchangeCandle {
  return {
    time: Date.parse(`${candle.candle_date_time_utc}Z`),
    open: candle.opening_price,
    high: candle.high_price,
    low: candle.low_price,
    close: candle.trade_price,
    volume: candle.candle_acc_trade_volume,
  }
}

function toOrder(order: Order): ExchangeOrder {
  return {
    uuid: order.uuid,
    identifier: order.identifier,
    market: order.market,
    side: order.side,
    ord_type: order.ord_type,
    state: order.state,
    executed_volume: order.executed_volume,
    paid_fee: order.paid_fee,
    executed_funds: order.executed_funds,
    trades: order.trades?.map((t) => ({
      uuid: t.uuid,
      price: t.price,
      volume: t.volume,
      funds: t.funds,
      created_at: t.created_at,
    })),
    created_at: order.created_at,
  }
}
