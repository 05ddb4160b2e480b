import { toBig, toDecimalString } from '@tradekit/upbit-client'
import type { ExchangeOrder, ExchangeTrade } from './exchange.js'

/** One fill to log: what the exchange executed, never what was intended. Decimal strings. */
export interface Fill {
  side: 'buy' | 'sell'
  volume: string
  price: string
  funds: string
  fee: string
  at?: string | undefined
}

/**
 * The fills of a settled order, from Upbit's `trades[]` (or, when the order carries none, from its
 * `executed_volume`/`executed_funds`). Upbit reports one fee per order (`paid_fee`); it is split over the
 * trades in proportion to their funds, the last trade taking the rounding remainder so the sum is exact.
 *
 * Trades are taken in one canonical order (by the second they executed in, then by their id), so an order read
 * from GET /order and the same order rebuilt from the myOrder stream give the same fills in the same order: the
 * trades log counts an order's fills logged so far, and a restart continues from that count.
 */
export function fillsFromOrder(order: ExchangeOrder): Fill[] {
  const side = order.side === 'bid' ? 'buy' : 'sell'
  const executed = toBig(order.executed_volume)
  if (executed.lte(0)) return []
  const trades = canonicalOrder((order.trades ?? []).filter((t) => toBig(t.volume).gt(0)))
  const paidFee = toBig(order.paid_fee)
  if (trades.length === 0) {
    const funds = order.executed_funds ? toBig(order.executed_funds) : undefined
    if (!funds)
      throw new Error(`order ${order.uuid} executed ${order.executed_volume} but reports neither trades nor executed_funds`)
    return [
      {
        side,
        volume: toDecimalString(executed),
        price: toDecimalString(funds.div(executed).round(8, 0)),
        funds: toDecimalString(funds),
        fee: toDecimalString(paidFee),
      },
    ]
  }
  const totalFunds = trades.reduce((sum, t) => sum.plus(toBig(t.funds)), toBig(0))
  let feeLeft = paidFee
  return trades.map((trade, index) => {
    const isLast = index === trades.length - 1
    const fee = isLast || totalFunds.eq(0) ? feeLeft : paidFee.times(toBig(trade.funds)).div(totalFunds).round(8, 0)
    feeLeft = feeLeft.minus(fee)
    return {
      side,
      volume: toDecimalString(trade.volume),
      price: toDecimalString(trade.price),
      funds: toDecimalString(trade.funds),
      fee: toDecimalString(fee),
      at: utcIso(trade.created_at),
    }
  })
}

/** The same instant whether the exchange wrote it in KST (GET /order) or it came from a stream timestamp. */
function utcIso(at: string | undefined): string | undefined {
  const ms = at === undefined ? Number.NaN : Date.parse(at)
  return Number.isNaN(ms) ? at : new Date(ms).toISOString()
}

/** By execution second (Upbit's `created_at` has whole seconds), then trade id; stable for trades without either. */
function canonicalOrder(trades: ExchangeTrade[]): ExchangeTrade[] {
  const second = (t: ExchangeTrade) => Math.floor(Date.parse(t.created_at ?? '') / 1000) || 0
  const id = (t: ExchangeTrade) => t.uuid ?? ''
  return [...trades].sort((a, b) => second(a) - second(b) || (id(a) < id(b) ? -1 : id(a) > id(b) ? 1 : 0))
}
