import { toBig, toDecimalString } from '@tradekit/upbit-client'
import { aggregateCandles } from './candle-aggregate.js'
import type { Candle } from './candles.js'
import type { Exchange, ExchangeAccount, ExchangeCandle, ExchangeOrder, OrderRequest } from './exchange.js'

export interface ReplayExchangeOptions {
  market: string
  /** Hourly candles, oldest first. */
  candles: readonly Candle[]
  /** Starting quote balance, decimal string. */
  quoteBalance: string
  /** Starting base balance, decimal string. Default `'0'`. */
  baseBalance?: string
  /** Taker fee rate. Default `'0.0005'` (Upbit KRW markets). */
  feeRate?: string
  /** Index of the first "current" candle: the bot needs history behind it. Default 200. */
  startIndex?: number
}

export interface ReplayExchange extends Exchange {
  /** Moves to the next candle; false when the history is exhausted. */
  advance(): boolean
  /** Open time of the current (last closed) candle, UTC ms: the backtest's clock. */
  now(): number
  /** The current candle. */
  current(): Candle
}

/** A decimal from upbit-client's money helpers (big.js). */
type Big = ReturnType<typeof toBig>

/**
 * An in-memory exchange for backtests: the market is a candle file, one candle per cycle. A market order
 * fills at the NEXT candle's open (the decision cannot see it: no look-ahead), pays the fee on top like Upbit
 * (a market buy's `price` is the total before fee), and settles at once.
 */
export function createReplayExchange(options: ReplayExchangeOptions): ReplayExchange {
  const { market, candles } = options
  const [quote = 'KRW', base = 'BTC'] = market.split('-')
  const feeRate = toBig(options.feeRate ?? '0.0005')
  let index = Math.min(options.startIndex ?? 200, candles.length - 1)
  let cash = toBig(options.quoteBalance)
  let coins = toBig(options.baseBalance ?? '0')
  let costBasis = toBig(0)
  const orders = new Map<string, ExchangeOrder>()
  // Order ids count up, so a replayed run writes the same trade log (no random ids).
  let placed = 0

  const current = () => candles[index]!
  const closeOf = (c: Candle) => Number(c.close)

  function aggregate(minutes: number, count: number): ExchangeCandle[] {
    if (minutes % 60 !== 0) throw new Error(`the replayed candle file is hourly: timeframe ${minutes} min is not available`)
    // Only the window that makes the last `count` buckets (plus one partial bucket at its start).
    const first = Math.max(0, index - (count + 1) * (minutes / 60))
    const hourly = candles.slice(first, index + 1).map((c) => ({
      time: c.timestamp,
      open: Number(c.open),
      high: Number(c.high),
      low: Number(c.low),
      close: closeOf(c),
      volume: Number(c.volume),
    }))
    return aggregateCandles(hourly, minutes, count)
  }

  function fill(request: OrderRequest): ExchangeOrder {
    const next = candles[index + 1] ?? current()
    let price = toBig(next.open)
    if (request.ord_type === 'limit') {
      // A limit order fills only if the next candle reaches its price, and at the better of open and limit.
      const limit = toBig(request.price)
      const buying = request.side === 'bid'
      const reached = buying ? toBig(next.low).lte(limit) : toBig(next.high).gte(limit)
      if (!reached) return order(request, toBig(0), toBig(0), toBig(0), next, 'wait')
      price = buying ? (price.lt(limit) ? price : limit) : price.gt(limit) ? price : limit
    }
    let volume: Big
    let funds: Big
    if (request.side === 'bid') {
      const total = request.ord_type === 'limit' ? toBig(request.volume).times(toBig(request.price)) : toBig(request.price)
      volume = request.ord_type === 'limit' ? toBig(request.volume) : total.div(price).round(8, 0)
      funds = volume.times(price)
      const fee = funds.times(feeRate)
      if (funds.plus(fee).gt(cash)) throw new Error(`insufficient_funds_bid: ${toDecimalString(funds.plus(fee))} ${quote} needed`)
      cash = cash.minus(funds).minus(fee)
      coins = coins.plus(volume)
      costBasis = costBasis.plus(funds)
      return order(request, volume, funds, fee, next)
    }
    volume = toBig(request.volume)
    if (volume.gt(coins)) throw new Error(`insufficient_funds_ask: ${request.volume} ${base} needed`)
    funds = volume.times(price)
    const fee = funds.times(feeRate)
    costBasis = coins.eq(0) ? toBig(0) : costBasis.times(coins.minus(volume)).div(coins)
    coins = coins.minus(volume)
    cash = cash.plus(funds).minus(fee)
    return order(request, volume, funds, fee, next)
  }

  function order(
    request: OrderRequest,
    volume: Big,
    funds: Big,
    fee: Big,
    at: Candle,
    state: 'done' | 'wait' = 'done',
  ): ExchangeOrder {
    const created: ExchangeOrder = {
      uuid: `replay-${++placed}`,
      identifier: request.identifier,
      market,
      side: request.side,
      ord_type: request.ord_type,
      state,
      executed_volume: toDecimalString(volume),
      executed_funds: toDecimalString(funds),
      paid_fee: toDecimalString(fee),
      trades:
        state === 'done'
          ? [
              {
                price: toDecimalString(funds.div(volume)),
                volume: toDecimalString(volume),
                funds: toDecimalString(funds),
                created_at: at.time,
              },
            ]
          : [],
      created_at: at.time,
    }
    orders.set(created.uuid, created)
    return created
  }

  function accounts(): ExchangeAccount[] {
    const avg = coins.gt(0) ? toDecimalString(costBasis.div(coins).round(8, 0)) : '0'
    return [
      { currency: quote, balance: toDecimalString(cash), locked: '0', avg_buy_price: '0' },
      { currency: base, balance: toDecimalString(coins), locked: '0', avg_buy_price: avg },
    ]
  }

  const lookup = (uuid: string) => {
    const found = orders.get(uuid)
    if (!found) throw new Error(`order_not_found: ${uuid}`)
    return found
  }

  return {
    advance() {
      if (index + 1 >= candles.length) return false
      index += 1
      return true
    },
    now: () => current().timestamp,
    current,
    candles: async (m, minutes, count) => {
      if (m !== market) throw new Error(`the replay only has ${market}`)
      return aggregate(minutes, count)
    },
    ticker: async () => ({ price: closeOf(current()) }),
    orderbook: async () => {
      const price = closeOf(current())
      return { bestBid: price - 1000, bestAsk: price + 1000, bidSize: 1, askSize: 1 }
    },
    accounts: async () => accounts(),
    createOrder: async (request) => fill(request),
    getOrder: async (uuid) => lookup(uuid),
    cancelOrder: async (uuid) => {
      const found = lookup(uuid)
      if (found.state === 'wait') found.state = 'cancel'
      return found
    },
    findOrder: async (identifier) => [...orders.values()].find((o) => o.identifier === identifier) ?? null,
    openOrders: async () => [...orders.values()].filter((o) => o.state === 'wait' || o.state === 'watch'),
    closedOrders: async (since, until) =>
      [...orders.values()].filter((o) => {
        const created = Date.parse(o.created_at ?? '')
        return (o.state === 'done' || o.state === 'cancel') && created >= since && created <= until
      }),
  }
}
