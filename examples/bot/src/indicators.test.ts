import { describe, expect, it } from 'vitest'
import { createIndicators } from './indicators.js'

const candles = (closes: number[]) =>
  closes.map((close, i) => ({ time: i * 3_600_000, open: close, high: close, low: close, close, volume: 1 }))

describe('indicator snapshot', () => {
  it('computes moving averages and RSI from the closes, by hand on a ramp', () => {
    const closes = Array.from({ length: 40 }, (_, i) => 100 + i)
    const snapshot = createIndicators([60, 240])({
      market: 'KRW-BTC',
      asOf: 0,
      candles: { '1h': candles(closes), '4h': candles(closes.slice(0, 25)) },
      ticker: { price: 139, change24h: 0.01 },
      balances: { quote: '0', base: '0' },
    })
    // Mean of the last 10 closes 130..139, of the last 30 closes 110..139, of the last 20 of 100..124.
    expect(snapshot).toMatchObject({ sma10_1h: 134.5, sma30_1h: 124.5, sma20_4h: 114.5, change24h: 0.01 })
    // Only gains: RSI is 100.
    expect(snapshot['rsi14_1h']).toBe(100)
  })

  it('too little history gives null rather than a misleading number', () => {
    const snapshot = createIndicators([60, 240])({
      market: 'KRW-BTC',
      asOf: 0,
      candles: { '1h': candles([1, 2, 3]) },
      ticker: { price: 3 },
      balances: { quote: '0', base: '0' },
    })
    expect(snapshot).toMatchObject({ sma10_1h: null, sma30_1h: null, rsi14_1h: null, sma20_4h: null, change24h: null })
  })
})
