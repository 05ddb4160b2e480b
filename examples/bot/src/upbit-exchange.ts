import {
  type Candle,
  type Order,
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

/**
 * Binds the bot's `Exchange` to an upbit-client (real Upbit or the simulator: same API, same signing). With
 * `streams` (`createUpbitStreams`, same keys), waiting for an order wakes on its myOrder events; without, it polls.
 */
export function createUpbitExchange(client: UpbitClient, streams?: UpbitStreams): Exchange {
  async function fetchCandles(market: string, minutes: number, count: number) {
    const unit = minutes as 1 | 3 | 5 | 10 | 15 | 30 | 60 | 240
    const candles = await client.getCandles({ market, unit, count })
    // Upbit answers newest first; the decider wants oldest first.
    return candles.map(toCandle).sort((a, b) => a.time - b.time)
  }
  return {
    ...(streams ? { orderChanged: orderChangeWatcher(streams) } : {}),
    candles: (market, minutes, count) => fetchCandles(market, minutes, count),
    async ticker(market) {
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
      if (request.ord_type === 'limit') {
        const { side, price, volume } = request
        return toOrder(await client.createOrder({ market, side, ordType: 'limit', price, volume, identifier }))
      }
      const order =
        request.side === 'bid'
          ? await client.createOrder({ market, side: 'bid', ordType: 'price', price: request.price, identifier })
          : await client.createOrder({ market, side: 'ask', ordType: 'market', volume: request.volume, identifier })
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
 * `orderChanged` from the myOrder stream: counts events per order, so an event that arrived before the wait began
 * (a market order fills within its own POST) still wakes it at once. Remembers the last 1,000 orders.
 */
function orderChangeWatcher(streams: UpbitStreams): NonNullable<Exchange['orderChanged']> {
  const events = new Map<string, number>()
  const seen = new Map<string, number>()
  const waiters = new Map<string, Set<() => void>>()
  streams.subscribe('myOrder').on('data', (event) => {
    events.set(event.uuid, (events.get(event.uuid) ?? 0) + 1)
    if (events.size > 1000) events.delete(events.keys().next().value!)
    for (const wake of waiters.get(event.uuid) ?? []) wake()
  })
  return (uuid, waitMs, signal) =>
    new Promise<void>((resolve) => {
      const count = events.get(uuid) ?? 0
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        waiters.get(uuid)?.delete(done)
        if (waiters.get(uuid)?.size === 0) waiters.delete(uuid)
        seen.set(uuid, events.get(uuid) ?? 0)
        if (seen.size > 1000) seen.delete(seen.keys().next().value!)
        resolve()
      }
      const timer = setTimeout(done, waitMs)
      if (count > (seen.get(uuid) ?? 0) || signal?.aborted) return done()
      signal?.addEventListener('abort', done, { once: true })
      let set = waiters.get(uuid)
      if (!set) {
        set = new Set()
        waiters.set(uuid, set)
      }
      set.add(done)
    })
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
