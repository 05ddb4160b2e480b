import { formatDecimal, parseDecimal } from '@tradekit/trade-log'
import type { CandleBar } from './api-types.js'
import { bucketStart } from './candle-buckets.js'

/** One OHLC candle of the prices the bot saw; prices are decimal strings (money is never a float). */
export type Candle = CandleBar

/** Candles of `points` (sorted by time) in buckets of `intervalMs`; empty buckets make no candle. */
export function toCandles(points: readonly { tsMs: number; price: string }[], intervalMs: number): Candle[] {
  const candles: Candle[] = []
  let high = parseDecimal('0')
  let low = parseDecimal('0')
  for (const point of points) {
    const time = bucketStart(point.tsMs, intervalMs)
    const price = parseDecimal(point.price)
    const last = candles.at(-1)
    if (last === undefined || last.time !== time) {
      high = price
      low = price
      candles.push({ time, open: point.price, high: point.price, low: point.price, close: point.price, ticks: 1 })
      continue
    }
    if (price.gt(high)) {
      high = price
      last.high = point.price
    }
    if (price.lt(low)) {
      low = price
      last.low = point.price
    }
    last.close = point.price
    last.ticks += 1
  }
  for (const candle of candles)
    for (const key of ['open', 'high', 'low', 'close'] as const) candle[key] = formatDecimal(parseDecimal(candle[key]))
  return candles
}
