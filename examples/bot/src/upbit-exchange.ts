import type { Candle, Order, UpbitClient } from '@tradekit/upbit-client'
import { aggregateCandles } from './candle-aggregate.js'
import type { Exchange, ExchangeCandle, ExchangeOrder, OrderRequest } from './exchange.js'

export interface UpbitExchangeOptions {
  /**
   * Build timeframes longer than 1 h from hourly candles instead of asking for them. ADAPTER for the
   * upbit-client simulator, which serves its single feed for every candle unit (so `minutes/240` would return
   * hourly candles). Default `false`: real Upbit serves every unit itself.
   */
  aggregateFromHourly?: boolean
}

/** Binds the bot's `Exchange` to an upbit-client (real Upbit or the simulator: same API, same signing). */
export function createUpbitExchange(client: UpbitClient, options: UpbitExchangeOptions = {}): Exchange {
  async function fetchCandles(market: string, minutes: number, count: number, to?: string) {
    const unit = minutes as 1 | 3 | 5 | 10 | 15 | 30 | 60 | 240
    const candles = await client.getCandles({ market, unit, count, ...(to ? { to } : {}) })
    // Upbit answers newest first; the decider wants oldest first.
    return candles.map(toCandle).sort((a, b) => a.time - b.time)
  }
  return {
    async candles(market, minutes, count) {
      if (!options.aggregateFromHourly || minutes <= 60 || minutes % 60 !== 0) return fetchCandles(market, minutes, count)
      // Enough hourly candles for `count` buckets, 200 (Upbit's page) at a time, walking back with `to`.
      let needed = (count + 1) * (minutes / 60)
      let hourly: ExchangeCandle[] = []
      while (needed > 0) {
        const oldest = hourly[0]
        const page = await fetchCandles(
          market,
          60,
          Math.min(needed, 200),
          oldest ? new Date(oldest.time).toISOString() : undefined,
        )
        hourly = [...page, ...hourly]
        needed -= page.length
        if (page.length === 0) break
      }
      return aggregateCandles(hourly, minutes, count)
    },
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
  }
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
    trades: order.trades?.map((t) => ({ price: t.price, volume: t.volume, funds: t.funds, created_at: t.created_at })),
    created_at: order.created_at,
  }
}
