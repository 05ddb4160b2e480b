/** Ready-made market contexts for tests, examples and benchmarks (deterministic: no clock, no randomness). */
import type { Candle, MarketContext } from '../context.js'

const HOUR = 3_600_000
const START = Date.UTC(2026, 10, 21)

/** Hourly candles closing at `closes`, starting 2026-11-21T00:00Z. */
export function candlesFrom(closes: readonly number[], intervalMs = HOUR): Candle[] {
  return closes.map((close, index) => {
    const open = index === 0 ? close : (closes[index - 1] ?? close)
    return {
      time: START + index * intervalMs,
      open,
      high: Math.max(open, close) * 1.001,
      low: Math.min(open, close) * 0.999,
      close,
      volume: 10 + (index % 7),
    }
  })
}

/** A gently oscillating KRW-BTC series around 135,000,000 KRW. */
export function sampleCloses(count = 60): number[] {
  return Array.from({ length: count }, (_, index) => Math.round(135_000_000 + Math.sin(index / 4) * 1_500_000))
}

/** Candles still open at `asOf` carry `updatedAt: asOf`, as an exchange's current candle would (point-in-time rule). */
function formingAt(candles: Candle[], intervalMs: number, asOf: number): Candle[] {
  return candles.map((candle) => (candle.time + intervalMs > asOf ? { ...candle, updatedAt: asOf } : candle))
}

/**
 * A complete KRW-BTC context whose `asOf` is the close of the last hourly candle, so every candle is known by then
 * (the day still forming is stamped `updatedAt`); pass `closes` for the '1h' candles and any field to override.
 */
export function sampleContext(overrides: Partial<MarketContext> & { closes?: readonly number[] } = {}): MarketContext {
  const { closes = sampleCloses(), ...rest } = overrides
  const candles = candlesFrom(closes)
  const price = closes.at(-1) ?? 135_000_000
  const asOf = START + closes.length * HOUR
  const daily = candlesFrom(
    closes.filter((_, index) => index % 24 === 0),
    24 * HOUR,
  )
  return {
    market: 'KRW-BTC',
    asOf,
    candles: { '1h': candles, '1d': formingAt(daily, 24 * HOUR, asOf) },
    indicators: { rsi14: 48.2, macdHist: -1200 },
    orderbook: { bestBid: price * 0.9999, bestAsk: price * 1.0001, bidSize: 1.2, askSize: 0.9 },
    ticker: { price, change24h: -0.012, volume24h: 2100 },
    balances: { quote: '1000000', base: '0.002' },
    position: { quantity: '0.002', avgEntryPrice: 134_000_000 },
    recentDecisions: [{ at: START, action: 'hold', size: 0, confidence: 0.5 }],
    recentFills: [{ at: START - HOUR, side: 'buy', price: 134_000_000, quantity: '0.002' }],
    ...rest,
  }
}
