import type { ExchangeCandle } from './exchange.js'

/**
 * Groups candles (oldest first) into `minutes`-long candles aligned on UTC multiples of the span, as Upbit
 * cuts them; the newest may be partial, like Upbit's current candle. Returns the newest `count`.
 */
export function aggregateCandles(candles: readonly ExchangeCandle[], minutes: number, count: number): ExchangeCandle[] {
  const span = minutes * 60_000
  const out: ExchangeCandle[] = []
  for (const c of candles) {
    const bucket = Math.floor(c.time / span) * span
    const last = out.at(-1)
    if (last && last.time === bucket) {
      last.high = Math.max(last.high, c.high)
      last.low = Math.min(last.low, c.low)
      last.close = c.close
      last.volume += c.volume
    } else {
      out.push({ ...c, time: bucket })
    }
  }
  return out.slice(-count)
}
