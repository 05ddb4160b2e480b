import { afterEach, describe, expect, it } from 'vitest'
import { createUpbitClient } from '../client.js'
import { bucketStart, candleUnitOf } from './sim-candle-units.js'
import type { SimCandle } from './sim-feed.js'
import { startUpbitSimulator, type UpbitSimulator } from './simulator.js'

let sim: UpbitSimulator | undefined
afterEach(async () => {
  await sim?.close()
  sim = undefined
})

const MINUTE = 60_000
const START = Date.UTC(2026, 0, 1) // a Thursday

describe('candle units', () => {
  it('parses the paths Upbit serves and refuses other minute units', () => {
    expect(candleUnitOf('/v1/candles/minutes/240')).toEqual({ kind: 'minutes', minutes: 240 })
    expect(candleUnitOf('/v1/candles/weeks')).toEqual({ kind: 'weeks' })
    expect(candleUnitOf('/v1/candles/minutes/7')).toBeUndefined()
    expect(candleUnitOf('/v1/candles/hours')).toBeUndefined()
  })

  it('aligns buckets like Upbit: UTC minutes (4h candles at 09, 13, ... KST), UTC days, Monday weeks, calendar months', () => {
    const t = Date.UTC(2026, 4, 14, 17, 59, 30, 250) // Thursday 14 May 2026
    expect(bucketStart({ kind: 'seconds' }, t)).toBe(Date.UTC(2026, 4, 14, 17, 59, 30))
    expect(bucketStart({ kind: 'minutes', minutes: 15 }, t)).toBe(Date.UTC(2026, 4, 14, 17, 45))
    expect(bucketStart({ kind: 'minutes', minutes: 240 }, t)).toBe(Date.UTC(2026, 4, 14, 16))
    expect(bucketStart({ kind: 'days' }, t)).toBe(Date.UTC(2026, 4, 14))
    expect(bucketStart({ kind: 'weeks' }, t)).toBe(Date.UTC(2026, 4, 11))
    expect(bucketStart({ kind: 'weeks' }, Date.UTC(2026, 4, 17, 23))).toBe(Date.UTC(2026, 4, 11))
    expect(bucketStart({ kind: 'weeks' }, Date.UTC(2026, 4, 18))).toBe(Date.UTC(2026, 4, 18))
    expect(bucketStart({ kind: 'months' }, t)).toBe(Date.UTC(2026, 4, 1))
    expect(bucketStart({ kind: 'years' }, t)).toBe(Date.UTC(2026, 0, 1))
  })
})

describe('simulator candles of every unit from one feed', () => {
  // 1-minute candles whose prices encode their index, so every aggregate can be checked by hand.
  const feed: SimCandle[] = Array.from({ length: 600 }, (_, i) => ({
    open: String(1000 + i),
    high: String(1000 + i + (i % 7)),
    low: String(1000 + i - (i % 5)),
    close: String(1001 + i),
    volume: '2',
    time: START + i * MINUTE,
  }))

  async function client() {
    sim = await startUpbitSimulator({ markets: { 'KRW-BTC': feed }, startTime: START, intervalMs: MINUTE })
    sim.advance(599)
    return createUpbitClient({ baseUrl: sim.baseUrl })
  }

  it('builds 5-minute candles from the 1-minute feed: first open, last close, extremes, summed volume', async () => {
    const api = await client()
    const candles = await api.getCandles({ market: 'KRW-BTC', unit: 5, count: 3 })
    expect(candles).toHaveLength(3)
    // The newest bucket holds minutes 595..599.
    const bucket = feed.slice(595, 600)
    expect(candles[0]).toMatchObject({
      candle_date_time_utc: '2026-01-01T09:55:00',
      candle_date_time_kst: '2026-01-01T18:55:00',
      opening_price: 1595,
      trade_price: 1600,
      high_price: Math.max(...bucket.map((c) => Number(c.high))),
      low_price: Math.min(...bucket.map((c) => Number(c.low))),
      candle_acc_trade_volume: 10,
      unit: 5,
    })
    expect(candles[2]!.candle_date_time_utc).toBe('2026-01-01T09:45:00')
  })

  it('4-hour candles: the forming one and the complete one before it, with to= walking back', async () => {
    const api = await client()
    const [forming, complete] = await api.getCandles({ market: 'KRW-BTC', unit: 240, count: 2 })
    expect(forming).toMatchObject({ candle_date_time_utc: '2026-01-01T08:00:00', opening_price: 1480, trade_price: 1600 })
    expect(complete).toMatchObject({
      candle_date_time_utc: '2026-01-01T04:00:00',
      opening_price: 1240,
      trade_price: 1480,
      candle_acc_trade_volume: 480,
    })
    const older = await api.getCandles({ market: 'KRW-BTC', unit: 240, count: 5, to: '2026-01-01T04:00:00Z' })
    expect(older.map((c) => c.candle_date_time_utc)).toEqual(['2026-01-01T00:00:00'])
  })

  it('day and week candles carry the fields Upbit adds to them', async () => {
    const api = await client()
    const [day] = await api.getCandles({ market: 'KRW-BTC', unit: 'days', count: 1 })
    expect(day).toMatchObject({ candle_date_time_utc: '2026-01-01T00:00:00', opening_price: 1000, trade_price: 1600 })
    expect(day).toHaveProperty('prev_closing_price')
    expect(day).toHaveProperty('change_rate')
    const [week] = await api.getCandles({ market: 'KRW-BTC', unit: 'weeks', count: 1 })
    // 1 January 2026 is a Thursday: its week began on Monday 29 December 2025.
    expect(week).toMatchObject({ first_day_of_period: '2025-12-29', candle_date_time_utc: '2025-12-29T00:00:00' })
  })

  it('error: a minute unit Upbit does not serve is a 404, not a silent 1-minute answer', async () => {
    await client()
    const reply = await fetch(`${sim!.baseUrl}/v1/candles/minutes/7?market=KRW-BTC`)
    expect(reply.status).toBe(404)
  })
})
