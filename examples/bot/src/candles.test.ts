import { describe, expect, it } from 'vitest'
import { generateCandles } from '../scripts/generate-candles.js'
import { BUNDLED_CANDLES, CandleFileError, formatCandleCsv, parseCandleCsv, readCandleFile } from './candles.js'

describe('candle files', () => {
  it('round-trips candles through the CSV format', () => {
    const { candles } = generateCandles({ seed: 7, start: '2025-01-01', days: 2, price: 100_000_000 })
    expect(parseCandleCsv(formatCandleCsv(candles))).toEqual(candles)
  })

  it('the generator is reproducible from its seed and differs between seeds', () => {
    const a = generateCandles({ seed: 1, start: '2025-01-01', days: 3, price: 100_000_000 }).candles
    const b = generateCandles({ seed: 1, start: '2025-01-01', days: 3, price: 100_000_000 }).candles
    const c = generateCandles({ seed: 2, start: '2025-01-01', days: 3, price: 100_000_000 }).candles
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
  })

  it('generated candles are consistent OHLC on the 1,000 KRW tick', () => {
    const { candles } = generateCandles({ seed: 3, start: '2025-01-01', days: 30, price: 140_000_000 })
    for (const c of candles) {
      const [o, h, l, cl] = [c.open, c.high, c.low, c.close].map(Number) as [number, number, number, number]
      expect(h).toBeGreaterThanOrEqual(Math.max(o, cl))
      expect(l).toBeLessThanOrEqual(Math.min(o, cl))
      expect(o % 1000).toBe(0)
      expect(l % 1000).toBe(0)
    }
  })

  it('the bundled history covers several months of hourly candles', async () => {
    const candles = await readCandleFile(BUNDLED_CANDLES.pathname)
    expect(candles.length).toBeGreaterThanOrEqual(24 * 90)
    expect(candles[1]!.timestamp - candles[0]!.timestamp).toBe(3_600_000)
  })

  it('error: a malformed line names the file and line', () => {
    const text = 'time_utc,open,high,low,close,volume\n2025-01-01T00:00:00Z,1,2,1,1,5\n2025-01-01T01:00:00Z,1,x,1,1,5\n'
    expect(() => parseCandleCsv(text, 'c.csv')).toThrow(CandleFileError)
    expect(() => parseCandleCsv(text, 'c.csv')).toThrow(/c\.csv, line 3/)
  })

  it('error: candles out of order are rejected', () => {
    const text = 'time_utc,open,high,low,close,volume\n2025-01-01T01:00:00Z,1,2,1,1,5\n2025-01-01T00:00:00Z,1,2,1,1,5\n'
    expect(() => parseCandleCsv(text)).toThrow(/ascending/)
  })
})
